#include "app/channel_endpoints.h"

namespace repay::app {

Result<std::vector<channel::ChannelEndpoint>> channel_endpoints(const Settings& settings) {
  std::vector<channel::ChannelEndpoint> out;
  for (const auto& [id, ch] : settings.channels) {
    channel::ChannelEndpoint e;
    e.channel_id = id;
    e.kind = ch.kind;
    e.base_url = ch.base_url;
    e.merchant_id = ch.merchant_id;
    auto s = resolve_secret(ch.secret, "channel." + id + ".secret");
    if (!s) return s.error();
    e.secrets.push_back(*s);
    if (!ch.next_secret.file.empty() || !ch.next_secret.env.empty()) {
      auto n = resolve_secret(ch.next_secret, "channel." + id + ".next_secret");
      if (!n) return n.error();
      e.secrets.push_back(*n);
    }
    e.max_inflight = ch.max_inflight;
    e.max_tps = ch.max_tps;
    e.connect_timeout = ch.connect_timeout;
    e.request_timeout = ch.request_timeout;
    e.realtime_share = ch.realtime_share;
    e.ca_file = settings.processor.ca_file;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace repay::app
