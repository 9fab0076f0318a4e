#include "realtime/refund_state.h"

#include <array>

#include "core/enum_text.h"

namespace repay::realtime {

namespace {

constexpr std::array<EnumText<RefundState>, 10> kRefundStates{{
    {RefundState::kRefused, "REFUSED"},
    {RefundState::kPendingReview, "PENDING_REVIEW"},
    {RefundState::kApproved, "APPROVED"},
    {RefundState::kRejected, "REJECTED"},
    {RefundState::kExpired, "EXPIRED"},
    {RefundState::kPending, "PENDING"},
    {RefundState::kSending, "SENDING"},
    {RefundState::kUnknown, "UNKNOWN"},
    {RefundState::kSuccess, "SUCCESS"},
    {RefundState::kFailed, "FAILED"},
}};

}  // namespace

const char* to_text(RefundState s) { return text_in(kRefundStates, s); }
Result<RefundState> refund_state_from_text(std::string_view text) {
  return parse_in(kRefundStates, text, "refund state");
}

std::optional<debit::ItemState> at_bank(RefundState s) {
  switch (s) {
    case RefundState::kPending: return debit::ItemState::kPending;
    case RefundState::kSending: return debit::ItemState::kSending;
    case RefundState::kUnknown: return debit::ItemState::kUnknown;
    case RefundState::kSuccess: return debit::ItemState::kSuccess;
    case RefundState::kFailed: return debit::ItemState::kFailed;
    default: return std::nullopt;
  }
}

}  // namespace repay::realtime
