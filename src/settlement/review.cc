#include "settlement/review.h"

#include <algorithm>
#include <chrono>

namespace repay::settlement {

bool valid_login(const std::string& login) {
  if (login.empty() || login.size() > 64) return false;
  return std::all_of(login.begin(), login.end(), [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string staff_actor(const std::string& login) { return "staff:" + login; }

Instant expires_at(const Proposal& p, const ReviewPolicy& policy) {
  return p.created_at + std::chrono::hours(24) * policy.expiry_days;
}

bool is_expired(const Proposal& p, Instant now, const ReviewPolicy& policy) {
  return p.state == kPendingReview && now >= expires_at(p, policy);
}

int approvals_needed(const Proposal& p, const ReviewPolicy& policy) {
  return p.debit_amount > policy.two_approvals_above ? 2 : 1;
}

ApprovalDecision decide_approval(const Proposal& p, const std::string& actor, Instant now,
                                 const ReviewPolicy& policy) {
  using Kind = ApprovalDecision::Kind;
  const bool already = std::find(p.approvers.begin(), p.approvers.end(), actor) != p.approvers.end();
  // lessons.md: a repeat returns the original's answer and does nothing — whatever happened since.
  if (already) return {Kind::kRepeat, "", "already approved by " + actor};
  if (p.state != kPendingReview) {
    return {Kind::kRefused, kNotPending, "the proposal is " + std::string(realtime::to_text(p.state)) + ", not PENDING_REVIEW"};
  }
  if (is_expired(p, now, policy)) {
    return {Kind::kRefused, kProposalExpired, "the proposal expired unreviewed"};
  }
  // Maker-checker: a proposal made by staff is never approved by its maker. Jobs ("job:...") are
  // not people: any staff may approve what they proposed.
  if (actor == p.created_by) {
    return {Kind::kRefused, kMakerChecker, "the maker of a proposal cannot approve it"};
  }
  const int have = static_cast<int>(p.approvers.size()) + 1;
  if (have < approvals_needed(p, policy)) {
    return {Kind::kRecordOnly, "", "first approval recorded; a second, different approver is needed"};
  }
  return {Kind::kApprove, "", "approved"};
}

RejectionDecision decide_rejection(const Proposal& p, const std::string& actor,
                                   const std::string& comment) {
  (void)actor;
  if (p.state != kPendingReview) {
    return {false, kNotPending, "the proposal is " + std::string(realtime::to_text(p.state)) + ", not PENDING_REVIEW"};
  }
  const bool blank = std::all_of(comment.begin(), comment.end(),
                                 [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
  if (blank) return {false, kCommentNeeded, "a rejection needs a comment"};
  return {true, "", "rejected"};
}

bool fits_ceiling(Fen amount, Fen ceiling, Fen reserved) {
  return amount > 0 && reserved >= 0 && amount <= ceiling - reserved;
}

RefundFigures refund_figures(const Refundable& o, Fen amount, Fen reserved, Fen fee_reserved) {
  RefundFigures f;
  f.amount = amount;
  f.fee = refund_fee(o.fee, o.principal, reserved, amount, fee_reserved);
  f.cardholder_fee = o.cardholder_fee > 0 ? f.fee : 0;
  f.debit_amount = amount + f.cardholder_fee;
  return f;
}

RefundFigures whole_debit_figures(Fen amount, Fen cardholder_fee) {
  return refund_figures(Refundable{true, amount, cardholder_fee, cardholder_fee}, amount, 0, 0);
}

Refundable refundable_of(const OriginalFacts& o) {
  if (o.state == "SUCCESS") return {true, o.amount, o.fee, o.cardholder_fee};
  if (o.state != "FAILED") return {};
  const bool late_debit = o.forced && o.late_state == "DEBITED";
  // A statement line counts only for the debit we sent: a different amount is an exception
  // (AMOUNT_DIFFERS), never a refund.
  const bool listed = o.bank_debited >= 0 && o.bank_debited == o.debit_amount;
  if (!late_debit && !listed) return {};
  if (o.amount <= 0 || o.amount + o.cardholder_fee != o.debit_amount) return {};
  return {true, o.amount, o.cardholder_fee, o.cardholder_fee};
}

}  // namespace repay::settlement
