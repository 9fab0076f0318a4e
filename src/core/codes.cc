// The tables of spec/codes.md.
#include "core/codes.h"

#include <array>
#include <utility>

namespace repay::codes {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 25> kOurs{{
    {"0000", "success"},
    {"0001", "accepted, processing"},
    {"1001", "insufficient funds"},
    {"1002", "debit card invalid, closed or not supported"},
    {"1003", "card details do not match"},
    {"1004", "over the card's or channel's limit"},
    {"1005", "card frozen or restricted"},
    {"1006", "SMS code wrong"},
    {"1007", "SMS code expired or tries used up"},
    {"1099", "declined by the bank"},
    {"2001", "agreement not found or not active"},
    {"2002", "agreement does not match the cards or holder given"},
    {"2003", "invalid card number"},
    {"2004", "invalid ID"},
    {"2005", "invalid amount"},
    {"2006", "duplicate itemId or ReqNo"},
    {"2007", "invalid or missing field"},
    {"2008", "refund not allowed"},
    {"2009", "no such transaction"},
    {"3001", "force-failed: sent, result unknown"},
    {"3002", "not sent before the force-fail time"},
    {"4001", "signature, timestamp or nonce rejected"},
    {"4002", "unknown card center or inactive"},
    {"4003", "too many requests, retry later"},
    {"9999", "system error, retry later"},
}};

}  // namespace

std::string_view message(std::string_view code) {
  for (const auto& [c, m] : kOurs) {
    if (c == code) return m;
  }
  return {};
}

bool is_known(std::string_view code) { return !message(code).empty(); }

ChannelMapping map_channel_code(std::string_view ret_code) {
  if (ret_code == "0000") return {ChannelClass::kSuccess, kSuccess};
  if (ret_code == "1000") return {ChannelClass::kDuplicate, ""};
  if (ret_code == "2000") return {ChannelClass::kProcessing, kProcessing};
  // 3001..3007 map to 1001..1007 and 3099 to 1099; any other 3xxx is unlisted, hence unknown.
  if (ret_code.size() == 4 && ret_code.starts_with("30")) {
    std::string_view tail = ret_code.substr(2);
    if ((tail >= "01" && tail <= "07") || tail == "99") {
      return {ChannelClass::kDeclined, "10" + std::string(tail)};
    }
  }
  if (ret_code == "4001") return {ChannelClass::kConfigError, kSystemError};
  if (ret_code == "9001") return {ChannelClass::kBusy, ""};
  // 9999 and anything not in the table: unknown, never failure (codes.md).
  return {ChannelClass::kUnknown, ""};
}

}  // namespace repay::codes
