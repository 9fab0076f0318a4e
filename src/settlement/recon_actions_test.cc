// recon_actions(): per outcome, the fact, the kept state, the proposal and its figures, the
// exception and the result's action — without a store.
#include <doctest/doctest.h>

#include "settlement/recon_actions.h"

namespace repay::settlement {
namespace {

const Date kDay(2026, 3, 9);
const int32_t kT = day_number(kDay);

OurRecord our(std::string_view sn, Fen amount, OurState st, int32_t day = kT) {
  OurRecord r;
  r.req_sn = sn;
  r.amount = amount;
  r.state = st;
  r.day = day;
  return r;
}

StatementLine line(std::string_view sn, Fen amount, uint32_t line_no = 7) {
  StatementLine l;
  l.req_sn = sn;
  l.channel_txn_no = "C900";
  l.amount = amount;
  l.line_no = line_no;
  return l;
}

LiveView live(OurState st, std::string source = "B", int32_t day = kT) {
  return LiveView{st, day, std::move(source), "C01"};
}

OriginalView item(std::string txn_no = "T0001", Fen amount = 10'000, Fen cardholder_fee = 150) {
  OriginalView v;
  v.source = "B";
  v.center_id = "C01";
  v.batch_no = "B20260309";
  v.seq = 12;
  v.txn_no = std::move(txn_no);
  v.amount = amount;
  v.cardholder_fee = cardholder_fee;
  v.told = "3001";
  return v;
}

TEST_CASE("statement_fact: a record ours still waits for gets the statement's success") {
  const OurRecord r = our("RS1", 10'150, OurState::kPending);
  const StatementLine l = line("RS1", 10'150);
  const auto fact = statement_fact(Outcome{Class::kBankDoneOursPending, &r, &l}, kDay);
  REQUIRE(fact);
  CHECK(fact->kind == debit::BankFact::Kind::kSuccess);
  CHECK(fact->statement);
  CHECK(fact->channel_txn_no == "C900");
  CHECK(fact->settle_date == "20260309");
  CHECK(fact->amount == 10'150);
  CHECK(fact->detail == "statement 20260309 line 7");
  for (Class c : {Class::kMatched, Class::kLateSuccess, Class::kDebitedOursFailed, Class::kSuspense}) {
    CHECK_FALSE(statement_fact(Outcome{c, &r, &l}, kDay));
  }
}

TEST_CASE("fact results: what counts as applied") {
  debit::Transition t;
  t.kind = debit::Transition::Kind::kApply;
  CHECK(batch_fact_done(t).action == "batch item applied");
  CHECK(batch_fact_done(t).applied);
  t.kind = debit::Transition::Kind::kLate;
  CHECK(batch_fact_done(t).action == "batch item late (force-failed)");
  CHECK(batch_fact_done(t).applied);
  t.kind = debit::Transition::Kind::kException;
  CHECK(batch_fact_done(t).action == "batch item exception");
  CHECK_FALSE(batch_fact_done(t).applied);
  t.kind = debit::Transition::Kind::kNone;
  CHECK(batch_fact_done(t).action == "batch item no change");
  CHECK_FALSE(batch_fact_done(t).applied);
  CHECK(realtime_fact_done(true, "T9", "SUCCESS").action == "repayment T9 SUCCESS");
  CHECK(realtime_fact_done(false, "RF9", "SUCCESS").action == "refund RF9 SUCCESS");
  CHECK(realtime_fact_done(false, "RF9", "SUCCESS").applied);
  CHECK(fact_not_found().action == "not found live");
  CHECK_FALSE(fact_not_found().applied);
}

TEST_CASE("recon_actions: the kept state of each class") {
  const OurRecord r = our("RS1", 500, OurState::kSuccess, kT - 2);
  const StatementLine l = line("RS1", 500);
  const std::optional<LiveView> done = live(OurState::kSuccess, "R", kT - 1);

  auto kept = [&](Class c, const StatementLine* with, const std::optional<LiveView>& v) {
    return recon_actions(Outcome{c, &r, with}, v, std::nullopt, kDay).kept;
  };
  auto k = kept(Class::kMatched, &l, done);
  REQUIRE(k);
  CHECK(k->status == "MATCHED");
  CHECK(k->line_today);
  CHECK_FALSE(k->held);
  CHECK_FALSE(k->moving);
  CHECK(k->day == kT - 1);  // as the record is now

  k = kept(Class::kReleased, &l, done);
  CHECK(k->status == "MATCHED");

  k = kept(Class::kSuspense, nullptr, done);
  CHECK(k->status == "HELD");
  CHECK(k->held);
  CHECK_FALSE(k->line_today);

  k = kept(Class::kOursMissing, nullptr, done);
  CHECK(k->status == "MISSING");
  CHECK(k->held);

  k = kept(Class::kStillOpen, nullptr, live(OurState::kPending));
  CHECK(k->status == "OPEN");
  CHECK(k->moving);

  k = kept(Class::kAmountDiffers, &l, std::nullopt);  // no live record: as the match saw it
  CHECK(k->status == "AMOUNT_DIFFERS");
  CHECK(k->moving);
  CHECK(k->day == kT - 2);

  CHECK_FALSE(kept(Class::kDuplicateLine, &l, done));
  CHECK_FALSE(kept(Class::kNotMoved, nullptr, done));
  CHECK_FALSE(kept(Class::kMatchedBefore, nullptr, done));
}

TEST_CASE("recon_actions: exceptions, by the record's ReqSn or the line's and day") {
  const OurRecord r = our("RS1", 500, OurState::kSuccess, kT - 4);
  const StatementLine l = line("RS1", 501);

  auto a = recon_actions(Outcome{Class::kAmountDiffers, &r, &l}, live(OurState::kSuccess), std::nullopt, kDay);
  REQUIRE(a.exception);
  CHECK(a.exception->kind == "AMOUNT_DIFFERS");
  CHECK(a.exception->ref == "RS1");
  CHECK(a.exception->center_id == "C01");
  CHECK(a.exception->detail ==
        "AMOUNT_DIFFERS statement 20260309 line 7 DEBIT 501; ours DEBIT 500 of 20260305");
  CHECK(a.action == "exception");
  CHECK_FALSE(a.proposal);

  const StatementLine stranger = line("RSX", 900, 9);
  a = recon_actions(Outcome{Class::kUnknownReqSn, nullptr, &stranger}, std::nullopt, std::nullopt, kDay);
  REQUIRE(a.exception);
  CHECK(a.exception->ref == "RSX@20260309");
  CHECK(a.exception->center_id.empty());
  CHECK(a.exception->detail == "UNKNOWN_REQSN statement 20260309 line 9 DEBIT 900");
  CHECK_FALSE(a.kept);

  a = recon_actions(Outcome{Class::kDuplicateLine, &r, &l}, live(OurState::kSuccess), std::nullopt, kDay);
  CHECK(a.exception->ref == "RS1@20260309");

  a = recon_actions(Outcome{Class::kOursMissing, &r, nullptr}, live(OurState::kSuccess), std::nullopt, kDay);
  CHECK(a.exception->kind == "OURS_MISSING");
  CHECK(a.exception->detail == "OURS_MISSING statement 20260309; ours DEBIT 500 of 20260305");

  for (Class c : {Class::kMatched, Class::kSuspense, Class::kStillOpen, Class::kLateSuccess}) {
    CHECK_FALSE(recon_actions(Outcome{c, &r, &l}, live(OurState::kSuccess), item(), kDay).exception);
  }
}

TEST_CASE("recon_actions: a force-failed item the bank debited: late state and LATE_SUCCESS") {
  const OurRecord r = our("RS1", 10'150, OurState::kForcedFailed);
  const StatementLine l = line("RS1", 10'150);
  const Outcome o{Class::kLateSuccess, &r, &l};
  const std::optional<LiveView> v = live(OurState::kForcedFailed);
  REQUIRE(wants_original(o, v));
  CHECK_FALSE(wants_original(o, std::nullopt));

  const auto a = recon_actions(o, v, item(), kDay);
  REQUIRE(a.late_fact);
  CHECK(a.late_fact->kind == debit::BankFact::Kind::kSuccess);
  CHECK(a.late_fact->statement);
  CHECK(a.late_fact->channel_txn_no == "C900");
  CHECK(a.late_fact->settle_date == "20260309");
  CHECK(a.late_fact->detail == "statement 20260309 line 7");
  REQUIRE(a.proposal);
  const ProposalAction& p = *a.proposal;
  CHECK(p.reason == "LATE_SUCCESS");
  CHECK(p.center_id == "C01");
  CHECK(p.orig_source == "B");
  CHECK(p.orig_batch_no == "B20260309");
  CHECK(p.orig_ref == "C01:B20260309:12");
  CHECK(p.orig_txn_no == "T0001");
  // The whole debit: principal and the cardholder's fee.
  CHECK(p.figures.amount == 10'000);
  CHECK(p.figures.fee == 150);
  CHECK(p.figures.cardholder_fee == 150);
  CHECK(p.figures.debit_amount == 10'150);
  CHECK(p.why == "statement 20260309 line 7: the bank debited 10150, ours failed (3001 to the card center)");
  CHECK(a.action.empty());  // the proposal's outcome names it
  CHECK(a.kept->status == "LATE_SUCCESS");
}

TEST_CASE("recon_actions: a repayment that failed normally, debited all the same: OTHER") {
  const OurRecord r = our("RS2", 7'000, OurState::kFailed);
  const StatementLine l = line("RS2", 7'000);
  OriginalView repayment;
  repayment.source = "R";
  repayment.center_id = "C02";
  repayment.req_no = "REQ-77";
  repayment.txn_no = "T0077";
  repayment.amount = 7'000;  // the card center paid the fee: none of it goes back to the card
  const auto a = recon_actions(Outcome{Class::kDebitedOursFailed, &r, &l}, live(OurState::kFailed, "R"),
                               repayment, kDay);
  CHECK_FALSE(a.late_fact);
  REQUIRE(a.proposal);
  CHECK(a.proposal->reason == "OTHER");
  CHECK(a.proposal->orig_source == "R");
  CHECK(a.proposal->orig_batch_no.empty());
  CHECK(a.proposal->orig_ref == "REQ-77");
  CHECK(a.proposal->figures.amount == 7'000);
  CHECK(a.proposal->figures.fee == 0);
  CHECK(a.proposal->figures.debit_amount == 7'000);
  CHECK(a.proposal->why == "statement 20260309 line 7: the bank debited 7000, ours failed");
  CHECK(a.kept->status == "DEBITED_OURS_FAILED");
}

TEST_CASE("recon_actions: no TxnNo or no original: nothing proposed, the late state still kept") {
  const OurRecord r = our("RS1", 10'150, OurState::kForcedFailed);
  const StatementLine l = line("RS1", 10'150);
  const Outcome o{Class::kLateSuccess, &r, &l};
  auto a = recon_actions(o, live(OurState::kForcedFailed), item(""), kDay);
  CHECK(a.late_fact);
  CHECK_FALSE(a.proposal);
  CHECK(a.action == "no TxnNo: not proposed");

  a = recon_actions(o, live(OurState::kForcedFailed), std::nullopt, kDay);
  CHECK_FALSE(a.late_fact);
  CHECK_FALSE(a.proposal);
  CHECK(a.action == "no TxnNo: not proposed");

  // No live record: nothing looked for, nothing said.
  a = recon_actions(o, std::nullopt, std::nullopt, kDay);
  CHECK_FALSE(a.late_fact);
  CHECK_FALSE(a.proposal);
  CHECK(a.action.empty());
}

TEST_CASE("proposal_done: made or found made before") {
  CHECK(proposal_done(std::string("RF1"), "LATE_SUCCESS") == "proposal RF1 LATE_SUCCESS");
  CHECK(proposal_done(std::nullopt, "OTHER") == "proposal exists");
}

}  // namespace
}  // namespace repay::settlement
