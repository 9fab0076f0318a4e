// The debit pipeline with a fake BatchStore and a scripted ChannelPort: what it sends, and when
// it stores.
#include "batch/pipeline.h"

#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <utility>

#include "core/codes.h"
#include "core/validate.h"
#include "debit/channel_result_test_util.h"

namespace repay::batch {
namespace {

using debit::testing::answered;
using debit::testing::not_answered;

using namespace std::chrono_literals;
using K = BankFact::Kind;

const Instant kNow = from_unix_ms(1'790'000'000'000);

// ---------------------------------------------------------------------------------------------
// DebitPipeline

class FakeStore final : public BatchStore {
 public:
  std::vector<DebitTask> debits;   // handed out by claim_debits (up to max)
  std::vector<DebitTask> queries;  // handed out by claim_queries
  struct ClaimCall {
    std::string channel;
    int max;
    Instant now;
    std::string node_or_lease;
  };
  std::vector<ClaimCall> claims;
  std::vector<std::vector<Fact>> applied;
  std::vector<std::string> actors;
  bool fail_apply = false;

  Result<std::vector<DebitTask>> claim_debits(const std::string& channel, int max, Instant now,
                                              const std::string& node) override {
    claims.push_back({channel, max, now, node});
    std::vector<DebitTask> out;
    while (!debits.empty() && static_cast<int>(out.size()) < max) {
      out.push_back(debits.front());
      debits.erase(debits.begin());
    }
    return out;
  }
  Result<std::vector<DebitTask>> claim_queries(const std::string& channel, int max, Instant now,
                                               std::chrono::milliseconds lease) override {
    claims.push_back({channel, max, now, std::to_string(lease.count())});
    std::vector<DebitTask> out;
    out.swap(queries);
    return out;
  }
  Result<std::vector<Transition>> apply_facts(const std::vector<Fact>& facts, Instant,
                                              const std::string& actor) override {
    if (fail_apply) return make_error("DB", "disk full");
    applied.push_back(facts);
    actors.push_back(actor);
    return std::vector<Transition>(facts.size());
  }

