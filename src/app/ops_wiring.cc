#include "app/ops_wiring.h"

#include <stdexcept>

#include "core/log.h"
#include "ops/metrics.h"
#include "ops/store_gauges.h"

namespace repay::app {

using ops::Family;
using ops::Kind;

namespace {

void declare_families() {
  auto& m = ops::metrics();
  m.declare("repay_channel_calls_total", Kind::kCounter,
            "calls to bank channels by channel, TxCode, outcome (answered, busy, not_sent, unknown) and RetCode");
  m.declare("repay_channel_call_seconds", Kind::kHistogram,
            "duration of the HTTP exchange with a bank channel (queueing not included)", ops::latency_buckets());
  m.declare("repay_api_answers_total", Kind::kCounter,
            "card-center API answers by center, txCode, RespCode and HTTP status");
  m.declare("repay_api_request_seconds", Kind::kHistogram,
            "time from a card-center request's arrival to its answer", ops::latency_buckets());
  m.declare("repay_up", Kind::kGauge,
            "0 starting (recovering claims), 1 serving, 2 draining after SIGTERM (card-center "
            "requests refused with 503 9999, channel notifications still taken)");
  m.set("repay_up", {}, 0);
}

}  // namespace

server::Handler install_metrics(const Settings& settings, const channel::ChannelClient& channels,
                                ops::OpsStore& store, const Clock& clock) {
  declare_families();
  std::vector<std::string> channel_ids;
  for (const auto& [id, ch] : settings.channels) channel_ids.push_back(id);
  auto& m = ops::metrics();
  m.set_collector("channels", [&channels, channel_ids](std::vector<Family>& out) {
    Family inflight{"repay_channel_inflight", "calls on the wire per channel", Kind::kGauge, {}};
    Family queued{"repay_channel_queued", "calls waiting per channel and priority", Kind::kGauge, {}};
    for (const auto& id : channel_ids) {
      auto s = channels.stats(id);
      inflight.add({{"channel", id}}, s.inflight);
      queued.add({{"channel", id}, {"priority", "realtime"}}, s.queued_realtime);
      queued.add({{"channel", id}, {"priority", "batch"}}, s.queued_batch);
    }
    out.push_back(std::move(inflight));
    out.push_back(std::move(queued));
  });
  m.set_collector("store", [&store, &clock](std::vector<Family>& out) {
    auto r = store.read_gauges();
    if (!r) {
      // lessons.md: a failing side job alerts, never blocks; the scrape counts it.
      log::warn("metrics.store_gauges_failed", {{"error", r.error().to_string()}});
      throw std::runtime_error("store gauges");
    }
    for (auto& f : ops::families(*r, clock.now())) out.push_back(std::move(f));
  });
  return [](server::HttpRequest&&, server::Respond respond) {
    server::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = ops::metrics().render();
    respond(std::move(r));
  };
}

}  // namespace repay::app
