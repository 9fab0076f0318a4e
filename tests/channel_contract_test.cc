// The channel contract, exactly (channel-api.md), end to end through the real binaries: every
// ReqSn unique per channel across TxCodes — the simulator refuses a reused one, and every
// end-to-end test fails on it (harness.cc) — and a revoked agreement never debited again
// (center-api.md), in batches and in real time.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "realtime_e2e.h"

namespace repay::e2e {
namespace {

using namespace std::chrono_literals;
using namespace repay::e2e::batch;
using rt::RtStack;
namespace fs = std::filesystem;

// Lines of the simulator's log that say it refused a reused ReqSn.
int reused_req_sns(TestStack& ts) {
  std::istringstream in(read_file_bytes(ts.dir() + "/banksim.log"));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.find("\"event\":\"sim_reqsn_reused\"") != std::string::npos) ++n;
  }
  return n;
}

// The QUERY's ReqSn was "Q<query_count><DEBIT's ReqSn>", and query_count restarts when an item
// goes back to PENDING: its second round of QUERYs repeated the first's ReqSns.
TEST_CASE("channel contract: items back to PENDING twice; every QUERY has a ReqSn never used before") {
  TestStack ts([&](stack::StackOptions& so) {
    so.seed = 16;
    stack::StackCenter c("CC01");
    c.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\n";
    so.centers = {c};
  });
  Holders holders(ts.book());
  std::vector<std::pair<const BookEntry*, std::string>> signed_up;
  for (int i = 0; i < 4; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    signed_up.emplace_back(e, sign_collect(ts, "CC01", *e));
    REQUIRE(!signed_up.back().second.empty());
  }
  // Half of all requests get HTTP 500 without reaching the bank: a DEBIT's outcome is unknown,
  // its QUERY says NOT_FOUND (when it is answered), and it goes back to PENDING, again and again.
  ts.faults("p-5xx=0.5\n");
  std::vector<Line> lines;
  for (int i = 0; i < 12; ++i) {
    const auto& [e, ag] = signed_up[i % signed_up.size()];
    lines.push_back(line_of(*e, ag, "Q" + std::to_string(i + 1), 100 + i));
  }
  const std::string date = cst_today();
  drop(ts.dir() + "/centers/CC01/inbox", batch_file_name("CC01", date, "QSN1"),
       batch_text("CC01", "QSN1", date, lines));
  // Until an item has gone back to PENDING after a NOT_FOUND twice (audit rows).
  auto most_not_found = [&] {
    auto rows = db_rows(ts.stack().database(),
                        "SELECT COUNT(*) FROM audit WHERE entity = 'batch_item' AND entity_id LIKE "
                        "'CC01:QSN1:%' AND reason = 'bank never registered it' GROUP BY entity_id "
                        "ORDER BY 1 DESC LIMIT 1");
    return rows.empty() ? 0LL : std::stoll(rows[0][0]);
  };
  REQUIRE_MESSAGE(wait_until([&] { return most_not_found() >= 2; }, std::chrono::seconds(120)),
                  "no item went back to PENDING twice (" << most_not_found() << ")");
  ts.faults("reset\n");
  const std::string ret = ts.dir() + "/centers/CC01/outbox/" + return_name("CC01", date, "QSN1");
  REQUIRE_MESSAGE(wait_until([&] { return fs::exists(ret + ".ok"); }, std::chrono::seconds(120)),
                  "no return file for QSN1");

  CHECK(ts.bank_calls("QUERY", "0000") >= 2);
  CHECK_MESSAGE(reused_req_sns(ts) == 0, "the simulator refused a reused ReqSn");
  ReturnFile rf = read_return(ret);
  REQUIRE(rf.lines.size() == lines.size());
  for (const auto& l : rf.lines) {
    INFO("seq " << l.seq);
    CHECK(l.status == "S");
  }
  for (const auto& e : ledger(ts)) CHECK(e.executed <= 1);
}

// A batch accepted while its agreements were active; two of them are revoked (unsign) before
// the send window opens. claim_debits read the agreement without its state and debited them.
TEST_CASE("channel contract: a batch item whose agreement was revoked before the send window fails 2001, never sent") {
  const Instant start = std::chrono::system_clock::now();
  const Date today = cst_date(start);
  const auto since_midnight =
      std::chrono::duration_cast<std::chrono::seconds>(start - cst_day_start(today)).count();
  // send_from at least 20 s away: time to accept the batch and revoke before it.
  const int send_minute = static_cast<int>((since_midnight + 20 + 59) / 60);
  if (send_minute >= 24 * 60) {
    MESSAGE("skipped: too close to midnight CST for a send window later today");
    return;
  }
  const Instant send_from = cst_time_on(today, send_minute);
  RtStack s([&] {
    rt::RtOptions o;
    o.cc01_extra = "poll_interval = 1s\nsend_from = " + hhmm(send_minute) +
                   "\nreturn_deadline = 47:59\n";
    return o;
  }());
  TestStack& ts = s.ts;
  const BookEntry& kept = s.holder(100000);
  const BookEntry& gone = s.holder(100000);
  const BookEntry& quick = s.holder(100000);
  const std::string ag_kept = s.sign("CC01", kept);
  const std::string ag_gone = s.sign("CC01", gone);
  const std::string ag_quick = sign_quick(ts, "CC01", quick);
  REQUIRE(!ag_quick.empty());
  const std::string date = format_date(today);
  drop(ts.dir() + "/centers/CC01/inbox", batch_file_name("CC01", date, "REV1"),
       batch_text("CC01", "REV1", date,
                  {line_of(kept, ag_kept, "K1", 1000), line_of(gone, ag_gone, "G1", 2000),
                   line_of(quick, ag_quick, "P1", 3000)}));
  REQUIRE(wait_until([&] { return s.db("SELECT state FROM batches WHERE batch_no = 'REV1'") == "OPEN"; },
                     std::chrono::seconds(15)));
  for (const std::string& ag : {ag_gone, ag_quick}) {
    auto u = ts.call("CC01", "unsign", {{"ReqNo", ts.req_no()}, {"AgreementNo", ag}});
    REQUIRE_MESSAGE(u.field("Status") == "REVOKED", rt::show(u));
  }
  REQUIRE_MESSAGE(std::chrono::system_clock::now() < send_from,
                  "the agreements were revoked after the send window opened: the test ran too slowly");
  CHECK(ts.bank_calls("DEBIT") == 0);

  const std::string ret = ts.dir() + "/centers/CC01/outbox/" + return_name("CC01", date, "REV1");
  REQUIRE_MESSAGE(wait_until([&] { return fs::exists(ret + ".ok"); }, std::chrono::seconds(120)),
                  "no return file for REV1");
  ReturnFile rf = read_return(ret);
  REQUIRE(rf.lines.size() == 3);
  CHECK(rf.lines[0].status == "S");
  for (size_t i : {1u, 2u}) {
    INFO("seq " << rf.lines[i].seq);
    CHECK(rf.lines[i].status == "F");
    CHECK(rf.lines[i].resp_code == "2001");
    CHECK(rf.lines[i].txn_no.empty());
    CHECK(rf.lines[i].fee == 0);
    CHECK(rf.lines[i].debit_amount == 0);
  }
  // One DEBIT in all: the active agreement's.
  CHECK(ts.bank_calls("DEBIT") == 1);
  int debits = 0;
  for (const auto& e : ledger(ts)) debits += e.type == "DEBIT" ? 1 : 0;
  CHECK(debits == 1);
}