  // Not used by the pipeline.
  Result<std::optional<FileRecord>> find_file(const std::string&, const std::string&,
                                              const std::string&) override {
    return std::optional<FileRecord>();
  }
  Result<std::optional<std::string>> accepted_batch_sha(const std::string&,
                                                        const std::string&) override {
    return std::optional<std::string>();
  }
  Result<int> record_rejection(FileRecord) override { return 1; }
  Status discard_loading(const std::string&, const std::string&) override { return ok_status(); }
  Result<std::unique_ptr<ItemLoader>> start_loading(const NewBatch&) override {
    return make_error("NO", "not in this fake");
  }
  Result<std::optional<ItemKey>> item_by_req_sn(const std::string&, const std::string&) override {
    return std::optional<ItemKey>();
  }
  Result<int64_t> recover_claims(const std::string&, Instant) override { return int64_t{0}; }
  Result<ForceFailRound> force_fail_due(Instant, const std::string&) override {
    return ForceFailRound();
  }
  Result<std::vector<BatchSummary>> returns_due() override { return std::vector<BatchSummary>(); }
  Result<std::vector<FileRecord>> rejections_due() override { return std::vector<FileRecord>(); }
  Status for_each_return_line(const std::string&, const std::string&,
                              const std::function<Status(const ReturnRow&)>&) override {
    return ok_status();
  }
  Status mark_returned(const std::string&, const std::string&, const std::string&,
                       Instant) override {
    return ok_status();
  }
  Status mark_rejection_returned(const std::string&, const std::string&, const std::string&,
                                 Instant) override {
    return ok_status();
  }
  Result<std::vector<BatchSummary>> batches(const std::string&, bool) override {
    return std::vector<BatchSummary>();
  }
  Result<std::optional<BatchSummary>> batch(const std::string&, const std::string&) override {
    return std::optional<BatchSummary>();
  }
  Result<std::vector<BatchSummary>> returned_batches(Instant, int) override {
    return std::vector<BatchSummary>();
  }
  Result<int64_t> finished_since(const std::string&, const std::string&, Instant) override { return 0; }
};

// Keeps every call; the test answers them when it likes.
class ScriptedChannels final : public ChannelPort {
 public:
  struct Pending {
    channel::ChannelCall call;
    std::function<void(channel::ChannelResult)> done;
  };
  std::vector<Pending> calls;
  void submit(channel::ChannelCall call, std::function<void(channel::ChannelResult)> done) override {
    calls.push_back({std::move(call), std::move(done)});
  }
  void answer(size_t i, channel::ChannelResult r) { calls.at(i).done(std::move(r)); }
};

std::string field_of(const channel::ChannelCall& c, const std::string& name) {
  for (const auto& [k, v] : c.fields) {
    if (k == name) return v;
  }
  return "<absent>";
}

DebitTask task(int64_t seq, const std::string& kind) {
  DebitTask t;
  t.center_id = "CC01";
  t.batch_no = "B001";
  t.seq = seq;
  t.version = 1;
  t.txn_no = "T" + std::to_string(seq);
  t.req_sn = "RS0000000000000" + std::to_string(seq);
  t.channel_id = "CB1";
  t.agreement_no = "AG" + std::to_string(seq);
  t.debit_amount = 10'000 + seq * 100;
  t.force_fail_at = kNow + 8h;
  t.kind = kind;
  if (kind == "QUICK") {
    t.protocol_no = "PROT" + std::to_string(seq);
  } else {
    t.card_no = "6222000011110011";
    t.name = "张三";
    t.id_type = "01";
    t.id_no = "110101199001010015";
  }
  return t;
}

struct Rig {
  FakeStore store;
  ScriptedChannels channels;
  ManualClock clock{kNow};
  PipelineOptions options = [] {
    PipelineOptions o;
    o.node = "nodeA";
    o.claim_chunk = 2;
    o.busy_backoff = 1500ms;
    o.query_backoff = {2s, 5s, 15s};
    o.query_lease = 30s;
    return o;
  }();
  DebitPipeline pipe{store, channels, clock, options};
};

TEST_CASE("dispatch: DEBIT fields for QUICK and COLLECT, amount, not_after, priority") {
  Rig r;
  r.store.debits = {task(1, "QUICK"), task(2, "COLLECT"), task(3, "QUICK")};
  auto sent = r.pipe.dispatch("CB1", 10);
  REQUIRE(sent.ok());
  CHECK(*sent == 2);  // claim_chunk bounds a claim
  REQUIRE(r.store.claims.size() == 1);
  CHECK(r.store.claims[0].channel == "CB1");
  CHECK(r.store.claims[0].max == 2);
  CHECK(r.store.claims[0].now == kNow);
  CHECK(r.store.claims[0].node_or_lease == "nodeA");
  REQUIRE(r.channels.calls.size() == 2);

  const auto& quick = r.channels.calls[0].call;
  CHECK(quick.tx_code == "DEBIT");
  CHECK(quick.channel_id == "CB1");
  CHECK(quick.req_sn == "RS00000000000001");
  CHECK(quick.priority == channel::Priority::kBatch);
  CHECK(quick.not_after == kNow + 8h);
  CHECK(field_of(quick, "Amount") == "10100");
  CHECK(field_of(quick, "ProtocolNo") == "PROT1");
  CHECK(field_of(quick, "CardNo") == "<absent>");
  CHECK(quick.fields.size() == 2);

  const auto& collect = r.channels.calls[1].call;
  CHECK(field_of(collect, "Amount") == "10200");
  CHECK(field_of(collect, "CardNo") == "6222000011110011");
  CHECK(field_of(collect, "Name") == "张三");
  CHECK(field_of(collect, "IdType") == "01");
  CHECK(field_of(collect, "IdNo") == "110101199001010015");
  CHECK(field_of(collect, "ProtocolNo") == "<absent>");
  CHECK(collect.fields.size() == 5);

  CHECK(r.pipe.dispatch("CB1", 0).value() == 0);
  CHECK(r.store.claims.size() == 1);  // no capacity: no claim
}

TEST_CASE("dispatch: results are buffered until flush, outstanding counts calls in flight") {
  Rig r;
  r.store.debits = {task(1, "QUICK"), task(2, "COLLECT")};
  REQUIRE(r.pipe.dispatch("CB1", 5).value() == 2);
  CHECK(r.pipe.outstanding("CB1") == 2);
  CHECK(r.pipe.outstanding("OTHER") == 0);
  CHECK(r.pipe.buffered() == 0);

  r.clock.advance(100ms);
  r.channels.answer(0, answered("0000", {{"ChannelTxnNo", "CT1"}, {"SettleDate", "20261121"}}));
  CHECK(r.pipe.outstanding("CB1") == 1);
  CHECK(r.pipe.buffered() == 1);
  CHECK(r.store.applied.empty());  // nothing stored before flush

  r.channels.answer(1, not_answered(channel::Outcome::kUnknown, "timeout"));
  CHECK(r.pipe.outstanding("CB1") == 0);
  CHECK(r.pipe.buffered() == 2);

  auto n = r.pipe.flush();
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(r.pipe.buffered() == 0);
  REQUIRE(r.store.applied.size() == 1);
  const auto& facts = r.store.applied[0];
  REQUIRE(facts.size() == 2);
  CHECK(facts[0].key.center_id == "CC01");
  CHECK(facts[0].key.batch_no == "B001");
  CHECK(facts[0].key.seq == 1);
  CHECK(facts[0].fact.kind == K::kSuccess);
  CHECK(facts[1].key.seq == 2);
  CHECK(facts[1].fact.kind == K::kUnknown);
  // An unknown outcome is queried after the first backoff step.
  CHECK(facts[1].retry_at == kNow + 100ms + 2s);
  CHECK(r.store.actors[0] == "job:pipeline:nodeA");

  CHECK(r.pipe.flush().value() == 0);  // nothing left
  CHECK(r.store.applied.size() == 1);
}

TEST_CASE("dispatch: a busy answer is sent again after busy_backoff") {
  Rig r;
  r.store.debits = {task(1, "QUICK")};
  REQUIRE(r.pipe.dispatch("CB1", 5).value() == 1);
  r.channels.answer(0, not_answered(channel::Outcome::kBusy, "HTTP 429"));
  REQUIRE(r.pipe.flush().value() == 1);
  const auto& f = r.store.applied.at(0).at(0);
  CHECK(f.fact.kind == K::kBusy);
  CHECK(f.retry_at == kNow + 1500ms);
}

TEST_CASE("flush: a failed store keeps the facts for the next flush") {
  Rig r;
  r.store.debits = {task(1, "QUICK")};
  REQUIRE(r.pipe.dispatch("CB1", 5).value() == 1);
  r.channels.answer(0, answered("3001"));
  r.store.fail_apply = true;
  CHECK_FALSE(r.pipe.flush().ok());
  CHECK(r.pipe.buffered() == 1);
  r.store.fail_apply = false;
  CHECK(r.pipe.flush().value() == 1);
  CHECK(r.store.applied.at(0).at(0).fact.code == "1001");
}

TEST_CASE("resolve: QUERY with OrigReqSn and the fresh ReqSn its claim reserved") {
  Rig r;
  DebitTask q0 = task(1, "QUICK");
  q0.query_count = 0;
  q0.query_req_sn = "RS00000000000101";
  DebitTask q1 = task(2, "COLLECT");
  q1.query_count = 1;
  q1.query_req_sn = "RS00000000000102";
  r.store.queries = {q0, q1};
  auto n = r.pipe.resolve("CB1", 10);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(r.store.claims.at(0).max == 10);
  CHECK(r.store.claims.at(0).node_or_lease == "30000");
  REQUIRE(r.channels.calls.size() == 2);
  const auto& c0 = r.channels.calls[0].call;
  CHECK(c0.tx_code == "QUERY");
  CHECK(c0.priority == channel::Priority::kBatch);
  CHECK(field_of(c0, "OrigReqSn") == q0.req_sn);
  // channel-api.md: a ReqSn of its own, from the store's one sequence (never derived from the
  // item's, whose counters restart).
  CHECK(c0.req_sn == q0.query_req_sn);
  CHECK(r.channels.calls[1].call.req_sn == q1.query_req_sn);
  CHECK(r.pipe.outstanding("CB1") == 2);

  DebitTask again = q0;
  again.query_count = 1;
  again.query_req_sn = "RS00000000000103";
  r.store.queries = {again};
  REQUIRE(r.pipe.resolve("CB1", 10).value() == 1);
  CHECK(r.channels.calls[2].call.req_sn == again.query_req_sn);

  r.clock.advance(1s);
  r.channels.answer(0, answered("0000", {{"Status", "NOT_FOUND"}}));
  r.channels.answer(1, answered("0000", {{"Status", "PROCESSING"}}));
  r.channels.answer(2, not_answered(channel::Outcome::kUnknown, "reset"));
  CHECK(r.pipe.outstanding("CB1") == 0);
  REQUIRE(r.pipe.flush().value() == 3);
  const auto& facts = r.store.applied.at(0);
  CHECK(facts[0].fact.kind == K::kNotFound);
  CHECK(facts[0].retry_at == kNow + 1s);  // resent at once
  CHECK(facts[1].fact.kind == K::kUnknown);
  CHECK(facts[1].retry_at == kNow + 1s + 15s);  // query_count 1 -> the third step
  CHECK(facts[2].retry_at == kNow + 1s + 15s);
}

TEST_CASE("resolve: the backoff's last step repeats") {
  Rig r;
  DebitTask q = task(1, "QUICK");
  q.query_count = 40;
  r.store.queries = {q};
  REQUIRE(r.pipe.resolve("CB1", 1).value() == 1);
  r.channels.answer(0, answered("0000", {{"Status", "PROCESSING"}}));
  REQUIRE(r.pipe.flush().value() == 1);
  CHECK(r.store.applied.at(0).at(0).retry_at == kNow + 15s);
}

}  // namespace
}  // namespace repay::batch
