// Values of the command line that need checking or loading: the listen address and the
// --channel specs with their secrets.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "simulator/service.h"

namespace repay::sim {

// "127.0.0.1:0" -> address and port. Errors: code "CONFIG".
Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen);
// "CH01,QUICK,M0001,/run/secret" -> the channel, its secrets loaded. Errors: code "CONFIG".
Result<ChannelConfig> parse_channel(const std::string& spec);
// "env:NAME" reads the variable NAME; anything else is a file whose first non-empty line is the
// current secret and second (optional) the next one. Errors: code "CONFIG".
Result<std::vector<std::string>> load_secrets(const std::string& ref);

}  // namespace repay::sim
