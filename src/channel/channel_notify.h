// An inbound ChannelNotify (channel-api.md: Notifications): the channel POSTs it to
// /channel/notify/<channelId>, signed by the channel.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace repay::channel {

struct ChannelNotify {
  std::string channel_id;
  std::map<std::string, std::string> fields;  // TxCode, ReqSn, Status, RetCode, ...
  std::string nonce;                          // X-Nonce, for the caller's replay check
};

// Verifies and parses a ChannelNotify. `lower_case_headers` holds the request's headers with
// lower-cased names (x-sender-id, x-timestamp, x-nonce, x-signature); `target` is
// "POST " + the request-target as received; `secrets` are the channel's (any may verify).
// Errors: "4001" when X-Sender-Id is not channel_id, a header is missing or badly formed, the
// timestamp is stale or the signature verifies under no secret; "2007" when the body is not a
// well-formed message of the XML profile or its root is not ChannelNotify. The nonce replay check
// is the caller's (it needs a store). Pure apart from reading the clock; thread-safe.
Result<ChannelNotify> parse_channel_notify(const std::string& channel_id,
                                           const std::map<std::string, std::string>& lower_case_headers,
                                           const std::string& target, const std::string& body,
                                           const std::vector<std::string>& secrets,
                                           const Clock& clock);

}  // namespace repay::channel
