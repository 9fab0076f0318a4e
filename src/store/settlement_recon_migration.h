// The schema step that made channel reconciliation read the live tables instead of a durable
// copy of every record (docs/performance.md, Channel reconciliation): a migration entry.
#pragma once

namespace repay::store {

// recon_state.moving (the record was still processing when the row was written, so its day may
// still move) with the indexes the day's load uses, and recon_ours cut down to the records runs
// listed (a plain match keeps no row any more).
const char* recon_live_migration();

}  // namespace repay::store
