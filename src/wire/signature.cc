#include "wire/signature.h"

#include "core/validate.h"
#include "crypto/crypto.h"

namespace repay::wire {

std::string signature_of(std::string_view secret, const SignedHeaders& h, std::string_view target,
                         std::string_view body) {
  // common.md, Signatures: senderId \n X-Timestamp \n X-Nonce \n target \n body, hashed in
  // pieces (no copy of the body).
  return crypto::hmac_sha256_hex(
      secret, {h.sender_id, "\n", h.timestamp, "\n", h.nonce, "\n", target, "\n", body});
}

SignedHeaders sign_message(std::string_view secret, std::string_view sender_id, const Clock& clock,
                           std::string_view target, std::string_view body) {
  SignedHeaders h;
  h.sender_id = sender_id;
  h.timestamp = format_cst_timestamp(clock.now());
  h.nonce = crypto::random_token(32);
  h.signature = signature_of(secret, h, target, body);
  return h;
}

SignatureCheck verify_message(const SignedHeaders& h, const std::vector<std::string>& secrets,
                              const Clock& clock, std::string_view target, std::string_view body) {
  if (h.sender_id.empty() || h.timestamp.empty() || h.nonce.empty() || h.signature.empty()) {
    return SignatureCheck::kMissingHeader;
  }
  auto ts = parse_cst_timestamp(h.timestamp);
  if (!ts || !is_nonce(h.nonce)) return SignatureCheck::kBadForm;
  // The timestamp has whole seconds; compare against now cut to whole seconds, so "300 seconds
  // away" means what it says at that resolution.
  auto now = std::chrono::floor<std::chrono::seconds>(clock.now());
  auto skew = now > *ts ? now - *ts : *ts - now;
  if (skew > std::chrono::seconds(kMaxClockSkewSeconds)) return SignatureCheck::kStaleTimestamp;
  bool ok = false;
  for (const auto& secret : secrets) {
    // An unset (empty) next secret must never verify anything.
    if (secret.empty()) continue;
    // Every secret is tried (no early exit), so timing does not tell which one matched.
    ok |= crypto::constant_time_equal(signature_of(secret, h, target, body), h.signature);
  }
  return ok ? SignatureCheck::kOk : SignatureCheck::kBadSignature;
}

std::string_view to_string(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::kOk: return "ok";
    case SignatureCheck::kMissingHeader: return "missing signature header";
    case SignatureCheck::kBadForm: return "badly formed timestamp or nonce";
    case SignatureCheck::kStaleTimestamp: return "timestamp more than 300 seconds away";
    case SignatureCheck::kBadSignature: return "signature does not verify";
  }
  return "unknown";
}

}  // namespace repay::wire
