// When the T+1 jobs of a day run (common.md: Day T; files.md: Every day, Statement; channel-api.md:
// Statement): the holiday calendar of card centers that settle on business days, the run day of
// day T, and the decision of one job at one moment. Pure: the caller passes the clock's reading
// and the job's record; nothing here reads a file or a clock.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace repay::settlement {

// A holiday calendar file (docs/settings.md, processor.holiday_calendar): one day per line,
//   yyyyMMdd HOLIDAY [description]   a weekday that is not a business day
//   yyyyMMdd WORKDAY [description]   a Saturday or Sunday that is (a make-up working day)
// '#' starts a comment line; empty lines are allowed. Saturdays and Sundays are not business days
// unless listed WORKDAY.
class Calendar {
 public:
  Calendar() = default;  // weekends only
  // Every bad line is reported (code "CONFIG", where "<file> line N", field, value); a calendar
  // with any bad line is not used at all.
  static Result<Calendar> parse(std::string_view text, const std::string& file,
                                std::vector<Error>* errors);
  bool business_day(Date d) const;
  // The first business day after d (searched up to a year ahead, so that a mistaken calendar
  // cannot stop the jobs for good).
  Date next_business_day_after(Date d) const;
  size_t size() const { return overrides_.size(); }

 private:
  std::map<Date, bool> overrides_;  // true: WORKDAY, false: HOLIDAY
};

// The day the T+1 jobs of day T run: T+1, or with business_days_only the first business day after T.
Date run_day(Date t, bool business_days_only, const Calendar& calendar);

// files.md, "Once, and only for a day that is over": no T+1 job of day T (statement
// reconciliation, RECON, SETTLE; FEE of a month: its last day) before day T has ended in CST, that
// is before T+1 00:00 CST. Error "DAY_NOT_OVER", field date, value T, otherwise.
Status day_over(Date t, Instant now);

// The days whose T+1 jobs are looked at on `today`: from `first` (the oldest day still in the
// catch-up window) to the day before today, those whose run day has come.
std::vector<Date> days_due(Date first, Date today, bool business_days_only, const Calendar& calendar);

// A job's record (settle_jobs table): one per (job, subject, period).
struct JobRecord {
  bool done = false;
  bool alerted = false;
  int attempts = 0;
  Instant next_at{};          // no attempt before this (retry backoff)
  std::string last_error;
  std::string detail;         // what the done job made: file name, counts
};

struct JobStep {
  bool run = false;           // attempt it now
  bool alert = false;         // raise the alert now (once)
};

// One job at `now`: nothing before `opens`; run when its prerequisites are met and its retry time
// has come; the alert once `alert_at` has passed and it is still not done. `retry_after_alert`
// false: past alert_at the job gets one attempt if it never had one (a day caught up at start-up)
// and no more (statements: retried until the channel's last time, then alerted).
JobStep decide(const JobRecord& r, Instant now, Instant opens, Instant alert_at,
               bool prerequisites_met, bool retry_after_alert);

// Backoff between attempts of a job that failed: `base` doubled per attempt, at most `cap`.
std::chrono::seconds retry_delay(int attempts, std::chrono::seconds base, std::chrono::seconds cap);

}  // namespace repay::settlement
