// What the channel client tells the metrics (ops/metrics.h) and the message log
// (core/message_log.h) about each call. Called on the client's event thread.
#pragma once

#include "channel/channel_client.h"

namespace repay::channel {

// repay_channel_calls_total{channel,tx_code,outcome,ret_code} and, for calls that went on the
// wire, repay_channel_call_seconds{channel,tx_code}.
void record_call(const ChannelCall& call, const ChannelResult& result);

// "answered", "busy", "not_sent", "unknown".
const char* outcome_name(Outcome o);

}  // namespace repay::channel
