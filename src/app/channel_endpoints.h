// The bank channels of the settings as the channel client's endpoints (secrets resolved: the
// current one first, then the next one during a rotation). Used by `repay serve` and by the CLI
// steps that talk to channels (statements).
#pragma once

#include <vector>

#include "settings/settings.h"
#include "channel/channel_client.h"

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names

// Error: the key of a secret that cannot be read (never its value).
Result<std::vector<channel::ChannelEndpoint>> channel_endpoints(const Settings& settings);

}  // namespace repay::app
