// Refund review end to end (domain.md flow 4): proposals approved with the `repay refunds` CLI
// against a running stack, then sent to the simulator's bank by the real-time resolver, final
// and notified to the card center for information with their Reason.
#include <sqlite3.h>

#include <sys/wait.h>

#include <cstdio>

#include "realtime_e2e.h"

namespace repay::e2e::rt {
namespace {

using namespace std::chrono_literals;

std::pair<int, std::string> refunds_cli(RtStack& s, const std::string& args) {
  return repay_cli(s, "refunds " + args);
}

void write_db(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(database.c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string why = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, why);
}

// A SUCCESS real-time repayment of `amount` at CC01 (fee 200 borne by the cardholder): its TxnNo.
std::string repaid(RtStack& s, long long amount) {
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  auto paid = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), ag, h.credit_card, amount));
  REQUIRE_MESSAGE(paid.field("Status") == "SUCCESS", show(paid));
  return paid.field("TxnNo");
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
                      "' ORDER BY id");
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

}  // namespace
}  // namespace repay::e2e::rt
