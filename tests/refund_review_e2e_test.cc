// Refund review end to end (domain.md flow 4): proposals approved with the `repay refunds` CLI
// against a running stack, then sent to the simulator's bank by the real-time resolver, final
// and notified to the card center for information with their Reason.
#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "realtime_e2e.h"

namespace repay::e2e::rt {
namespace {

using namespace std::chrono_literals;

std::pair<int, std::string> refunds_cli(RtStack& s, const std::string& args) {
  return repay_cli(s, "refunds " + args);
}

TEST_CASE("refund review: a LATE_SUCCESS proposal approved with the CLI is refunded at the bank") {
  RtStack s;
  const std::string txn = repaid(s, 10000);
  const std::string debit_sn = s.debit_req_sn(txn);
  auto debit = s.ledger_for(debit_sn);
  REQUIRE(debit.size() == 1);
  REQUIRE(debit[0].type == "DEBIT");
  const long long debited = debit[0].amount;  // 10200
  const std::string channel = s.db("SELECT channel_id FROM repayments WHERE txn_no = '" + txn + "'");
  const std::string agreement = s.db("SELECT agreement_no FROM repayments WHERE txn_no = '" + txn + "'");

  // What the batch pipeline leaves for a force-failed item the bank debited late (files.md): the
  // item F 3001 with late state DEBITED, and a LATE_SUCCESS proposal of its whole debit made by
  // the job. Here the bank's debit is the one above.
  const std::string item_txn = "TLATE" + txn.substr(5);
  const std::string no = "RFLATE" + txn.substr(5);
  write_db(s.ts.stack().database(),
           "INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, "
           "amount, fee, cardholder_fee, debit_amount, state, resp_code, txn_no, req_sn, forced, "
           "late_state, send_from_at, force_fail_at, finished_at, updated_at) VALUES ('CC01', "
           "'BLATE', 1, 'ILATE', '" + agreement + "', '" + channel + "', 10000, 200, 200, " +
           std::to_string(debited) + ", 'FAILED', '3001', '" + item_txn + "', 'X" + debit_sn +
           "', 1, 'DEBITED', 0, 0, 0, 0);"
           "INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, "
           "orig_batch_no, orig_ref, channel_id, orig_req_sn, amount, fee, cardholder_fee, "
           "debit_amount, state, created_at, created_by, updated_at) VALUES ('" + no + "', 'CC01', "
           "'US', 'LATE_SUCCESS', '" + item_txn + "', 'B', 'BLATE', 'BLATE:1', '" + channel + "', '" +
           debit_sn + "', 10000, 200, 200, " + std::to_string(debited) +
           ", 'PENDING_REVIEW', CAST(strftime('%s','now') AS INTEGER) * 1000, 'job:batch-query', 0)");

  auto [lrc, listed] = refunds_cli(s, "list --state PENDING_REVIEW --reason LATE_SUCCESS");
  REQUIRE_MESSAGE(lrc == 0, listed);
  CHECK(listed.find(no) != std::string::npos);
  auto [src, shown] = refunds_cli(s, "show --refund-no " + no);
  REQUIRE_MESSAGE(src == 0, shown);
  CHECK(shown.find("force-failed") != std::string::npos);
  // Masked card numbers only.
  for (const auto& e : s.ts.book()) CHECK(shown.find(e.debit_card) == std::string::npos);

  auto [arc, approved] = refunds_cli(s, "approve --refund-no " + no + staff_args(s, "alice") + " --comment 'statement shows it'");
  REQUIRE_MESSAGE(arc == 0, approved);
  CHECK(approved.find("APPROVED") != std::string::npos);

  REQUIRE(wait_for([&] { return s.db("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "SUCCESS"; }, 30s));
  const std::string refund_sn = s.refund_req_sn(no);
  auto e = s.ledger_for(refund_sn);
  REQUIRE(e.size() == 1);
  CHECK(e[0].type == "REFUND");
  CHECK(e[0].status == "SUCCESS");
  CHECK(e[0].amount == debited);
  // Notified for information, with its Reason and no ReqNo (center-api.md, Notifications).
  REQUIRE(wait_for([&] { return !s.receiver.accepted_for("RefundNo", no).empty(); }, 20s));
  auto n = s.receiver.accepted_for("RefundNo", no)[0];
  CHECK(n["Reason"] == "LATE_SUCCESS");
  CHECK(n.count("ReqNo") == 0);
  CHECK(n["Status"] == "SUCCESS");
  CHECK(num(n["DebitAmount"]) == debited);
  auto audit = s.rows("SELECT actor, new_state FROM audit WHERE entity = 'refund' AND entity_id = '" + no +
                      "' ORDER BY id", 2);
  REQUIRE(audit.size() >= 2);
  CHECK(audit[0][0] == "staff:alice");
  CHECK(audit[0][1] == "APPROVED");
}

TEST_CASE("refund review: a staff OTHER proposal, maker-checker and the ceiling, by the CLI") {
  RtStack s;
  const std::string txn = repaid(s, 10000);
  const std::string bob = staff_args(s, "bob"), alice = staff_args(s, "alice");
  auto [prc, proposed] = refunds_cli(s, "propose --center CC01 --txn-no " + txn +
                                            " --amount 4000" + bob + " --comment 'goodwill'");
  REQUIRE_MESSAGE(prc == 0, proposed);
  const std::string no = s.db("SELECT refund_no FROM refunds WHERE origin = 'US' AND orig_txn_no = '" + txn + "'");
  REQUIRE(!no.empty());

  auto [own, own_out] = refunds_cli(s, "approve --refund-no " + no + bob);
  CHECK(own == 1);
  CHECK(own_out.find("MAKER_CHECKER") != std::string::npos);

  // The card center refunds 7000 of its own meanwhile: 4000 no longer fits.
  auto r = s.ts.call("CC01", "refund", refund_fields(s.ts.req_no(), txn, 7000));
  REQUIRE_MESSAGE(r.field("Status") == "SUCCESS", show(r));
  auto [over, over_out] = refunds_cli(s, "approve --refund-no " + no + alice);
  CHECK(over == 1);
  CHECK(over_out.find("2008") != std::string::npos);
  CHECK(s.db("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "PENDING_REVIEW");

  auto [rej0, rej0_out] = refunds_cli(s, "reject --refund-no " + no + alice);
  CHECK(rej0 == 1);
  auto [rej, rej_out] = refunds_cli(s, "reject --refund-no " + no + alice + " --comment 'center refunded'");
  REQUIRE_MESSAGE(rej == 0, rej_out);
  CHECK(s.db("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "REJECTED");
  CHECK(s.ledger_for(s.refund_req_sn(no)).empty());
}

// Issue 16: every refund that reconciliation proposes for a debit the card center was told failed
// can be approved and reaches the bank, once, for the whole debit. The simulator's bank lies in
// its answers (docs/simulator.md, lie-*) but its statement tells what moved: a real-time debit
// answered declined; a batch item answered busy though debited (so reported 3002 at the force-fail
// time); a batch item whose answer was lost, reported 3001, whose late QUERY said NOT_FOUND.
TEST_CASE("refund review: debits we failed that the statement lists are approved and refunded once each, the card center told") {
  // The force-fail time: the first whole minute at least 60 s from now (settings speak minutes).
  const Instant start = std::chrono::system_clock::now();
  const Date today = cst_date(start);
  const auto since_midnight =
      std::chrono::duration_cast<std::chrono::seconds>(start - cst_day_start(today)).count();
  const int ff_minute = static_cast<int>((since_midnight + 60 + 59) / 60);
  const Instant force_fail_at = cst_time_on(today, ff_minute);
  const std::string date = format_date(today);
  RtOptions o;
  o.cc01_extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = " + batch::hhmm(ff_minute + 1) +
                 "\nforce_fail_lead = 1\n";
  o.processor_extra = "refund_two_approvals_above = 15000\n";  // the batch items need two approvers
  RtStack s(o);
  const std::string inbox = s.ts.dir() + "/centers/CC01/inbox";
  const std::string outbox = s.ts.dir() + "/centers/CC01/outbox";
  const BookEntry& hr = s.holder();
  const BookEntry& ha = s.holder();
  const BookEntry& hb = s.holder();
  const std::string ag_r = s.sign("CC01", hr);
  const std::string ag_a = s.sign("CC01", ha);
  const std::string ag_b = s.sign("CC01", hb);

  // Real time: debited, answered 3001; the card center is told FAILED.
  s.ts.faults("lie-declined-debits=1\n");
  auto r = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), ag_r, hr.credit_card, 10000));
  REQUIRE_MESSAGE(r.field("Status") == "FAILED", show(r));
  const std::string rt_txn = r.field("TxnNo");
  const std::string rt_sn = s.debit_req_sn(rt_txn);
  REQUIRE(s.ledger_for(rt_sn).size() == 1);
  CHECK(s.ledger_for(rt_sn)[0].status == "SUCCESS");

  // Batch LA: its one item debited but answered busy, and every resend too: PENDING until forced.
  s.ts.faults("reset\nlie-busy-debits=1\n");
  batch::drop(inbox, batch::batch_file_name("CC01", date, "LA"),
              batch::batch_text("CC01", "LA", date, {batch::line_of(ha, ag_a, "LA1", 20000)}));
  std::string sn_a;
  REQUIRE(wait_for([&] {
    sn_a = s.db("SELECT COALESCE(req_sn, '') FROM batch_items WHERE batch_no = 'LA'");
    return !sn_a.empty() && !s.ledger_for(sn_a).empty();
  }, 30s));
  CHECK(s.ledger_for(sn_a)[0].status == "SUCCESS");

  // Batch LB: debited, the answer and every query lost, the bank's notification dropped.
  s.ts.faults("p-lost-answer=1\np-notify-drop=1\n");
  batch::drop(inbox, batch::batch_file_name("CC01", date, "LB"),
              batch::batch_text("CC01", "LB", date, {batch::line_of(hb, ag_b, "LB1", 30000)}));
  std::string sn_b;
  REQUIRE(wait_for([&] {
    sn_b = s.db("SELECT COALESCE(req_sn, '') FROM batch_items WHERE batch_no = 'LB'");
    return !sn_b.empty() && !s.ledger_for(sn_b).empty() &&
           s.db("SELECT state FROM batch_items WHERE batch_no = 'LB'") == "UNKNOWN";
  }, 30s));
  // The processor is away over the force-fail time (LA's resends, every second, would otherwise
  // race with it): at its start it force-fails both at once. LA's item was never sent as far as we
  // know (3002), LB's was sent with no answer (3001). LB's first late QUERY is answered NOT_FOUND.
  s.ts.stack().stop_processor(SIGTERM);
  REQUIRE(s.db("SELECT state FROM batch_items WHERE batch_no = 'LA'") == "PENDING");
  s.ts.faults("reset\nlie-query-not-found=1\n");
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(force_fail_at + 1s));
  {
    auto started = s.ts.stack().start_processor();
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().to_string()));
  }
  for (const char* b : {"LA", "LB"}) {
    REQUIRE_MESSAGE(wait_for([&] { return std::filesystem::exists(outbox + "/" + batch::return_name("CC01", date, b) + ".ok"); }, 60s),
                    b);
  }
  auto ret_a = batch::read_return(outbox + "/" + batch::return_name("CC01", date, "LA"));
  auto ret_b = batch::read_return(outbox + "/" + batch::return_name("CC01", date, "LB"));
  REQUIRE(ret_a.lines.size() == 1);
  REQUIRE(ret_b.lines.size() == 1);
  CHECK(ret_a.lines[0].status == "F");
  CHECK(ret_a.lines[0].resp_code == "3002");
  CHECK(ret_b.lines[0].status == "F");
  CHECK(ret_b.lines[0].resp_code == "3001");
  // After the force-fail time, LB's late QUERY is answered NOT_FOUND: not debited, we read.
  REQUIRE(wait_for([&] { return s.db("SELECT late_state FROM batch_items WHERE batch_no = 'LB'") == "NOT_DEBITED"; }, 150s));
  CHECK(s.db("SELECT COALESCE(late_state, '') FROM batch_items WHERE batch_no = 'LA'").empty());
  s.ts.faults("reset\n");

  // The statement lists all three debits: T+1 reconciliation proposes their refunds.
  // Day T is over for the simulator's bank and for `repay settle` (files.md: never a day that has
  // not ended): both clocks moved to T+1 02:01.
  const auto offset = std::chrono::duration_cast<std::chrono::seconds>(
      cst_time_on(today + boost::gregorian::days(1), 2 * 60 + 1) - std::chrono::system_clock::now());
  {
    std::string body = "offset-seconds=" + std::to_string(offset.count());
    auto moved = stack::http_simple(s.ts.stack().banksim_url() + "/sim/clock", &body);
    REQUIRE(moved.ok());
  }
  auto [rc, out] = repay_cli(s, "settle run --date " + date + " --center CC01",
                             "REPAY_CLOCK_OFFSET_SECONDS=" + std::to_string(offset.count()) + " ");
  REQUIRE_MESSAGE(rc == 0, out);
  INFO(out);
  CHECK(out.find("LATE_SUCCESS 2") != std::string::npos);
  CHECK(out.find("DEBITED_OURS_FAILED 1") != std::string::npos);
  // The statement is the bank's word: both forced items are recorded debited now.
  CHECK(s.db("SELECT late_state FROM batch_items WHERE batch_no = 'LA'") == "DEBITED");
  CHECK(s.db("SELECT late_state FROM batch_items WHERE batch_no = 'LB'") == "DEBITED");

  struct Case {
    std::string txn, debit_sn, reason;
    long long debited;
  };
  const std::vector<Case> cases = {
      {rt_txn, rt_sn, "OTHER", s.ledger_for(rt_sn)[0].amount},
      {s.db("SELECT txn_no FROM batch_items WHERE batch_no = 'LA'"), sn_a, "LATE_SUCCESS", s.ledger_for(sn_a)[0].amount},
      {s.db("SELECT txn_no FROM batch_items WHERE batch_no = 'LB'"), sn_b, "LATE_SUCCESS", s.ledger_for(sn_b)[0].amount},
  };
  std::vector<std::string> nos;
  const std::string alice = staff_args(s, "alice"), bob = staff_args(s, "bob");
  for (const auto& c : cases) {
    CAPTURE(c.txn);
    const std::string no = s.db("SELECT refund_no FROM refunds WHERE origin = 'US' AND orig_txn_no = '" + c.txn + "'");
    REQUIRE(!no.empty());
    CHECK(s.db("SELECT reason FROM refunds WHERE refund_no = '" + no + "'") == c.reason);
    // What happened, with the statement line; never a full card number.
    auto [src, shown] = refunds_cli(s, "show --refund-no " + no);
    REQUIRE_MESSAGE(src == 0, shown);
    CHECK(shown.find("proposed by staff") == std::string::npos);
    CHECK(shown.find("bank statement COLL01 " + date + " line") != std::string::npos);
    CHECK(shown.find("ReqSn " + c.debit_sn + " debited " + std::to_string(c.debited)) != std::string::npos);
    CHECK(shown.find("told the card center FAILED") != std::string::npos);
    for (const auto& e : s.ts.book()) {
      CHECK(shown.find(e.debit_card) == std::string::npos);
      CHECK(shown.find(e.credit_card) == std::string::npos);
    }
    auto [arc, approved] = refunds_cli(s, "approve --refund-no " + no + alice);
    REQUIRE_MESSAGE(arc == 0, approved);
    if (c.debited > 15000) {
      CHECK(s.db("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "PENDING_REVIEW");
      auto [brc, second] = refunds_cli(s, "approve --refund-no " + no + bob);
      REQUIRE_MESSAGE(brc == 0, second);
    }
    REQUIRE(wait_for([&] { return s.db("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "SUCCESS"; }, 30s));
    nos.push_back(no);
  }

  // The bank's ledger: exactly one refund of each whole debit, and no other refund.
  int refunds_at_bank = 0;
  for (const auto& e : batch::ledger(s.ts)) refunds_at_bank += e.type == "REFUND" ? 1 : 0;
  CHECK(refunds_at_bank == 3);
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(cases[i].txn);
    auto e = s.ledger_for(s.refund_req_sn(nos[i]));
    REQUIRE(e.size() == 1);
    CHECK(e[0].type == "REFUND");
    CHECK(e[0].status == "SUCCESS");
    CHECK(e[0].amount == cases[i].debited);
    CHECK(e[0].executed == 1);
    // center-api.md, Notifications: Type REFUND, the refunded TxnNo, the Reason, no ReqNo.
    REQUIRE(wait_for([&] { return !s.receiver.accepted_for("RefundNo", nos[i]).empty(); }, 30s));
    auto n = s.receiver.accepted_for("RefundNo", nos[i])[0];
    CHECK(n["Type"] == "REFUND");
    CHECK(n["TxnNo"] == cases[i].txn);
    CHECK(n["Reason"] == cases[i].reason);
    CHECK(n.count("ReqNo") == 0);
    CHECK(n["Status"] == "SUCCESS");
    CHECK(num(n["DebitAmount"]) == cases[i].debited);
  }
}

}  // namespace
}  // namespace repay::e2e::rt
