// What domain use-cases see of the bank channels: submit a call, get its classified result later.
// The libcurl client (src/channel) implements it; unit tests use a scripted one.
#pragma once

#include <functional>

#include "channel/channel_client.h"

namespace repay {

class ChannelPort {
 public:
  virtual ~ChannelPort() = default;
  // `done` runs exactly once, on a thread of the implementation's choosing; keep it short.
  virtual void submit(channel::ChannelCall call, std::function<void(channel::ChannelResult)> done) = 0;
};

}  // namespace repay
