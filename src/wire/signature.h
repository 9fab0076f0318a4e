// Message signatures (common.md: Signatures):
//   X-Signature = hex(HMAC_SHA256(secret, senderId "\n" X-Timestamp "\n" X-Nonce "\n" target "\n" body))
// target is "METHOD request-target" for requests and "" for answers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace repay::wire {

inline constexpr const char* kHeaderSender = "X-Sender-Id";
inline constexpr const char* kHeaderTimestamp = "X-Timestamp";
inline constexpr const char* kHeaderNonce = "X-Nonce";
inline constexpr const char* kHeaderSignature = "X-Signature";
inline constexpr int kMaxClockSkewSeconds = 300;
inline constexpr int kNonceMemorySeconds = 600;

struct SignedHeaders {
  std::string sender_id;
  std::string timestamp;  // yyyyMMddHHmmss CST
  std::string nonce;      // [0-9A-Za-z]{16,64}
  std::string signature;  // lower-case hex
};

std::string signature_of(std::string_view secret, const SignedHeaders& h, std::string_view target,
                         std::string_view body);

// Fresh timestamp (from clock) and a random 32-character nonce, signed with secret.
SignedHeaders sign_message(std::string_view secret, std::string_view sender_id, const Clock& clock,
                           std::string_view target, std::string_view body);

enum class SignatureCheck {
  kOk,
  kMissingHeader,   // a header absent or empty
  kBadForm,         // timestamp or nonce badly formed
  kStaleTimestamp,  // more than 300 s away from now
  kBadSignature,    // verifies under none of the secrets
};

// Verifies form, timestamp window and signature (constant-time) under any of the secrets
// (current and next). The nonce replay check is the caller's (it needs a store).
SignatureCheck verify_message(const SignedHeaders& h, const std::vector<std::string>& secrets,
                              const Clock& clock, std::string_view target, std::string_view body);

std::string_view to_string(SignatureCheck c);

}  // namespace repay::wire
