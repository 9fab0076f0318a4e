// The channel reconciliation of one (channel, day T) as a use case (domain.md flow 4): load the
// day's records (a consistent snapshot of them), match them in memory against the statement
// (reconcile.h), look up the few lines whose ReqSn the day's records lack, then apply and record.
// No I/O of its own: all through ReconStore.
#pragma once

#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/result.h"
#include "settlement/ports.h"
#include "settlement/statement.h"

namespace repay::settlement {

// Loads our records of (channel, day) on a thread of its own from construction, so that the
// caller parses the statement meanwhile (on a big day the two cost about the same: two cores,
// half the time). take() waits for them; the destructor waits too. `store` must outlive it.
class OursLoading {
 public:
  OursLoading(ReconStore& store, std::string channel, Date day);
  ~OursLoading();
  OursLoading(const OursLoading&) = delete;
  OursLoading& operator=(const OursLoading&) = delete;
  // Once.
  Result<OurRecords> take();

 private:
  std::optional<Result<OurRecords>> result_;
  std::thread thread_;
};

// `statement_id` is what record_statement() returned for `st`; `ours` what load_ours() returned
// for (channel, day). Re-runnable for the same day with the same or a replaced statement: only
// the difference is applied.
Result<ReconRun> reconcile_channel_day(ReconStore& store, const std::string& channel, Date day,
                                       int64_t statement_id, Statement& st, OurRecords ours,
                                       int suspense_days, Instant now, const std::string& actor);

// The same, loading our records first.
Result<ReconRun> reconcile_channel_day(ReconStore& store, const std::string& channel, Date day,
                                       int64_t statement_id, Statement& st, int suspense_days,
                                       Instant now, const std::string& actor);

}  // namespace repay::settlement
