#include "batch/pipeline.h"

#include <algorithm>

#include "core/channel_query.h"
#include "core/codes.h"
#include "core/log.h"
#include "core/validate.h"

namespace repay::batch {
namespace {

std::string field(const std::map<std::string, std::string>& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? std::string() : it->second;
}

// Our code for a channel's final decline code ("OrigRetCode"); 1099 when it is not a decline.
std::string decline_code(const std::string& channel_code) {
  auto m = codes::map_channel_code(channel_code);
  return m.cls == codes::ChannelClass::kDeclined ? m.ours : std::string(codes::kDeclinedOther);
}

// A Status/OrigRetCode pair (duplicate answers, QUERY, notifications) as a fact.
BankFact fact_of_status(const std::map<std::string, std::string>& f) {
  BankFact b;
  const std::string status = field(f, "Status");
  if (status == "SUCCESS") {
    b.kind = BankFact::Kind::kSuccess;
    b.channel_txn_no = field(f, "ChannelTxnNo");
    b.settle_date = field(f, "SettleDate");
  } else if (status == "FAILED") {
    b.kind = BankFact::Kind::kFailed;
    std::string orig = field(f, "OrigRetCode");
    if (orig.empty()) orig = field(f, "RetCode");
    b.code = decline_code(orig);
  } else if (status == "NOT_FOUND") {
    b.kind = BankFact::Kind::kNotFound;
  } else {
    b.kind = BankFact::Kind::kUnknown;
    b.detail = "status " + (status.empty() ? std::string("missing") : status);
  }
  if (auto a = parse_amount(field(f, "Amount"))) b.amount = *a;
  return b;
}

}  // namespace

BankFact fact_from_debit(const channel::ChannelResult& r) {
  BankFact b;
  b.detail = r.detail;
  switch (r.outcome) {
    case channel::Outcome::kBusy:
      b.kind = BankFact::Kind::kBusy;
      return b;
    case channel::Outcome::kNotSent:
      b.kind = BankFact::Kind::kNotSent;
      return b;
    case channel::Outcome::kUnknown:
      b.kind = BankFact::Kind::kUnknown;
      return b;
    case channel::Outcome::kAnswered:
      break;
  }
  switch (r.mapping.cls) {
    case codes::ChannelClass::kSuccess:
      b.kind = BankFact::Kind::kSuccess;
      b.channel_txn_no = field(r.fields, "ChannelTxnNo");
      b.settle_date = field(r.fields, "SettleDate");
      return b;
    case codes::ChannelClass::kDeclined:
      b.kind = BankFact::Kind::kFailed;
      b.code = r.mapping.ours;
      return b;
    case codes::ChannelClass::kDuplicate:
      return fact_of_status(r.fields);  // the original's state (channel-api.md: 1000)
    case codes::ChannelClass::kConfigError:
      // channel-api.md: a request answered 4001 did not register its ReqSn and is sent again
      // later with the same ReqSn — like 9001 — and codes.md: an alert, our configuration is
      // wrong. (The channel client never lets libcurl resend a request by itself, so a 4001 is
      // never the answer to a second copy of an executed one: channel/channel_curl.cc.)
      log::alert("channel.signature_rejected", {{"detail", r.detail}});
      b.kind = BankFact::Kind::kBusy;
      return b;
    case codes::ChannelClass::kBusy:
      b.kind = BankFact::Kind::kBusy;
      return b;
    default:  // 2000 processing, 9999 unknown
      b.kind = BankFact::Kind::kUnknown;
      b.detail = "RetCode " + r.ret_code;
      return b;
  }
}

BankFact fact_from_query(const channel::ChannelResult& r) {
  // channel-api.md: QUERY's own RetCode says only whether the query was answered.
  if (r.outcome != channel::Outcome::kAnswered || r.ret_code != codes::kSuccess) {
    BankFact b;
    b.kind = BankFact::Kind::kUnknown;
    b.detail = "query not answered: " + r.detail + " " + r.ret_code;
    return b;
  }
  return fact_of_status(r.fields);
}

BankFact fact_from_notify(const std::map<std::string, std::string>& fields) {
  return fact_of_status(fields);
}

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
      BankFact f = fact_from_debit(r);
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
      BankFact f = fact_from_query(r);
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
