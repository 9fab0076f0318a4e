// Shared pieces of the fault suite (tests/fault_*_test.cc): what "nothing lost, nothing twice"
// means, checked against the simulator's ledger, the processor's store and what the card center
// received — for a batch (its return file) and for real-time repayments (answers, query,
// notifications). The batch checks are those of batch_crash_test.cc, for any batch.
// Header-only: CMake builds tests/*_test.cc and harness.cc into repay_e2e_test.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "batch_e2e.h"
#include "realtime_e2e.h"

namespace repay::e2e::fault {

using namespace repay::e2e::batch;

// Debits the bank holds, by (channel, ReqSn); fails the test on a ReqSn executed twice.
inline std::map<std::pair<std::string, std::string>, LedgerEntry> ledger_debits(TestStack& ts) {
  std::map<std::pair<std::string, std::string>, LedgerEntry> out;
  for (const auto& e : ledger(ts)) {
    CHECK_MESSAGE(e.executed <= 1, "ReqSn " << e.channel << "/" << e.req_sn << " executed " << e.executed << " times");
    if (e.type == "DEBIT") {
      CHECK_MESSAGE(out.emplace(std::pair{e.channel, e.req_sn}, e).second, "ReqSn " << e.req_sn << " listed twice");
    }
  }
  return out;
}

// Every DEBIT the bank has belongs to exactly one batch item or real-time repayment of the store
// (no debit under a ReqSn we do not know, none for one item under two ReqSns).
inline void check_every_debit_is_ours(TestStack& ts) {
  std::set<std::pair<std::string, std::string>> ours;
  for (const auto& r : db_rows(ts.stack().database(),
                               "SELECT channel_id, req_sn FROM batch_items WHERE req_sn IS NOT NULL "
                               "UNION ALL SELECT channel_id, req_sn FROM repayments WHERE req_sn IS NOT NULL", 2)) {
    CHECK_MESSAGE(ours.emplace(r[0], r[1]).second, "ReqSn " << r[1] << " held twice in the store");
  }
  for (const auto& [key, e] : ledger_debits(ts)) {
    CHECK_MESSAGE(ours.count(key) == 1, "the bank has a DEBIT " << key.first << "/" << key.second
                                            << " (" << e.status << ") that no item or repayment holds");
  }
}

// A batch whose return file is published: the file lists every item of `lines` once in seq order;
// S exactly where the bank debited the item's ReqSn with its debit amount; an F item debited by
// the bank (after its force-fail time) has a LATE_SUCCESS refund proposal; nothing is left open.
inline void check_batch(TestStack& ts, const std::string& center, const std::string& outbox,
                        const std::string& date, const std::string& batch_no,
                        const std::vector<Line>& lines) {
  INFO("batch " << center << "/" << batch_no);
  const std::string ret = return_name(center, date, batch_no);
  REQUIRE_MESSAGE(std::filesystem::exists(outbox + "/" + ret + ".ok"), "no return file " << ret);
  std::map<long long, std::vector<std::string>> items;  // seq -> channel, req_sn, state, txn_no, debit_amount, late_state
  for (auto& r : db_rows(ts.stack().database(),
                         "SELECT seq, COALESCE(channel_id, ''), COALESCE(req_sn, ''), state, "
                         "COALESCE(txn_no, ''), debit_amount, COALESCE(late_state, '') FROM batch_items "
                         "WHERE center_id = '" + center + "' AND batch_no = '" + batch_no + "'", 7)) {
    items[std::stoll(r[0])] = {r[1], r[2], r[3], r[4], r[5], r[6]};
  }
  REQUIRE(items.size() == lines.size());
  std::set<std::string> proposed;
  for (auto& r : db_rows(ts.stack().database(),
                         "SELECT txn_no FROM refund_proposals WHERE reason = 'LATE_SUCCESS' AND "
                         "center_id = '" + center + "' AND batch_no = '" + batch_no + "'")) {
    proposed.insert(r[0]);
  }
  const auto debits = ledger_debits(ts);
  ReturnFile rf = read_return(outbox + "/" + ret);
  CHECK(rf.bad_lines == 0);
  REQUIRE(rf.header.size() == 11);
  CHECK(rf.header[4] == "00");
  CHECK(rf.header[5] == std::to_string(lines.size()));
  REQUIRE(rf.lines.size() == lines.size());
  for (size_t i = 0; i < rf.lines.size(); ++i) {
    const ReturnLine& l = rf.lines[i];
    INFO("seq " << i + 1 << " itemId " << l.item_id << " " << l.status << " " << l.resp_code);
    REQUIRE(l.seq == static_cast<long long>(i + 1));
    CHECK(l.item_id == lines[i].item_id);
    CHECK(l.amount == lines[i].amount);
    const auto& it = items.at(l.seq);
    CHECK(l.txn_no == it[3]);
    auto d = debits.find({it[0], it[1]});
    const bool debited = !it[1].empty() && d != debits.end() && d->second.status == "SUCCESS";
    if (l.status == "S") {
      CHECK(it[2] == "SUCCESS");
      CHECK_MESSAGE(debited, "S in the return file, but the bank did not debit ReqSn " << it[1]);
      if (debited) CHECK(d->second.amount == l.debit_amount);
    } else {
      REQUIRE(l.status == "F");
      CHECK(it[2] == "FAILED");
      CHECK(l.debit_amount == 0);
      if (debited) {
        CHECK(it[5] == "DEBITED");
        CHECK_MESSAGE(proposed.count(it[3]) == 1, "the bank debited F item " << it[3] << " and no refund is proposed");
      }
    }
  }
}

// Waits until the batch's return file is published (bounded); false when it was not.
inline bool wait_return(const std::string& outbox, const std::string& center, const std::string& date,
                        const std::string& batch_no, std::chrono::seconds limit) {
  const std::string flag = outbox + "/" + return_name(center, date, batch_no) + ".ok";
  return wait_until([&] { return std::filesystem::exists(flag); }, limit);
}

// A real-time repayment as the card center saw it.
struct Repayment {
  std::string req_no, txn_no;
  long long amount = 0;
  std::string answered;  // Status of the first answer: SUCCESS, FAILED, PROCESSING, or "" (no answer)
  std::string note;      // the first answer as shown by rt::show (for the test's output)
  double seconds = 0;    // from the request sent to its answer (or the client giving up)
};

// Every repayment ends final and the same for the store, the bank, `query` and the notifications:
// SUCCESS exactly when the bank debited its ReqSn, with the stored debit amount; FAILED with no
// debit; a final answer never contradicted later; an answer PROCESSING followed by an accepted
// notification of the final state.
inline void check_repayments(TestStack& ts, const rt::CallbackReceiver& receiver,
                             const std::vector<Repayment>& reps) {
  const auto debits = ledger_debits(ts);
  for (const auto& r : reps) {
    INFO("ReqNo " << r.req_no << " TxnNo " << r.txn_no << " answered '" << r.answered << "'");
    auto q = ts.call("CC01", "query", {{"ReqNo", r.req_no}});
    if (r.txn_no.empty()) {
      // No TxnNo came back: either nothing was stored (2009) or the query tells the TxnNo.
      if (q.field("RespCode") == "2009") continue;
    }
    const std::string txn = r.txn_no.empty() ? q.field("TxnNo") : r.txn_no;
    REQUIRE_MESSAGE(!txn.empty(), "query: " << rt::show(q));
    CHECK(q.field("TxnNo") == txn);
    const auto row = db_rows(ts.stack().database(), "SELECT state, COALESCE(channel_id, ''), COALESCE(req_sn, ''), debit_amount "
                            "FROM repayments WHERE txn_no = '" + txn + "'", 4);
    REQUIRE(row.size() == 1);
    const std::string state = row[0][0];
    CHECK_MESSAGE((state == "SUCCESS" || state == "FAILED"), "repayment still " << state);
    CHECK(q.field("Status") == state);
    auto d = debits.find({row[0][1], row[0][2]});
    const bool debited = d != debits.end() && d->second.status == "SUCCESS";
    CHECK_MESSAGE(debited == (state == "SUCCESS"), "store says " << state << ", bank debited: " << debited);
    if (debited) CHECK(d->second.amount == std::stoll(row[0][3]));
    if (r.answered == "SUCCESS" || r.answered == "FAILED") CHECK(r.answered == state);
    for (const auto& n : receiver.accepted_for("TxnNo", txn, "REPAY")) {
      CHECK_MESSAGE(n.at("Status") == state, "a notification said " << n.at("Status"));
    }
    if (r.answered == "PROCESSING") {
      CHECK_MESSAGE(!receiver.accepted_for("TxnNo", txn, "REPAY").empty(), "answered PROCESSING, never notified");
    }
  }
}

// Waits until no repayment is open (bounded); false when some still are.
inline std::string db_value(TestStack& ts, const std::string& sql) {
  auto rows = db_rows(ts.stack().database(), sql);
  return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
}
inline bool wait_repayments_final(TestStack& ts, std::chrono::seconds limit) {
  return wait_until([&] {
    return db_value(ts, "SELECT COUNT(*) FROM repayments WHERE state IN ('PENDING', 'SENDING', 'UNKNOWN')") == "0";
  }, limit);
}

// Waits until every notification the outbox holds is delivered (bounded).
inline bool wait_notified(TestStack& ts, std::chrono::seconds limit) {
  return wait_until([&] {
    return db_value(ts, "SELECT COUNT(*) FROM notifications WHERE state <> 'DELIVERED'") == "0";
  }, limit);
}

}  // namespace repay::e2e::fault
