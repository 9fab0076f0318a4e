// realtime::RefundState, its text and its debit state (refund_state.h), pure.
#include "realtime/refund_state.h"

#include <doctest/doctest.h>

#include <string>

namespace repay::realtime {
namespace {

constexpr RefundState kAll[] = {RefundState::kRefused, RefundState::kPendingReview, RefundState::kApproved,
                                 RefundState::kRejected, RefundState::kExpired, RefundState::kPending,
                                 RefundState::kSending, RefundState::kUnknown, RefundState::kSuccess,
                                 RefundState::kFailed};

// The texts are the refunds table's values: each reads back as itself; any other text is an
// error that names it, never a guess.
TEST_CASE("refund state: text and back, and a text that is none of them") {
  for (RefundState s : kAll) {
    auto back = refund_state_from_text(to_text(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
  CHECK(std::string(to_text(RefundState::kPendingReview)) == "PENDING_REVIEW");
  for (const char* bad : {"", "Pending_review", "DEBITED"}) {
    auto r = refund_state_from_text(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().value == bad);
  }
}

// Only a refund on its way to or at the bank takes the bank's facts (debit::next).
TEST_CASE("refund state: at the bank for the five debit states only") {
  int at = 0;
  for (RefundState s : kAll) {
    CAPTURE(to_text(s));
    auto d = at_bank(s);
    if (!d) continue;
    ++at;
    CHECK(std::string(debit::to_text(*d)) == to_text(s));
  }
  CHECK(at == 5);
  CHECK_FALSE(at_bank(RefundState::kApproved).has_value());
  CHECK_FALSE(at_bank(RefundState::kPendingReview).has_value());
}

}  // namespace
}  // namespace repay::realtime
