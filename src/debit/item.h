// The debit state machine both flows share (debit::next): what a bank's answer, a QUERY, a
// notification or a statement line does to a DEBIT. A batch item's life (files.md; channel-api.md
// "What the processor does"); a real-time repayment goes the same way with no force-fail time
// (realtime/facts.h):
//
//   REJECTED                    failed an item check at intake; final F, never sent
//   PENDING  -> SENDING         claimed; its ReqSn (and TxnNo) stored before the DEBIT call
//   SENDING  -> SUCCESS|FAILED  the bank answered finally
//   SENDING  -> UNKNOWN         no usable answer, or "processing": resolved by QUERY/notification
//   SENDING  -> PENDING         not registered (9001, HTTP 429, 4001; or it never left us): sent
//                               again later with the same ReqSn
//   UNKNOWN  -> PENDING         QUERY said NOT_FOUND (before the force-fail time only)
//   PENDING  -> FAILED 2001     its agreement is no longer ACTIVE and no DEBIT of it can have
//                               been executed (claim time; never sent)
//   PENDING|SENDING|UNKNOWN -> FAILED (forced)  at the force-fail time: 3002 when no DEBIT of it
//                               can have been executed, else 3001 (batch/force_fail.h)
//
// "A DEBIT of it may have been executed" (the store's maybe_debited) is set when the item enters
// UNKNOWN — an answer that proves nothing, a crash while SENDING — and never cleared: a NOT_FOUND
// does not prove that a delayed request will not land, and a later busy answer says nothing of
// the earlier send. An item PENDING without it at the force-fail time is 3002 ("never sent").
//
// A forced item stays FAILED for the card center for good; what the bank did is still resolved
// (late_state UNRESOLVED -> DEBITED or NOT_DEBITED) and a late debit becomes a refund proposal.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"

namespace repay::debit {

// An item's (or a real-time repayment's) state. Its text is the SQL column's value and what the
// wire, console and reports show; domain code compares the enum (docs/decisions.md).
enum class ItemState { kRejected, kPending, kSending, kUnknown, kSuccess, kFailed };
const char* to_text(ItemState s);  // "REJECTED", "PENDING", ...
Result<ItemState> item_state_from_text(std::string_view text);

// What the bank did with a forced item that had been sent: kNone ("") unless forced after
// sending (3001), then UNRESOLVED until a QUERY, notification or statement says DEBITED or
// NOT_DEBITED.
enum class LateState { kNone, kUnresolved, kDebited, kNotDebited };
const char* to_text(LateState s);  // "", "UNRESOLVED", "DEBITED", "NOT_DEBITED"
Result<LateState> late_state_from_text(std::string_view text);  // "" (or NULL read as "") is kNone

// SUCCESS, FAILED or REJECTED: nothing changes it any more (a forced item's late state aside).
bool is_final(ItemState s);

// What the bank says about a DEBIT, from its answer, a QUERY or a notification.
struct BankFact {
  enum class Kind {
    kSuccess,   // debited
    kFailed,    // declined, final: `code` is ours
    kUnknown,   // no usable answer, or processing
    kBusy,      // not registered: send again later, same ReqSn
    kNotFound,  // QUERY: the bank never registered this ReqSn
    kNotSent,   // the call never left us (its time ran out in the queue)
  };
  Kind kind = Kind::kUnknown;
  std::string code;            // ours, for kFailed
  std::string channel_txn_no;  // for kSuccess
  std::string settle_date;     // for kSuccess
  Fen amount = -1;             // the bank's amount when it said one (QUERY, notification)
  std::string detail;          // for logs
  // kSuccess read from the channel's statement (channel-api.md, Statement): the bank's settled
  // word, which stands even against an earlier answer that said "not debited".
  bool statement = false;
};

// An item as the state machine sees it.
struct ItemView {
  ItemState state = ItemState::kPending;
  bool forced = false;
  LateState late_state = LateState::kNone;
  Fen debit_amount = 0;
};

struct Transition {
  enum class Kind {
    kNone,        // nothing to change (e.g. a repeat of what is stored)
    kApply,       // move to `state`
    kLate,        // forced item: record what the bank did (late_state), maybe propose a refund
    kException,   // contradicts a stored final state or the amount we sent: staff must look
  };
  Kind kind = Kind::kNone;
  ItemState state = ItemState::kPending;  // for kApply
  std::string resp_code;   // for kApply to a final state
  LateState late_state = LateState::kNone;  // for kLate
  bool propose_refund = false;  // kLate DEBITED: the cardholder was debited for a failed item
  std::string why;         // for audit and exceptions
};

// Pure: what a fact does to an item. `before_force_fail` is whether now < the force-fail time.
Transition next(const ItemView& item, const BankFact& fact, bool before_force_fail);

}  // namespace repay::debit
