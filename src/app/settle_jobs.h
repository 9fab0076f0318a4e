// The T+1 jobs (domain.md flow 4 and 5; files.md; channel-api.md, Statement) of `repay serve` and
// of `repay settle run|reconcile`: fetch each channel's statement of day T and reconcile it, take
// the posting files of mode-2 card centers, publish RECON (mode 1), SETTLE and the monthly FEE
// files, expire refund proposals left pending too long. Every job is recorded (settle_jobs), safe
// to run twice and safe after a crash: RECON and SETTLE are recorded once per center and day and
// rebuilt as recorded, the transport never overwrites a published file; nothing runs for a day
// that is not over (CST). When each job is due is decided by
// settlement/schedule.h; docs/decisions.md (T+1 scheduling) says why.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "settings/settings.h"
#include "channel/channel_client.h"
#include "settlement/channel_recon.h"
#include "settlement/schedule.h"
#include "store/settle_jobs_sql.h"
#include "store/sqlite_store.h"
#include "transport/transport.h"

namespace repay::app {

struct SettleReport {
  std::vector<std::string> lines;  // one per job, for people
  int failures = 0;                // jobs that could not be done (or are not ready)
};

struct StatementReconciled {
  settlement::StoredStatement stored;
  settlement::ReconRun run;
  std::string kept;                // where the raw statement is kept
};

class SettleJobs {
 public:
  // `client` fetches statements; null for steps that fetch nothing.
  SettleJobs(const Settings& settings, store::SqliteStore& store, channel::ChannelClient* client,
             settlement::Calendar calendar, const Clock& clock);
  ~SettleJobs();

  // processor.holiday_calendar, read and checked (every bad line in *errors); weekends only when
  // the setting is empty.
  static Result<settlement::Calendar> load_calendar(const Settings& settings,
                                                    std::vector<Error>* errors);

  // Keeps the raw statement (named by its SHA-256, never overwritten), checks it, records it and
  // reconciles (channel, T); the STATEMENT job of (channel, T) is then done. A statement that does
  // not pass its checks is kept but not used (every error is returned joined, the first's code).
  Result<StatementReconciled> reconcile_statement(const std::string& channel, Date t,
                                                  const std::string& bytes);
  // Fetches the statement from the channel, then reconcile_statement(). "NOT_READY" while the
  // channel answers 404.
  Result<StatementReconciled> fetch_and_reconcile(const std::string& channel, Date t);

  // Takes the posting files (POST_<centerId>_<date>.txt) waiting in the inboxes of mode-2 card
  // centers ("" = all): each applied once, moved to done/ once stored or rejected.
  void pull_postings(const std::string& center, SettleReport& report);

  // Build and publish one file. RECON and SETTLE are built once per center and day (files.md,
  // Once): a second call publishes the file as it was first built (completing an interrupted
  // publish; nothing new), `before` true. Errors: "DAY_NOT_OVER" (day T has not ended, CST),
  // "NOT_READY" (SETTLE before the channel reconciliations of T, its RECON or, in mode 2, the
  // day's posting file), "RECON", "RANGE", "IO", "DB".
  struct Published {
    std::string name;
    bool before = false;  // built before: the very same file, nothing new
    std::string text() const {
      return before ? "published before as " + name +
                          " (once per day: what is learned later shows in later days' files)"
                    : "published " + name;
    }
  };
  Result<Published> publish_recon(const std::string& center, Date t);
  Result<Published> publish_settle(const std::string& center, Date t);
  Result<std::string> publish_fee(const std::string& center, int year, int month);

  // `repay settle run`: every T+1 job of day T, now, once day T is over (else one DAY_NOT_OVER
  // failure and nothing done): statements of the center's channels (all channels for ""), posting
  // files, RECON, SETTLE, and FEE when T is the last day of a month. Jobs done are recorded as
  // done for the scheduler.
  SettleReport run_day(Date t, const std::string& center);

  // One round of the scheduler (what is due at the clock's now; missed days within
  // processor.settle_catch_up_days are caught up).
  void tick();
  // Background loop for `repay serve`: tick() at once (catch-up), then every processor.settle_tick.
  void start();
  void stop();

 private:
  struct Center;
  bool channels_reconciled(const CenterSettings& c, Date t, std::string* missing);
  void tick_statements(Date first, Date today, Instant now);
  void tick_center(const CenterSettings& c, Date first, Date today, Instant now);
  // A file to publish on the run day: built when ready and its retry time has come; PUBLISH_LATE
  // once alert_at has passed without it. True when it was published now.
  struct PublishJob {
    Instant opens;
    Instant alert_at;
    std::string alert_time;                     // "HH:MM", for the alert
    bool ready = true;
    std::string waiting;                        // what it waits for, when not ready
    std::string what;                           // "SETTLE of 20261121"
    std::function<Result<std::string>()> build;  // the name published
  };
  bool publish_job(const settlement::JobKey& k, const PublishJob& j, Instant now);
  void alert(const settlement::JobKey& k, const settlement::JobAlert& a, Instant now);
  void failed(const settlement::JobKey& k, const Error& e, int attempts, Instant now);
  void loop();

  const Settings& settings_;
  store::SqliteStore& store_;
  channel::ChannelClient* client_;
  const settlement::Calendar calendar_;
  const Clock& clock_;
  store::SqliteJobStore jobs_;
  std::string statements_dir_;
  std::string work_dir_;
  std::map<std::string, std::unique_ptr<Center>> centers_;
  std::mutex run_mu_;  // one job round at a time (scheduler and by hand in one process)

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// A channel client for the statements of every channel in the settings (CLI steps).
Result<std::unique_ptr<channel::ChannelClient>> statement_client(const Settings& settings,
                                                                 const Clock& clock);

}  // namespace repay::app
