// files.md: what happens at a batch's force-fail time to its items still open, as pure rules the
// store applies (store/batch_return_sql.cc).
#pragma once

#include <string>
#include <vector>

#include "debit/item.h"

namespace repay::batch {

// files.md: the code of an item still open (PENDING, SENDING, UNKNOWN) at its force-fail time:
// 3002 ("never sent") only when no DEBIT of it can have been executed — PENDING, and no send of
// it ever had an unknown outcome (`maybe_debited`, debit/item.h) — else 3001 (sent, result unknown),
// resolved by QUERY afterwards.
const char* force_fail_code(debit::ItemState state, bool maybe_debited);

// The force-fail of a whole batch, as the store applies it: every class of open item (its state
// and maybe_debited) with what force_fail_code gives it, grouped by outcome, so that the store
// takes the batch's items in one set-based pass (each outcome's classes a condition of a CASE: a
// million-item batch stays one statement) and decides nothing itself.
struct ItemClass {
  debit::ItemState state = debit::ItemState::kPending;
  bool maybe_debited = false;
};
struct ForceFailOutcome {
  std::string code;             // 3002 or 3001
  bool resolved_later = false;  // 3001: what the bank did is resolved by QUERY (late_state UNRESOLVED)
  std::string why;              // the item's audit row
  std::vector<ItemClass> classes;
};
std::vector<ForceFailOutcome> force_fail_outcomes();

}  // namespace repay::batch
