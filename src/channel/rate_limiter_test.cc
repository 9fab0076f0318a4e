#include "channel/rate_limiter.h"

#include <doctest/doctest.h>

namespace repay::channel {
namespace {
using namespace std::chrono_literals;
const SteadyTime t0 = SteadyTime() + 1000s;
}  // namespace

TEST_CASE("gate: batch uses at most (1 - realtime_share) of max_inflight") {
  ChannelGate g(10, 1000, 0.2, t0);
  CHECK(g.batch_inflight_cap() == 8);
  CHECK(g.batch_tps() == 800);
  auto t = t0;
  for (int i = 0; i < 8; ++i) {
    t += 10ms;
    REQUIRE(g.may_start(Priority::kBatch, t));
    g.started(Priority::kBatch, t);
  }
  t += 10ms;
  CHECK_FALSE(g.may_start(Priority::kBatch, t));
  CHECK_FALSE(g.retry_at(Priority::kBatch, t).has_value());  // a completion will free a slot
  CHECK(g.may_start(Priority::kRealtime, t));
  g.started(Priority::kRealtime, t);
  g.started(Priority::kRealtime, t);
  CHECK_FALSE(g.may_start(Priority::kRealtime, t));
  g.finished(Priority::kBatch);
  CHECK(g.may_start(Priority::kBatch, t));
  CHECK(g.inflight() == 9);
}

TEST_CASE("gate: a tiny channel still lets batch calls through") {
  ChannelGate g(1, 1, 0.2, t0);
  CHECK(g.batch_inflight_cap() == 1);
  CHECK(g.batch_tps() == 1);
  CHECK(g.may_start(Priority::kBatch, t0));
}

TEST_CASE("gate: starts are smooth and never over max_tps in a second") {
  ChannelGate g(1000, 100, 0.0, t0);
  // A burst of 50 ms worth (5 tokens), then one every 10 ms.
  int started = 0;
  for (int i = 0; i < 10; ++i) {
    if (g.may_start(Priority::kRealtime, t0)) {
      g.started(Priority::kRealtime, t0);
      ++started;
    }
  }
  CHECK(started == 5);
  auto at = g.retry_at(Priority::kRealtime, t0);
  REQUIRE(at.has_value());
  CHECK(*at - t0 <= 10ms);
  CHECK(*at - t0 >= 9ms);
  // Over any run, a one-second window holds at most 100 starts.
  std::vector<SteadyTime> starts(5, t0);
  for (auto t = t0; t < t0 + 3s; t += 1ms) {
    while (g.may_start(Priority::kRealtime, t)) {
      g.started(Priority::kRealtime, t);
      starts.push_back(t);
    }
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t j = i;
    while (j < starts.size() && starts[j] - starts[i] < 1s) ++j;
    CHECK(j - i <= 100);
  }
  CHECK(starts.size() >= 290);
}

TEST_CASE("gate: busy pauses, growing, reset by an answer") {
  ChannelGate g(10, 1000, 0.2, t0);
  g.busy(t0);
  CHECK_FALSE(g.may_start(Priority::kRealtime, t0 + 10ms));
  CHECK(g.retry_at(Priority::kRealtime, t0 + 10ms) == t0 + 50ms);
  CHECK(g.may_start(Priority::kRealtime, t0 + 50ms));
  g.busy(t0 + 50ms);
  CHECK(g.paused_until() == t0 + 150ms);
  for (int i = 0; i < 10; ++i) g.busy(t0 + 200ms);
  CHECK(g.paused_until() == t0 + 2200ms);
  g.not_busy();
  g.busy(t0 + 3s);
  CHECK(g.paused_until() == t0 + 3050ms);
}

TEST_CASE("token bucket and second window") {
  TokenBucket b(10, 1, t0);
  CHECK(b.has_token(t0));
  b.take(t0);
  CHECK_FALSE(b.has_token(t0 + 50ms));
  CHECK(b.has_token(t0 + 100ms));
  SecondWindow w(2);
  w.add(t0);
  w.add(t0 + 100ms);
  CHECK_FALSE(w.has_room(t0 + 500ms));
  CHECK(w.next_room(t0 + 500ms) == t0 + 1s);
  CHECK(w.has_room(t0 + 1s));
}

}  // namespace repay::channel
