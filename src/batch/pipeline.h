// The debit pipeline (files.md; channel-api.md "What the processor does"): claims items with their
// ReqSn stored before the call, keeps each channel busy within the batch share of its limits,
// resolves unknown outcomes by QUERY on a backoff schedule, and stores results in groups.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "batch/ports.h"
#include "core/channel_port.h"
#include "core/clock.h"
#include "debit/facts.h"

namespace repay::batch {

struct PipelineOptions {
  std::string node = "node1";  // claims are tagged with it; recover_claims() uses it
  int claim_chunk = 256;
  // Next QUERY after an unknown outcome: the n-th query waits query_backoff[n] (the last repeats).
  std::vector<std::chrono::milliseconds> query_backoff = {
      std::chrono::seconds(2), std::chrono::seconds(5), std::chrono::seconds(15),
      std::chrono::seconds(30), std::chrono::seconds(60), std::chrono::seconds(120)};
  std::chrono::milliseconds busy_backoff{1000};
  std::chrono::milliseconds query_lease{30000};
};

// A channel's notification of a batch item reads as any debit's (debit/facts.h).
using debit::fact_from_notify;

class DebitPipeline {
 public:
  DebitPipeline(BatchStore& store, ChannelPort& channels, const Clock& clock,
                PipelineOptions options);

  // Claims up to `capacity` items of `channel` and submits their DEBITs. Returns the number sent.
  Result<int> dispatch(const std::string& channel, int capacity);
  // Claims up to `max` items of `channel` with a query due and submits QUERYs.
  Result<int> resolve(const std::string& channel, int max);
  // Stores the results collected so far in one transaction. Returns how many were stored.
  Result<int> flush();
  // Calls submitted and not answered yet, per channel (debits and queries).
  int outstanding(const std::string& channel) const;
  // Facts waiting for flush().
  size_t buffered() const;

 private:
  void collect(BatchStore::Fact f, const std::string& channel);
  Instant query_time(int query_count) const;

  BatchStore& store_;
  ChannelPort& channels_;
  const Clock& clock_;
  PipelineOptions options_;
  mutable std::mutex mu_;
  std::vector<BatchStore::Fact> buffer_;
  std::map<std::string, int> outstanding_;
};

}  // namespace repay::batch
