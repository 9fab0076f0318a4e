// Operations wiring for `repay serve`: the metric families' help texts, the collectors read at
// each scrape (channel in-flight and queued calls, the store's gauges), and the GET /metrics
// handler that the admin listener's router serves (console/router.h).
#pragma once

#include <memory>

#include "settings/settings.h"
#include "channel/channel_client.h"
#include "core/clock.h"
#include "server/http_server.h"
#include "ops/store_gauges.h"

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names

// Declares the families on ops::metrics() and adds the collectors (once per process: the
// registry is global). `channels`, `store` and `clock` outlive the handler.
server::Handler install_metrics(const Settings& settings, const channel::ChannelClient& channels,
                                ops::OpsStore& store, const Clock& clock);

}  // namespace repay::app
