// What a bank's fact (an answer, a QUERY, a notification) does to a real-time repayment or
// refund: the debit state machine with no force-fail time (debit::next), and one rule of
// real time's own. A success of another amount than the one we sent is never accepted
// (channel-api.md); an item of a batch is settled by its force-fail time, but a real-time call
// has none, so it would stay open for good while every repeat of the fact raised another
// exception. It becomes FAILED 3001 at once (sent, outcome not accepted; final for good, as
// codes.md says of 3001; docs/decisions.md), with one exception for staff.
#pragma once

#include <string>

#include "debit/item.h"
#include "core/money.h"

namespace repay::realtime {

struct Step {
  debit::Transition t;     // what to store (kApply, or nothing)
  std::string exception;   // non-empty: raise it for staff (once per transaction and text)
};

// `state`: the stored state; `sent`: the amount the DEBIT or REFUND carried.
Step next_step(debit::ItemState state, Fen sent, const debit::BankFact& fact);

}  // namespace repay::realtime
