#include "core/codes.h"

#include <doctest/doctest.h>

namespace repay::codes {
namespace {

TEST_CASE("our codes have messages") {
  for (const char* c : {kSuccess, kProcessing, kInsufficientFunds, kCardInvalid, kDetailsMismatch,
                        kOverLimit, kCardFrozen, kSmsWrong, kSmsExpired, kDeclinedOther,
                        kAgreementNotFound, kAgreementMismatch, kInvalidCard, kInvalidId,
                        kInvalidAmount, kDuplicate, kInvalidField, kRefundNotAllowed, kNoSuchTxn,
                        kForceFailedUnknown, kForceFailedNotSent, kSignatureRejected,
                        kUnknownCenter, kTooManyRequests, kSystemError}) {
    CAPTURE(c);
    CHECK(is_known(c));
    CHECK_FALSE(message(c).empty());
  }
  CHECK(message("0000") == "success");
  CHECK(message("1001") == "insufficient funds");
  CHECK_FALSE(is_known("1000"));
  CHECK_FALSE(is_known("3099"));
  CHECK_FALSE(is_known(""));
  CHECK(message("F1").empty());
}

TEST_CASE("channel codes map per codes.md") {
  auto m = map_channel_code("0000");
  CHECK(m.cls == ChannelClass::kSuccess);
  CHECK(m.ours == "0000");
  m = map_channel_code("1000");
  CHECK(m.cls == ChannelClass::kDuplicate);
  CHECK(m.ours.empty());
  m = map_channel_code("2000");
  CHECK(m.cls == ChannelClass::kProcessing);
  CHECK(m.ours == "0001");
  for (int i = 1; i <= 7; ++i) {
    std::string ch = "300" + std::to_string(i);
    m = map_channel_code(ch);
    CAPTURE(ch);
    CHECK(m.cls == ChannelClass::kDeclined);
    CHECK(m.ours == "100" + std::to_string(i));
  }
  m = map_channel_code("3099");
  CHECK(m.cls == ChannelClass::kDeclined);
  CHECK(m.ours == "1099");
  m = map_channel_code("4001");
  CHECK(m.cls == ChannelClass::kConfigError);
  CHECK(m.ours == "9999");
  m = map_channel_code("9001");
  CHECK(m.cls == ChannelClass::kBusy);
  CHECK(m.ours.empty());
  // Unknown, never failure: 9999 and anything unlisted.
  for (const char* c : {"9999", "3000", "3008", "3010", "3098", "300", "30011", "0001", "4002",
                        "", "abcd"}) {
    CAPTURE(c);
    m = map_channel_code(c);
    CHECK(m.cls == ChannelClass::kUnknown);
    CHECK(m.ours.empty());
  }
}

}  // namespace
}  // namespace repay::codes
