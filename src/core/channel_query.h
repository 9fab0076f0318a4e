// channel-api.md, QUERY: what the bank did with an earlier call. Built the same way by every
// flow that resolves an unknown outcome (batch items, real-time repayments and refunds, a card
// center's query), so the rule lives once.
#pragma once

#include <string>

#include "core/channel_port.h"

namespace repay {

// A QUERY of the call sent under `orig_req_sn`, with a fresh ReqSn of its own (`query_req_sn`,
// reserved from the one ReqSn sequence before the call: a QUERY never reuses a ReqSn).
channel::ChannelCall query_call(const std::string& channel_id, const std::string& query_req_sn,
                                const std::string& orig_req_sn, channel::Priority priority);

}  // namespace repay