// A real-time repayment answered busy waits to be sent again with the same ReqSn; its agreement
// is revoked meanwhile. The resend read the agreement without its state and debited it.
TEST_CASE("channel contract: a real-time resend whose agreement was revoked is not sent: FAILED 2001, notified") {
  rt::RtOptions o;
  o.realtime_timeout_s = 1;
  RtStack s(o);
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  ts.faults("reset\np-busy=1\n");
  const std::string rn = ts.req_no();
  auto a = ts.call("CC01", "repay", rt::repay_fields(rn, ag, h.credit_card, 10000));
  CHECK(a.field("Status") == "PROCESSING");
  const std::string txn = a.field("TxnNo");
  REQUIRE(!txn.empty());
  REQUIRE(rt::wait_for([&] { return ts.bank_calls("DEBIT", "9001") >= 1; }, 15s));
  auto u = ts.call("CC01", "unsign", {{"ReqNo", ts.req_no()}, {"AgreementNo", ag}});
  REQUIRE_MESSAGE(u.field("Status") == "REVOKED", rt::show(u));
  // Still busy until it is final: a resend claimed just before the unsign is answered 9001 too.
  REQUIRE(rt::wait_for([&] {
    const std::string st = s.db("SELECT state FROM repayments WHERE txn_no = '" + txn + "'");
    return st == "FAILED" || st == "SUCCESS";
  }, 30s));
  ts.faults("reset\n");

  CenterAnswer q;
  REQUIRE(rt::wait_for([&] {
    q = ts.call("CC01", "query", {{"ReqNo", rn}});
    return q.field("Status") == "FAILED" || q.field("Status") == "SUCCESS";
  }, 30s, 300ms));
  INFO(rt::show(q));
  CHECK(q.field("Status") == "FAILED");
  CHECK(q.field("RespCode") == "2001");
  const std::string sn = s.debit_req_sn(txn);
  CHECK(s.ledger_for(sn).empty());  // never debited
  // It was answered PROCESSING: the final state is notified.
  REQUIRE(rt::wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn).empty(); }, 30s));
  auto notes = s.receiver.accepted_for("TxnNo", txn);
  CHECK(notes[0]["Status"] == "FAILED");
  CHECK(notes[0]["RespCode"] == "2001");
}

// channel-api.md: a request answered 4001 did not register its ReqSn and is sent again later with
// the same ReqSn, like 9001 — in real time as in batches. Real time read it as unknown: it
// queried (answered 4001 too) and never sent the DEBIT again while the bank said 4001.
TEST_CASE("channel contract: a real-time DEBIT answered 4001 is sent again with the same ReqSn, then debited once") {
  rt::RtOptions o;
  o.realtime_timeout_s = 1;
  RtStack s(o);
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  ts.faults("reset\np-4001=1\n");
  const std::string rn = ts.req_no();
  auto a = ts.call("CC01", "repay", rt::repay_fields(rn, ag, h.credit_card, 10000));
  CHECK(a.field("Status") == "PROCESSING");
  const std::string txn = a.field("TxnNo");
  REQUIRE(!txn.empty());
  const std::string sn = s.debit_req_sn(txn);
  REQUIRE(!sn.empty());
  CHECK(rt::wait_for([&] { return s.sim_calls("DEBIT", sn, "4001") >= 2; }, 20s));
  CHECK(s.sim_calls("QUERY", sn) == 0);  // never registered: nothing to ask about
  ts.faults("reset\n");
  CenterAnswer q;
  REQUIRE(rt::wait_for([&] {
    q = ts.call("CC01", "query", {{"ReqNo", rn}});
    return q.field("Status") == "FAILED" || q.field("Status") == "SUCCESS";
  }, 30s, 300ms));
  INFO(rt::show(q));
  CHECK(q.field("Status") == "SUCCESS");
  auto entries = s.ledger_for(sn);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].executed == 1);
}

}  // namespace
}  // namespace repay::e2e
