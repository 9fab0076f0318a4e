// The review of our refund proposals (domain.md flow 4: 退款待审核), as pure rules: who may
// approve or reject, when a second approver is needed, when a proposal expires, whether it still
// fits under its ceiling. The store applies them inside its transactions (review_ports.h).
//
// States: PENDING_REVIEW -> APPROVED -> (sent by the real-time resolver) -> SUCCESS / FAILED,
//         PENDING_REVIEW -> REJECTED (staff, with a comment) or EXPIRED (after expiry_days).
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "realtime/refund_state.h"

namespace repay::settlement {

// A proposal is a refund (the refunds table's one state column): its review states are
// realtime::RefundState's, named here for the review's rules.
inline constexpr realtime::RefundState kPendingReview = realtime::RefundState::kPendingReview;
inline constexpr realtime::RefundState kApproved = realtime::RefundState::kApproved;
inline constexpr realtime::RefundState kRejected = realtime::RefundState::kRejected;
inline constexpr realtime::RefundState kExpired = realtime::RefundState::kExpired;

// Error codes of review refusals (Error::code). Over the ceiling is codes.md's 2008.
inline constexpr const char* kNotPending = "REVIEW_STATE";       // not (or no longer) pending review
inline constexpr const char* kMakerChecker = "MAKER_CHECKER";    // the creator may not approve
inline constexpr const char* kCommentNeeded = "COMMENT_NEEDED";  // a rejection needs a comment
inline constexpr const char* kProposalExpired = "EXPIRED";       // pending past its expiry

struct ReviewPolicy {
  Fen two_approvals_above = 1'000'000;  // fen, compared with the proposal's DebitAmount
  int expiry_days = 30;
};

// What the rules look at.
struct Proposal {
  realtime::RefundState state = kPendingReview;
  std::string created_by;              // "job:<name>" or "staff:<login>"
  Fen debit_amount = 0;                // what would go back to the card
  Instant created_at{};
  std::vector<std::string> approvers;  // actors ("staff:<login>") whose approval is recorded
};

// "staff:<login>": the actor of a staff action. Logins are [A-Za-z0-9._-]{1,64}.
bool valid_login(const std::string& login);
std::string staff_actor(const std::string& login);

// When a pending proposal expires, and whether it has.
Instant expires_at(const Proposal& p, const ReviewPolicy& policy);
bool is_expired(const Proposal& p, Instant now, const ReviewPolicy& policy);
// How many different approvers the proposal needs.
int approvals_needed(const Proposal& p, const ReviewPolicy& policy);

struct ApprovalDecision {
  enum class Kind {
    kRefused,       // code/why say why; nothing changes
    kRepeat,        // this approver already approved: the original's answer, nothing changes
    kRecordOnly,    // a first approval recorded; still PENDING_REVIEW until another approver
    kApprove,       // recorded and the proposal becomes APPROVED (after the ceiling re-check)
  };
  Kind kind = Kind::kRefused;
  std::string code;
  std::string why;
};
// Maker-checker: the creator (a staff member) never approves; a job's proposal may be approved by
// any staff. Above the threshold two different approvers. A proposal past its expiry is refused
// (kProposalExpired) even if the expiry job has not run yet.
ApprovalDecision decide_approval(const Proposal& p, const std::string& actor, Instant now,
                                 const ReviewPolicy& policy);

struct RejectionDecision {
  bool ok = false;
  std::string code;
  std::string why;
};
// Any staff may reject a pending proposal, its creator included (no money moves), with a comment.
RejectionDecision decide_rejection(const Proposal& p, const std::string& actor,
                                   const std::string& comment);

// The ceiling of a refund (center-api.md, refund): the principal still refundable after what is
// reserved. `amount` fits when 0 < amount <= ceiling - reserved.
bool fits_ceiling(Fen amount, Fen ceiling, Fen reserved);

// What a refund of an original may give back, the one rule every refund's ceiling starts from.
// A SUCCESS repayment: its principal, the fee returned in proportion (files.md, Fees of refunds).
// An original the card center was told failed, which the bank debited all the same — its late
// state DEBITED (a force-failed item), or the channel's statement lists it (`bank_debited`, the
// amount the statement shows): the whole debit, principal and the cardholder's fee, nothing more;
// no fee of the card center goes back (a failed debit is never billed). Anything else: nothing.
struct Refundable {
  bool ok = false;
  Fen principal = 0;       // the ceiling of the principal refunded
  Fen fee = 0;             // the fee that goes back over the whole principal
  Fen cardholder_fee = 0;  // of which back to the card (the rest was the card center's)
};
struct OriginalFacts {
  std::string state;        // SUCCESS, FAILED, ...
  bool forced = false;
  std::string late_state;   // a forced item's: DEBITED when the bank's answer said so
  Fen amount = 0, fee = 0, cardholder_fee = 0, debit_amount = 0;
  Fen bank_debited = -1;    // the statement's debited amount, -1 when no statement lists it
};
Refundable refundable_of(const OriginalFacts& o);

// What one refund of `amount` (principal) of an original gives back (files.md, Fees of refunds):
// the fee returned on the running total of its ceiling — `reserved` principal and `fee_reserved`
// fee held by the refunds before it, so the refunds that complete the principal have returned
// exactly the fee — of which back to the card all of it when the cardholder paid the original's
// fee (`o.cardholder_fee` > 0), else none (the card center's fee is only recorded, for the FEE
// statement); and the DebitAmount, what goes back to the card. The caller has checked the
// ceiling (fits_ceiling).
struct RefundFigures {
  Fen amount = 0;          // principal
  Fen fee = 0;             // fee returned, whoever paid it
  Fen cardholder_fee = 0;  // of which back to the card
  Fen debit_amount = 0;    // amount + cardholder_fee
};
RefundFigures refund_figures(const Refundable& o, Fen amount, Fen reserved, Fen fee_reserved);

// A proposal for a failed debit the bank made all the same (LATE_SUCCESS, DEBITED_OURS_FAILED)
// gives back the whole debit: the principal and the cardholder's fee (files.md: neither it nor its
// refund enters the card center's settlement; a failed item was never billed).
RefundFigures whole_debit_figures(Fen amount, Fen cardholder_fee);

}  // namespace repay::settlement
