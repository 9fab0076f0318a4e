#include "batch/force_fail.h"

#include <algorithm>
#include <iterator>

#include "core/codes.h"

namespace repay::batch {

using debit::ItemState;

const char* force_fail_code(ItemState state, bool maybe_debited) {
  return state == ItemState::kPending && !maybe_debited ? codes::kForceFailedNotSent : codes::kForceFailedUnknown;
}

std::vector<ForceFailOutcome> force_fail_outcomes() {
  std::vector<ForceFailOutcome> out;
  for (ItemState state : {ItemState::kPending, ItemState::kSending, ItemState::kUnknown}) {
    for (bool maybe : {false, true}) {
      const std::string code = force_fail_code(state, maybe);
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.code == code; });
      if (it == out.end()) {
        ForceFailOutcome o;
        o.code = code;
        o.resolved_later = code != codes::kForceFailedNotSent;
        o.why = o.resolved_later ? "force-failed: sent, result unknown (" + code + ")"
                                 : "force-failed: not sent before the force-fail time (" + code + ")";
        out.push_back(std::move(o));
        it = std::prev(out.end());
      }
      it->classes.push_back(ItemClass{state, maybe});
    }
  }
  return out;
}

}  // namespace repay::batch
