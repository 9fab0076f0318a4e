#include "batch/pipeline.h"

#include <algorithm>

#include "core/channel_query.h"
#include "core/codes.h"
#include "core/log.h"
#include "debit/facts.h"

namespace repay::batch {

DebitPipeline::DebitPipeline(BatchStore& store, ChannelPort& channels, const Clock& clock,
                             PipelineOptions options)
    : store_(store), channels_(channels), clock_(clock), options_(std::move(options)) {}

Instant DebitPipeline::query_time(int query_count) const {
  const auto& b = options_.query_backoff;
  size_t i = std::min(static_cast<size_t>(std::max(query_count, 0)), b.size() - 1);
  return clock_.now() + b[i];
}

void DebitPipeline::collect(BatchStore::Fact f, const std::string& channel) {
  std::lock_guard<std::mutex> lock(mu_);
  buffer_.push_back(std::move(f));
  --outstanding_[channel];
}

Result<int> DebitPipeline::dispatch(const std::string& channel, int capacity) {
  if (capacity <= 0) return 0;
  auto tasks = store_.claim_debits(channel, std::min(capacity, options_.claim_chunk), clock_.now(),
                                   options_.node);
  if (!tasks) return tasks.error();
  for (auto& t : *tasks) {
    channel::ChannelCall call;
    call.channel_id = t.channel_id;
    call.tx_code = "DEBIT";
    call.req_sn = t.req_sn;
    call.priority = channel::Priority::kBatch;
    call.not_after = t.force_fail_at;  // files.md: never sent after its force-fail time
    call.fields.emplace_back("Amount", format_amount(t.debit_amount));
    if (t.kind == "QUICK") {
      call.fields.emplace_back("ProtocolNo", t.protocol_no);
    } else {
      call.fields.emplace_back("CardNo", t.card_no);
      call.fields.emplace_back("Name", t.name);
      call.fields.emplace_back("IdType", t.id_type);
      call.fields.emplace_back("IdNo", t.id_no);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++outstanding_[channel];
    }
    ItemKey key{t.center_id, t.batch_no, t.seq};
    channels_.submit(std::move(call), [this, key, channel](channel::ChannelResult r) {
      BankFact f = debit::fact_from_debit(r);
      Instant retry = f.kind == BankFact::Kind::kUnknown ? query_time(0)
                                                          : clock_.now() + options_.busy_backoff;
      collect(BatchStore::Fact{key, std::move(f), retry}, channel);
    });
  }
  return static_cast<int>(tasks->size());
}

Result<int> DebitPipeline::resolve(const std::string& channel, int max) {
  if (max <= 0) return 0;
  auto tasks = store_.claim_queries(channel, max, clock_.now(), options_.query_lease);
  if (!tasks) return tasks.error();
  for (auto& t : *tasks) {
    // QUERY has a fresh ReqSn of its own (channel-api.md), reserved by the claim.
    channel::ChannelCall call =
        query_call(t.channel_id, t.query_req_sn, t.req_sn, channel::Priority::kBatch);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++outstanding_[channel];
    }
    ItemKey key{t.center_id, t.batch_no, t.seq};
    int count = t.query_count + 1;
    channels_.submit(std::move(call), [this, key, channel, count](channel::ChannelResult r) {
      BankFact f = debit::fact_from_query(r);
      Instant retry = f.kind == BankFact::Kind::kNotFound ? clock_.now() : query_time(count);
      collect(BatchStore::Fact{key, std::move(f), retry}, channel);
    });
  }
  return static_cast<int>(tasks->size());
}

Result<int> DebitPipeline::flush() {
  std::vector<BatchStore::Fact> facts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    facts.swap(buffer_);
  }
  if (facts.empty()) return 0;
  auto r = store_.apply_facts(facts, clock_.now(), "job:pipeline:" + options_.node);
  if (!r) {
    // Kept for the next flush; should the process die first, the items are still SENDING or
    // UNKNOWN in the store and are resolved by QUERY after recovery.
    log::error("batch.flush_failed", {{"facts", std::to_string(facts.size())},
                                      {"error", r.error().to_string()}});
    std::lock_guard<std::mutex> lock(mu_);
    buffer_.insert(buffer_.begin(), facts.begin(), facts.end());
    return r.error();
  }
  return static_cast<int>(facts.size());
}

int DebitPipeline::outstanding(const std::string& channel) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = outstanding_.find(channel);
  return it == outstanding_.end() ? 0 : it->second;
}

size_t DebitPipeline::buffered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffer_.size();
}

}  // namespace repay::batch
