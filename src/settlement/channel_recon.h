// The channel reconciliation of one (channel, day T) as a use case (domain.md flow 4): copy the
// day's records, match them in memory against the statement (reconcile.h), look up the few lines
// whose ReqSn the copy lacks, then apply and record. No I/O of its own: all through ReconStore.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "settlement/ports.h"
#include "settlement/statement.h"

namespace repay::settlement {

// `statement_id` is what record_statement() returned for `st`. Re-runnable for the same day with
// the same or a replaced statement: only the difference is applied.
Result<ReconRun> reconcile_channel_day(ReconStore& store, const std::string& channel, Date day,
                                       int64_t statement_id, Statement& st, int suspense_days,
                                       Instant now, const std::string& actor);

}  // namespace repay::settlement
