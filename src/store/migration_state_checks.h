// Schema migration (store/migrations.cc): the CHECK constraints of batch_items and repayments
// stated without IN lists.
#pragma once

namespace repay::store {

// SQLite 3.40 evaluates `state IN ('A', 'B', ...)` in a CHECK by building a temporary b-tree of
// the list on every execution of a statement that writes the row: two per inserted batch item,
// per claim, per answer (docs/performance.md). The same constraints as `state = 'A' OR ...`
// cost a few comparisons. Same meaning, so the tables are rebuilt as they are (SQLite's
// 12-step rebuild, https://www.sqlite.org/lang_altertable.html#otheralter), indexes included.
const char* state_checks_migration();

}  // namespace repay::store
