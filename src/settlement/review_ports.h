// What the review of refund proposals needs from the store. Every action is one write
// transaction that applies review.h's rules, changes the refund with a conditional update, and
// appends its audit row (entity "refund", actor "staff:<login>" or "job:<name>"); the approval
// of a proposal on a SUCCESS repayment reserves its principal under the same ceiling as the card
// center's own refunds, in one conditional update.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "settlement/review.h"

namespace repay::settlement {

struct ReviewFilter {
  std::string center;  // "" any
  std::string day;     // "yyyyMMdd": proposals made on that CST day; "" any
  std::string reason;  // LATE_SUCCESS, ONE_SIDED, OTHER; "" any
  std::string state;   // PENDING_REVIEW, APPROVED, ... ; "" any
  int limit = 200;
};

struct ProposalRow {
  std::string refund_no;
  std::string center_id;
  std::string reason;
  realtime::RefundState state = realtime::RefundState::kPendingReview;
  std::string resp_code;
  std::string orig_txn_no;
  std::string orig_source;    // B or R
  std::string orig_ref;       // "<batchNo>:<seq>" or the ReqNo
  // A batch item's batchNo, seq and itemId (the card center's name for it), read from the item;
  // "" and 0 for real time.
  std::string orig_batch_no;
  int64_t orig_seq = 0;
  std::string orig_item_id;
  Fen amount = 0;             // principal
  Fen cardholder_fee = 0;     // fee going back to the card with it
  Fen debit_amount = 0;       // what goes back to the card
  std::string req_sn;         // once sent
  Instant created_at{};
  std::string created_by;
  std::vector<std::string> approvers;  // actors whose approval is recorded, in order
};

struct ReviewEvent {           // the refund's audit trail and review decisions
  Instant at{};
  std::string actor;
  std::string old_state;
  std::string new_state;
  std::string reason;
};

struct ProposalDetail {
  ProposalRow row;
  // The original repayment.
  std::string orig_state;        // as stored (a force-failed item: FAILED)
  std::string orig_resp_code;
  Fen orig_amount = 0;
  Fen orig_cardholder_fee = 0;
  Fen orig_debit_amount = 0;
  Instant orig_finished_at{};
  std::string channel_id;
  std::string orig_req_sn;
  std::string channel_txn_no;    // the bank's, when known
  std::string settle_date;
  std::string credit_card_masked;  // never the full numbers
  std::string debit_card_masked;
  // The discrepancy behind the proposal: LATE_SUCCESS: the item's force-fail and late debit.
  bool forced = false;
  Instant force_fail_at{};
  std::string late_state;
  // The channel's statement line that lists the debit though ours failed (kept by
  // reconciliation; what such a refund may give back): none when `statement_date` is empty.
  std::string statement_date;    // yyyyMMdd
  int64_t statement_line = 0;
  Fen statement_amount = 0;      // what the statement says was debited
  std::string statement_txn_no;  // the bank's ChannelTxnNo on that line
  Instant statement_recorded_at{};
  std::string discrepancy;       // one line for people
  // The ceiling of a SUCCESS repayment (0/0 when none yet).
  Fen ceiling = 0;
  Fen reserved = 0;
  std::vector<ReviewEvent> history;
};

// A staff member's own proposal (reason OTHER) of a SUCCESS repayment.
struct NewProposal {
  std::string center_id;
  std::string orig_txn_no;
  Fen amount = 0;           // principal
  std::string staff;        // login
  std::string comment;      // required: why
};

struct ReviewOutcome {
  enum class Kind {
    kDone,           // approved (APPROVED) or rejected (REJECTED)
    kWaitingSecond,  // a first approval recorded; still PENDING_REVIEW
    kRepeat,         // this person already decided so: the original's answer, nothing changed
  };
  Kind kind = Kind::kDone;
  std::string message;
  ProposalRow after;
};

class ReviewStore {
 public:
  virtual ~ReviewStore() = default;

  // Our proposals (origin US), newest first.
  virtual Result<std::vector<ProposalRow>> list_proposals(const ReviewFilter& f) = 0;
  // One proposal with its original and its discrepancy; nullopt when unknown.
  virtual Result<std::optional<ProposalDetail>> show_proposal(const std::string& refund_no) = 0;
  // Applies decide_approval(); on kApprove re-checks the ceiling at `now` (2008 when it no longer
  // fits: refused, the proposal stays PENDING_REVIEW and an audit row says so), sets the fee
  // returned and DebitAmount on the running total, and moves it to APPROVED for the real-time
  // resolver. `notify_url` ("" none): where its final result is notified for information.
  // Errors: 2009 unknown, review.h's codes, 2008; nothing changes on an error.
  virtual Result<ReviewOutcome> approve(const std::string& refund_no, const std::string& staff,
                                        const std::string& comment, const std::string& notify_url,
                                        Instant now, const ReviewPolicy& policy) = 0;
  virtual Result<ReviewOutcome> reject(const std::string& refund_no, const std::string& staff,
                                       const std::string& comment, Instant now) = 0;
  // Pending proposals past their expiry become EXPIRED (actor "job:review-expiry"); their numbers.
  virtual Result<std::vector<std::string>> expire_due(Instant now, const ReviewPolicy& policy) = 0;
  // A staff proposal (OTHER) of a SUCCESS repayment of the center, pending review. Refused with
  // 2009 (unknown TxnNo), 2008 (not a success, or over what is refundable now), 2005 (amount).
  virtual Result<ProposalRow> propose(const NewProposal& p, Instant now) = 0;
};

}  // namespace repay::settlement
