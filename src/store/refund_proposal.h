// Our refund proposals (domain.md flow 4: 退款待审核): LATE_SUCCESS (a force-failed item debited
// late), ONE_SIDED (mode 2: a success the card center's posting files lack), OTHER (staff). One
// statement shape for all of them, so every proposal is made the same way: origin US, state
// PENDING_REVIEW, a fresh RefundNo, an audit row, and at most one per (reason, TxnNo).
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "store/db.h"

namespace repay::store {

struct RefundProposal {
  std::string center_id;
  std::string reason;          // LATE_SUCCESS, ONE_SIDED, OTHER
  std::string orig_txn_no;
  std::string orig_source;     // B or R
  std::string orig_batch_no;   // "" for R
  std::string orig_ref;        // "<batchNo>:<seq>" (B) or the ReqNo (R)
  std::string channel_id;
  std::string orig_req_sn;     // the DEBIT's ReqSn
  Fen amount = 0;              // principal to refund
  Fen fee = 0;                 // fee returned, whoever paid it (files.md, Fees of refunds)
  Fen cardholder_fee = 0;      // the part going back to the card
  Fen debit_amount = 0;        // amount + cardholder_fee
  std::string why;             // for the audit row
};

// Inserts the proposal inside the caller's write transaction (refunds_proposal is unique on
// (reason, orig_txn_no) for origin US). Returns its new RefundNo, or nullopt when that proposal
// exists already (nothing changes, no RefundNo is used). Error "DB".
Result<std::optional<std::string>> insert_refund_proposal(Connection& c, const RefundProposal& p,
                                                          Instant now, const std::string& actor);

}  // namespace repay::store
