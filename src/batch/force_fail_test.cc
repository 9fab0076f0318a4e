// batch::force_fail_code and force_fail_outcomes (force_fail.h), pure.
#include "batch/force_fail.h"

#include <doctest/doctest.h>

#include "core/codes.h"

namespace repay::batch {
namespace {

constexpr debit::ItemState kPending = debit::ItemState::kPending;
constexpr debit::ItemState kSending = debit::ItemState::kSending;
constexpr debit::ItemState kUnknown = debit::ItemState::kUnknown;

// files.md: 3002 ("never sent") only when no DEBIT of the item can have been executed.
TEST_CASE("force_fail_code: 3002 only for a PENDING item no send of which had an unknown outcome") {
  CHECK(std::string(force_fail_code(kPending, false)) == codes::kForceFailedNotSent);
  CHECK(std::string(force_fail_code(kPending, true)) == codes::kForceFailedUnknown);
  for (debit::ItemState s : {kSending, kUnknown}) {
    CAPTURE(debit::to_text(s));
    CHECK(std::string(force_fail_code(s, false)) == codes::kForceFailedUnknown);
    CHECK(std::string(force_fail_code(s, true)) == codes::kForceFailedUnknown);
  }
}

// The force-fail of a batch as the store applies it: every open class once, each with its code.
TEST_CASE("force_fail_outcomes: every open class once, grouped by force_fail_code") {
  const auto outcomes = force_fail_outcomes();
  REQUIRE(outcomes.size() == 2);
  int classes = 0;
  for (const auto& o : outcomes) {
    CAPTURE(o.code);
    for (const auto& k : o.classes) {
      CHECK(o.code == force_fail_code(k.state, k.maybe_debited));
      ++classes;
    }
    // 3001: sent, result unknown, resolved by QUERY afterwards; 3002: nothing to resolve.
    CHECK(o.resolved_later == (o.code == codes::kForceFailedUnknown));
    CHECK(o.why.find("(" + o.code + ")") != std::string::npos);
  }
  CHECK(classes == 6);  // PENDING, SENDING, UNKNOWN; with and without maybe_debited
  const auto& never_sent = outcomes[0].code == codes::kForceFailedNotSent ? outcomes[0] : outcomes[1];
  REQUIRE(never_sent.classes.size() == 1);
  CHECK(never_sent.classes[0].state == kPending);
  CHECK_FALSE(never_sent.classes[0].maybe_debited);
  CHECK(never_sent.why == "force-failed: not sent before the force-fail time (3002)");
}

}  // namespace
}  // namespace repay::batch
