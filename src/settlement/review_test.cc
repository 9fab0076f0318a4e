// The review rules of refund proposals, without a store.
#include "settlement/review.h"

#include <doctest/doctest.h>

namespace repay::settlement {
namespace {

using namespace std::chrono_literals;
using Kind = ApprovalDecision::Kind;

const Instant kT0 = from_unix_ms(1'700'000'000'000);

Proposal job_proposal(Fen debit = 10'000) {
  return Proposal{kPendingReview, "job:batch-query", debit, kT0, {}};
}

TEST_CASE("a job's proposal is approved by any staff, at once below the threshold") {
  const ReviewPolicy policy;
  auto d = decide_approval(job_proposal(), "staff:alice", kT0 + 1h, policy);
  CHECK(d.kind == Kind::kApprove);
}

TEST_CASE("maker-checker: a staff member's own proposal is refused to its maker, not to others") {
  const ReviewPolicy policy;
  Proposal p = job_proposal();
  p.created_by = "staff:bob";
  auto own = decide_approval(p, "staff:bob", kT0 + 1h, policy);
  CHECK(own.kind == Kind::kRefused);
  CHECK(own.code == kMakerChecker);
  CHECK(decide_approval(p, "staff:alice", kT0 + 1h, policy).kind == Kind::kApprove);
}

TEST_CASE("above the threshold two different approvers are needed") {
  ReviewPolicy policy;
  policy.two_approvals_above = 1'000'000;
  Proposal p = job_proposal(1'000'001);
  CHECK(approvals_needed(p, policy) == 2);
  CHECK(decide_approval(p, "staff:alice", kT0, policy).kind == Kind::kRecordOnly);
  p.approvers = {"staff:alice"};
  // The same person again is a repeat, never the second approval.
  CHECK(decide_approval(p, "staff:alice", kT0, policy).kind == Kind::kRepeat);
  CHECK(decide_approval(p, "staff:carol", kT0, policy).kind == Kind::kApprove);
}

TEST_CASE("exactly at the threshold one approver is enough") {
  ReviewPolicy policy;
  policy.two_approvals_above = 1'000'000;
  CHECK(approvals_needed(job_proposal(1'000'000), policy) == 1);
}

TEST_CASE("a staff proposal above the threshold: its maker counts for neither approval") {
  const ReviewPolicy policy;
  Proposal p = job_proposal(2'000'000);
  p.created_by = "staff:bob";
  p.approvers = {"staff:alice"};
  CHECK(decide_approval(p, "staff:bob", kT0, policy).code == kMakerChecker);
  CHECK(decide_approval(p, "staff:dave", kT0, policy).kind == Kind::kApprove);
}

TEST_CASE("only a pending proposal can be approved; a repeat by its approver answers as before") {
  const ReviewPolicy policy;
  using realtime::RefundState;
  for (RefundState state : {kApproved, kRejected, kExpired, RefundState::kSending, RefundState::kSuccess,
                            RefundState::kFailed}) {
    Proposal p = job_proposal();
    p.state = state;
    auto d = decide_approval(p, "staff:alice", kT0, policy);
    CHECK(d.kind == Kind::kRefused);
    CHECK(d.code == kNotPending);
  }
  Proposal done = job_proposal();
  done.state = RefundState::kSuccess;
  done.approvers = {"staff:alice"};
  CHECK(decide_approval(done, "staff:alice", kT0, policy).kind == Kind::kRepeat);
}

TEST_CASE("a proposal expires after the expiry days, and is then refused") {
  ReviewPolicy policy;
  policy.expiry_days = 30;
  const Proposal p = job_proposal();
  CHECK(expires_at(p, policy) == kT0 + 24h * 30);
  CHECK_FALSE(is_expired(p, kT0 + 24h * 30 - 1ms, policy));
  CHECK(is_expired(p, kT0 + 24h * 30, policy));
  auto d = decide_approval(p, "staff:alice", kT0 + 24h * 30, policy);
  CHECK(d.kind == Kind::kRefused);
  CHECK(d.code == kProposalExpired);
  Proposal rejected = p;
  rejected.state = kRejected;
  CHECK_FALSE(is_expired(rejected, kT0 + 24h * 365, policy));
}

TEST_CASE("a rejection needs a comment; the maker may withdraw its own proposal") {
  Proposal p = job_proposal();
  p.created_by = "staff:bob";
  CHECK(decide_rejection(p, "staff:alice", "").code == kCommentNeeded);
  CHECK(decide_rejection(p, "staff:alice", "  \t").code == kCommentNeeded);
  CHECK(decide_rejection(p, "staff:alice", "duplicate of RF1").ok);
  CHECK(decide_rejection(p, "staff:bob", "my mistake").ok);
  p.state = kApproved;
  CHECK(decide_rejection(p, "staff:alice", "too late").code == kNotPending);
}

TEST_CASE("ceilings") {
  CHECK(fits_ceiling(100, 100, 0));
  CHECK_FALSE(fits_ceiling(101, 100, 0));
  CHECK(fits_ceiling(40, 100, 60));
  CHECK_FALSE(fits_ceiling(41, 100, 60));
  CHECK_FALSE(fits_ceiling(0, 100, 0));
}

TEST_CASE("what a refund may give back: a success's principal, or the whole debit the bank took of a failure") {
  OriginalFacts ok{"SUCCESS", false, "", 10'000, 300, 200, 10'200, -1};
  auto r = refundable_of(ok);
  CHECK(r.ok);
  CHECK(r.principal == 10'000);
  CHECK(r.fee == 300);
  CHECK(r.cardholder_fee == 200);
  // Told FAILED, nothing says the bank debited it: nothing to refund.
  OriginalFacts failed{"FAILED", false, "", 10'000, 300, 200, 10'200, -1};
  CHECK_FALSE(refundable_of(failed).ok);
  // The statement lists the debit we sent: the whole debit goes back, no fee of the center.
  failed.bank_debited = 10'200;
  r = refundable_of(failed);
  CHECK(r.ok);
  CHECK(r.principal == 10'000);
  CHECK(r.fee == 200);
  CHECK(r.cardholder_fee == 200);
  // A line of another amount is an exception, never a refund.
  failed.bank_debited = 10'201;
  CHECK_FALSE(refundable_of(failed).ok);
  // A force-failed item: its late state DEBITED, or the statement.
  OriginalFacts forced{"FAILED", true, "UNRESOLVED", 10'000, 0, 0, 10'000, -1};
  CHECK_FALSE(refundable_of(forced).ok);
  forced.late_state = "NOT_DEBITED";
  CHECK_FALSE(refundable_of(forced).ok);
  forced.late_state = "DEBITED";
  CHECK(refundable_of(forced).ok);
  forced.late_state = "";
  forced.bank_debited = 10'000;
  CHECK(refundable_of(forced).principal == 10'000);
  // Still processing or rejected at intake: nothing.
  CHECK_FALSE(refundable_of({"UNKNOWN", false, "", 10'000, 0, 0, 10'000, 10'000}).ok);
  CHECK_FALSE(refundable_of({"REJECTED", false, "", 10'000, 0, 0, 10'000, 10'000}).ok);
}

// files.md, Fees of refunds: the fee on the running total, so the refunds that complete the
// principal have returned exactly the fee; it goes back to the card only when the cardholder paid it.
TEST_CASE("refund figures: the fee on the running total, back to the card when the cardholder paid it") {
  const Refundable paid_by_card{true, 10'000, 100, 100};
  auto a = refund_figures(paid_by_card, 3'333, 0, 0);
  CHECK(a.amount == 3'333);
  CHECK(a.fee == 33);  // 33.33
  CHECK(a.cardholder_fee == 33);
  CHECK(a.debit_amount == 3'366);
  auto b = refund_figures(paid_by_card, 3'333, 3'333, a.fee);
  CHECK(b.fee == 34);  // 66.66 rounds to 67 in all, 33 returned before
  CHECK(b.debit_amount == 3'367);
  auto c = refund_figures(paid_by_card, 3'334, 6'666, a.fee + b.fee);
  CHECK(c.fee == 33);
  CHECK(a.fee + b.fee + c.fee == 100);
  CHECK(a.amount + b.amount + c.amount == 10'000);

  // The card center's fee: returned (the FEE statement), never to the card.
  const Refundable paid_by_center{true, 10'000, 100, 0};
  auto d = refund_figures(paid_by_center, 5'000, 0, 0);
  CHECK(d.fee == 50);
  CHECK(d.cardholder_fee == 0);
  CHECK(d.debit_amount == 5'000);

  // A failure the bank debited: the whole debit, principal and the cardholder's fee.
  const Refundable debited = refundable_of({"FAILED", true, "DEBITED", 10'000, 150, 150, 10'150, -1});
  auto e = refund_figures(debited, debited.principal, 0, 0);
  CHECK(e.fee == 150);
  CHECK(e.cardholder_fee == 150);
  CHECK(e.debit_amount == 10'150);

  // No fee at all.
  auto f = refund_figures(Refundable{true, 10'000, 0, 0}, 10'000, 0, 0);
  CHECK(f.fee == 0);
  CHECK(f.debit_amount == 10'000);
}

TEST_CASE("logins") {
  CHECK(valid_login("alice.w-2_x"));
  CHECK_FALSE(valid_login(""));
  CHECK_FALSE(valid_login("a b"));
  CHECK_FALSE(valid_login("job:x"));
  CHECK(staff_actor("alice") == "staff:alice");
}

TEST_CASE("whole_debit_figures: a failed debit the bank made goes back whole, fee the cardholder's") {
  auto f = whole_debit_figures(10'000, 150);
  CHECK(f.amount == 10'000);
  CHECK(f.fee == 150);
  CHECK(f.cardholder_fee == 150);
  CHECK(f.debit_amount == 10'150);
  auto none = whole_debit_figures(10'000, 0);  // the card center paid the fee: nothing of it back
  CHECK(none.fee == 0);
  CHECK(none.cardholder_fee == 0);
  CHECK(none.debit_amount == 10'000);
}

}  // namespace
}  // namespace repay::settlement
