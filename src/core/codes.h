// Response codes (spec/codes.md): ours, file statuses, and the channel's mapped to ours.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace repay::codes {

inline constexpr const char* kSuccess = "0000";
inline constexpr const char* kProcessing = "0001";
inline constexpr const char* kInsufficientFunds = "1001";
inline constexpr const char* kCardInvalid = "1002";
inline constexpr const char* kDetailsMismatch = "1003";
inline constexpr const char* kOverLimit = "1004";
inline constexpr const char* kCardFrozen = "1005";
inline constexpr const char* kSmsWrong = "1006";
inline constexpr const char* kSmsExpired = "1007";
inline constexpr const char* kDeclinedOther = "1099";
inline constexpr const char* kAgreementNotFound = "2001";
inline constexpr const char* kAgreementMismatch = "2002";
inline constexpr const char* kInvalidCard = "2003";
inline constexpr const char* kInvalidId = "2004";
inline constexpr const char* kInvalidAmount = "2005";
inline constexpr const char* kDuplicate = "2006";
inline constexpr const char* kInvalidField = "2007";
inline constexpr const char* kRefundNotAllowed = "2008";
inline constexpr const char* kNoSuchTxn = "2009";
inline constexpr const char* kForceFailedUnknown = "3001";
inline constexpr const char* kForceFailedNotSent = "3002";
inline constexpr const char* kSignatureRejected = "4001";
inline constexpr const char* kUnknownCenter = "4002";
inline constexpr const char* kTooManyRequests = "4003";
inline constexpr const char* kSystemError = "9999";

// The default message of one of our codes ("success", "insufficient funds", ...); "" if unknown.
std::string_view message(std::string_view code);
// True for a code in our table.
bool is_known(std::string_view code);

// How a channel RetCode reads (codes.md, "Channel's").
enum class ChannelClass {
  kSuccess,     // 0000
  kDuplicate,   // 1000: the body carries the original's state
  kProcessing,  // 2000
  kDeclined,    // 3001..3099: final failure, mapped code in `ours`
  kConfigError, // 4001: signature rejected (ours: 9999 and an alert)
  kBusy,        // 9001 or HTTP 429: not registered, retry the same ReqSn later
  kUnknown,     // 9999, an unlisted code, or no usable answer: query, never treat as failure
};
struct ChannelMapping {
  ChannelClass cls;
  std::string ours;  // our code: "0000", "0001", "1001".., "9999"; "" for duplicate/busy/unknown
};
ChannelMapping map_channel_code(std::string_view ret_code);

}  // namespace repay::codes
