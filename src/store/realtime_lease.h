// The lease of a real-time repayment or refund in UNKNOWN for one QUERY (claim_realtime_work).
// Its state does not change when it is leased, so the state alone cannot keep two workers from
// querying it at once: the lease is guarded by the time that made it due.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "store/db.h"

namespace repay::store {

enum class RealtimeTable { kRepayments, kRefunds };

// Leases the UNKNOWN repayment (by TxnNo) or refund (by RefundNo) `key`, read as due at `now`,
// to `node` until `until`, counting one more query: true when this call took it, false when it
// is no longer UNKNOWN and due at `now` (another worker leased or resolved it since the read).
Result<bool> lease_realtime_query(Connection& c, RealtimeTable table, const std::string& key,
                                  const std::string& node, Instant now, Instant until);

}  // namespace repay::store
