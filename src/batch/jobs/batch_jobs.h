// The batch jobs of `repay serve` and of `repay batch pull|status|return`: pull complete files
// from each card center's inbox, run the debit pipeline, force-fail at the deadlines and publish
// return files. Every step is safe to run twice and safe to run after a crash.
//
// A module of its own (repay_batch_jobs), beside the domain module repay_batch: it reads files,
// runs threads and links the file transport (libcurl), which the domain module never does. It
// sees the store through batch::BatchStore, the banks through ChannelPort, the card centers'
// folders through transport::FileTransport, and its options are its own (the wiring builds them
// from the settings: app/job_options.h).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch/intake.h"
#include "batch/pipeline.h"
#include "batch/ports.h"
#include "core/channel_port.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "transport/transport.h"

namespace repay::batch {

// One card center as the batch jobs see it.
struct BatchJobsCenter {
  BatchCenter batch;                      // its files' checks, limits, timing and fees
  bool active = true;                     // inactive: never pulled
  std::shared_ptr<transport::FileTransport> transport;  // its inbox and outbox
  std::chrono::seconds poll_interval{60};
  int poll_window_start_minutes = 0;      // polling window, time of day (CST)
  int poll_window_end_minutes = 24 * 60;
};

// One bank channel's share for batches: (1 - realtime_share) of max_inflight.
struct BatchJobsChannel {
  int max_inflight = 50;
  double realtime_share = 0.2;
};

struct BatchJobsOptions {
  std::string node = "node1";  // claims are tagged with it (processor.id); recover() uses it
  std::string data_dir;        // the database's folder: work/ and archive/ go under it
  std::map<std::string, BatchJobsCenter> centers;    // by centerId
  std::map<std::string, BatchJobsChannel> channels;  // by channelId
};

struct PullReport {
  int seen = 0;
  int accepted = 0;
  int rejected = 0;
  int skipped = 0;
  int errors = 0;
  std::vector<std::string> lines;  // one per file, for people
};

struct Outlook {
  BatchSummary batch;
  double items_per_second = 0;  // observed on its channels over the last minute
  Instant projected_finish{};   // now + open / throughput (epoch when unknown)
  bool at_risk = false;         // projected after the force-fail time
};

class BatchJobs {
 public:
  // `channels` may be null for CLI steps that send nothing (pull, return). The store, cipher,
  // channels and clock outlive the jobs.
  BatchJobs(BatchJobsOptions options, BatchStore& store, const crypto::FieldCipher& cipher,
            ChannelPort* channels, const Clock& clock);
  ~BatchJobs();

  // Pulls every complete file of a center's inbox ("" = all centers).
  PullReport pull(const std::string& center);
  // Force-fails the batches whose time has come, then publishes every return file due. Each
  // batch stands on its own: one that fails (alerted, naming it) is counted and tried again at
  // the next round, the others go on.
  struct ReturnRound {
    int published = 0;  // return and rejection files published
    int failed = 0;     // batches whose force-fail, file or record failed this round
  };
  Result<ReturnRound> deadlines_and_returns();
  // One pipeline round over every channel: dispatch, resolve, store results. Returns the work done.
  int pump();
  // Items left SENDING by an earlier run of this node become UNKNOWN (queried before any resend).
  Result<int64_t> recover();
  // Applies a channel's notification about a DEBIT. False when the ReqSn is not a batch item's.
  Result<bool> on_debit_notify(const std::string& channel, const std::map<std::string, std::string>& f);

  std::vector<Outlook> outlook(const std::string& center);

  // Background loops for `repay serve`: polling, pipeline, deadlines.
  void start();
  void stop();

 private:
  struct CenterRuntime;
  Status publish(CenterRuntime& c, const std::string& batch_no, const std::string& local_path,
                 const std::string& name);
  Result<ReturnRound> publish_due();
  void pull_one(CenterRuntime& c, PullReport& report);
  void poll_loop();
  void pump_loop();
  void deadline_loop();
  int batch_capacity(const std::string& channel) const;

  const BatchJobsOptions opt_;
  BatchStore& store_;
  const crypto::FieldCipher& cipher_;
  ChannelPort* channels_;
  const Clock& clock_;
  std::string work_dir_;
  std::string archive_dir_;
  std::map<std::string, std::unique_ptr<CenterRuntime>> centers_;
  std::unique_ptr<DebitPipeline> pipeline_;
  std::mutex publish_mu_;

  std::atomic<bool> running_{false};
  std::vector<std::thread> threads_;
};

// Encrypts a received file for the audit archive: 4-byte big-endian length, then a FieldCipher
// blob, per 1 MiB chunk.
Status archive_encrypted(const crypto::FieldCipher& cipher, const std::string& from,
                         const std::string& to);

}  // namespace repay::batch
