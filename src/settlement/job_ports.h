// What the T+1 scheduler (settlement/jobs/settle_jobs.h) needs from the store: one record per job, subject
// and period (settle_jobs table), so that a job done is never done again by the scheduler, a
// restart knows where it stood, and an alert is raised once.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "settlement/schedule.h"

namespace repay::settlement {

// Job names (settle_jobs.job) and the alert kinds they raise (exceptions.kind).
inline constexpr const char* kJobStatement = "STATEMENT";  // subject channelId, period day T
inline constexpr const char* kJobRecon = "RECON";          // subject centerId, period day T (mode 1)
inline constexpr const char* kJobPosting = "POSTING";      // subject centerId, period day T (mode 2)
inline constexpr const char* kJobSettle = "SETTLE";        // subject centerId, period day T
inline constexpr const char* kJobFee = "FEE";              // subject centerId, period yyyyMM
inline constexpr const char* kJobExpire = "EXPIRE";        // subject "*", period day (proposals)

struct JobKey {
  std::string job;
  std::string subject;
  std::string period;
};

struct JobAlert {
  std::string kind;        // exceptions.kind: STATEMENT_MISSING, POSTING_MISSING, ...
  std::string center_id;   // "" when the job is a channel's
  std::string channel_id;  // "" when the job is a card center's
  std::string detail;      // for staff
};

class JobStore {
 public:
  virtual ~JobStore() = default;
  // The job's record; a default (not done, never tried) one when there is none.
  virtual Result<JobRecord> job(const JobKey& k) = 0;
  // An attempt that did not finish the job: counted, its error kept, no attempt before next_at.
  virtual Status job_failed(const JobKey& k, const std::string& error, Instant next_at,
                            Instant now) = 0;
  virtual Status job_done(const JobKey& k, const std::string& detail, Instant now) = 0;
  // Marks the job alerted and opens an exception for staff, in one transaction; false when it
  // was alerted before (nothing new).
  virtual Result<bool> job_alerted(const JobKey& k, const JobAlert& a, Instant now) = 0;
  // The first day T the scheduler looks at: the CST day of `now` the first time this is asked
  // (kept), so a new database does not publish files for days before Repay ran.
  virtual Result<Date> first_day(Instant now) = 0;
};

}  // namespace repay::settlement
