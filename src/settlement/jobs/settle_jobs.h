// The T+1 jobs (domain.md flow 4 and 5; files.md; channel-api.md, Statement) of `repay serve` and
// of `repay settle run|reconcile`: fetch each channel's statement of day T and reconcile it, take
// the posting files of mode-2 card centers, publish RECON (mode 1), SETTLE and the monthly FEE
// files, expire refund proposals left pending too long. Every job is recorded (settle_jobs), safe
// to run twice and safe after a crash: RECON and SETTLE are recorded once per center and day and
// rebuilt as recorded, the transport never overwrites a published file; nothing runs for a day
// that is not over (CST). When each job is due is decided by
// settlement/schedule.h; docs/decisions.md (T+1 scheduling) says why.
//
// A module of its own (repay_settlement_jobs), beside the domain module repay_settlement: it reads
// and writes files, runs a thread and links the file transport (libcurl). It sees the store
// through settlement's ports (ReconStore, CenterFilesStore, JobStore, ReviewStore), the card
// centers' folders through transport::FileTransport, the channels' statements through a
// StatementFetch, and its options are its own (the wiring builds them: app/job_options.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "files/text.h"
#include "settlement/center_files_ports.h"
#include "settlement/channel_recon.h"
#include "settlement/job_ports.h"
#include "settlement/ports.h"
#include "settlement/review.h"
#include "settlement/review_ports.h"
#include "settlement/schedule.h"
#include "transport/transport.h"

namespace repay::settlement {

// One card center as the T+1 jobs see it (docs/settings.md, [center.*]).
struct SettleJobsCenter {
  std::string id;
  bool active = true;
  files::Encoding encoding = files::Encoding::kUtf8;
  int settlement_mode = 1;                 // 1 or 2
  int posting_grace_days = 2;
  bool business_days_only = false;
  std::string publish_time = "09:00";      // "HH:MM": RECON and SETTLE published by then on T+1
  std::string posting_expected_by = "12:00";
  std::chrono::seconds poll_interval{60};  // mode 2: how often the inbox is looked at for POST_
  std::string collect_channel;             // channelIds whose statements its SETTLE waits for
  std::string quick_channel;
  bool pays_fees = false;                  // a fee it pays itself: a monthly FEE file
  std::shared_ptr<transport::FileTransport> transport;
};

// One bank channel's statement (docs/settings.md, [channel.*]).
struct SettleJobsChannel {
  std::string statement_last_time = "18:00";  // keep fetching T's statement until then on T+1
  int suspense_days = 3;
  std::chrono::seconds statement_retry{300};
};

struct SettleJobsOptions {
  std::string data_dir;                    // the database's folder: statements/, settlement/
  int catch_up_days = 7;                   // missed days looked at again at start-up
  std::chrono::seconds tick{60};           // how often the scheduler looks at what is due
  ReviewPolicy review;                     // refund proposals expire by it
  std::map<std::string, SettleJobsCenter> centers;    // by centerId
  std::map<std::string, SettleJobsChannel> channels;  // by channelId
};

// The store as the T+1 jobs see it; every port outlives the jobs.
struct SettleJobsPorts {
  ReconStore& recon;
  CenterFilesStore& files;
  JobStore& jobs;
  ReviewStore& review;
};

// A channel's statement of a day (channel-api.md, Statement): "NOT_READY" while it answers 404.
using StatementFetch = std::function<Result<std::string>(const std::string& channel, Date day)>;

struct SettleReport {
  std::vector<std::string> lines;  // one per job, for people
  int failures = 0;                // jobs that could not be done (or are not ready)
};

struct StatementReconciled {
  StoredStatement stored;
  ReconRun run;
  std::string kept;                // where the raw statement is kept
};

class SettleJobs {
 public:
  // `fetch` gets statements; empty for steps that fetch nothing.
  SettleJobs(SettleJobsOptions options, SettleJobsPorts ports, StatementFetch fetch,
             Calendar calendar, const Clock& clock);
  ~SettleJobs();

  // The holiday calendar file (processor.holiday_calendar), read and checked (every bad line in
  // *errors); weekends only when `path` is empty.
  static Result<Calendar> load_calendar(const std::string& path, std::vector<Error>* errors);

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
  bool channels_reconciled(const SettleJobsCenter& c, Date t, std::string* missing);
  void tick_statements(Date first, Date today, Instant now);
  void tick_center(const SettleJobsCenter& c, Date first, Date today, Instant now);
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
  bool publish_job(const JobKey& k, const PublishJob& j, Instant now);
  void alert(const JobKey& k, const JobAlert& a, Instant now);
  void failed(const JobKey& k, const Error& e, int attempts, Instant now);
  void loop();

  const SettleJobsOptions opt_;
  ReconStore& store_;  // statements, held figures
  CenterFilesStore& files_;
  JobStore& jobs_;
  ReviewStore& review_;
  StatementFetch fetch_;
  const Calendar calendar_;
  const Clock& clock_;
  std::string statements_dir_;
  std::string work_dir_;
  std::map<std::string, std::unique_ptr<Center>> centers_;
  std::mutex run_mu_;  // one job round at a time (scheduler and by hand in one process)

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace repay::settlement
