#include "channel/channel_metrics.h"

#include "ops/metrics.h"

namespace repay::channel {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kAnswered: return "answered";
    case Outcome::kBusy: return "busy";
    case Outcome::kNotSent: return "not_sent";
    case Outcome::kUnknown: return "unknown";
  }
  return "unknown";
}

void record_call(const ChannelCall& call, const ChannelResult& r) {
  auto& m = ops::metrics();
  m.inc("repay_channel_calls_total", {{"channel", call.channel_id},
                                      {"tx_code", call.tx_code},
                                      {"outcome", outcome_name(r.outcome)},
                                      {"ret_code", r.ret_code}});
  if (r.outcome == Outcome::kNotSent || r.detail == "shutdown") return;
  m.observe("repay_channel_call_seconds", {{"channel", call.channel_id}, {"tx_code", call.tx_code}},
            static_cast<double>(r.elapsed.count()) / 1000.0);
}

}  // namespace repay::channel
