// A refund's state (center-api.md, refund; domain.md flow 4): the card center's refund is
// REFUSED or goes PENDING -> SENDING -> SUCCESS / FAILED like a debit (UNKNOWN and back to PENDING
// on the way); our proposal is PENDING_REVIEW until staff make it APPROVED (then sent as above),
// REJECTED, or it becomes EXPIRED. Its text is the refunds table's value and what the wire,
// console and CLI show; domain code compares the enum (docs/decisions.md, States as enum class).
#pragma once

#include <optional>
#include <string_view>

#include "core/result.h"
#include "debit/item.h"

namespace repay::realtime {

enum class RefundState {
  kRefused, kPendingReview, kApproved, kRejected, kExpired,
  kPending, kSending, kUnknown, kSuccess, kFailed,
};
const char* to_text(RefundState s);  // "REFUSED", "PENDING_REVIEW", ...
Result<RefundState> refund_state_from_text(std::string_view text);

// The debit state machine's state of a refund on its way to or at the bank (PENDING, SENDING,
// UNKNOWN, SUCCESS, FAILED), which alone takes the bank's facts; nothing for the others.
std::optional<debit::ItemState> at_bank(RefundState s);

}  // namespace repay::realtime
