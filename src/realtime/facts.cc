#include "realtime/facts.h"

#include "core/codes.h"
#include "realtime/answers.h"

namespace repay::realtime {

Step next_step(debit::ItemState state, Fen sent, const debit::BankFact& fact) {
  Step s;
  debit::Transition t = debit::next(debit::ItemView{state, false, debit::LateState::kNone, sent}, fact, true);
  if (t.kind != debit::Transition::Kind::kException) {
    s.t = std::move(t);
    return s;
  }
  s.exception = t.why;
  if (!debit::is_final(state)) {
    // Only an amount that differs contradicts an open call: it is closed, not left open.
    s.t.kind = debit::Transition::Kind::kApply;
    s.t.state = debit::ItemState::kFailed;
    s.t.resp_code = codes::kForceFailedUnknown;
    s.t.why = t.why + ": not accepted, FAILED 3001 and held for staff";
  }
  return s;
}

}  // namespace repay::realtime
