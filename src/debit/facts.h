// What a channel says about a DEBIT, as the debit state machine's facts (debit/item.h): a
// DEBIT's answer, a QUERY's answer or a ChannelNotify (channel-api.md; codes.md's outcome
// classes: a timeout or an unlisted code is unknown, never a failure). Pure; both flows read
// the channels' answers with it.
#pragma once

#include <map>
#include <string>

#include "core/channel_port.h"
#include "debit/item.h"

namespace repay::debit {

BankFact fact_from_debit(const channel::ChannelResult& r);
BankFact fact_from_query(const channel::ChannelResult& r);
BankFact fact_from_notify(const std::map<std::string, std::string>& fields);

}  // namespace repay::debit
