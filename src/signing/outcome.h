// How a signing call reads a channel's result (codes.md): the elements matched (or the SMS was
// sent / the protocol made), a final decline with our code, or "not executed" — busy, unknown or
// our own configuration rejected — which the card center may retry with the same ReqNo.
#pragma once

#include <string>

#include "channel/channel_client.h"

namespace repay::signing {

struct BankVerdict {
  enum class Kind { kOk, kDeclined, kNotExecuted };
  Kind kind = Kind::kNotExecuted;
  std::string code;    // ours, for kDeclined
  std::string detail;  // for logs, for kNotExecuted
  bool alert = false;  // the channel rejected our signature: configuration is wrong
};

BankVerdict read_signing_result(const channel::ChannelResult& r);

}  // namespace repay::signing
