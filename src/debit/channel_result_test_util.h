// Channel results as a test scripts them (the channel client's classes, codes.md): shared by the
// tests of what a result means (debit/facts_test.cc) and of the pipeline that sends and stores.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "core/channel_port.h"
#include "core/codes.h"

namespace repay::debit::testing {

inline channel::ChannelResult answered(const std::string& ret_code,
                                       std::map<std::string, std::string> fields = {}) {
  channel::ChannelResult r;
  r.outcome = channel::Outcome::kAnswered;
  r.ret_code = ret_code;
  r.mapping = codes::map_channel_code(ret_code);
  fields["RetCode"] = ret_code;
  r.fields = std::move(fields);
  r.http_status = 200;
  return r;
}

inline channel::ChannelResult not_answered(channel::Outcome o, const std::string& detail) {
  channel::ChannelResult r;
  r.outcome = o;
  r.detail = detail;
  if (o == channel::Outcome::kBusy) r.mapping = {codes::ChannelClass::kBusy, ""};
  return r;
}

}  // namespace repay::debit::testing
