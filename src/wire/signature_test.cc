#include "wire/signature.h"

#include <cctype>

#include <doctest/doctest.h>

#include "crypto/crypto.h"

namespace repay::wire {
namespace {

using namespace std::chrono;

const std::vector<std::string> kSecrets = {"current-secret"};
constexpr std::string_view kTarget = "POST /api/repay";
constexpr std::string_view kBody = "<Repay><ReqNo>R1</ReqNo></Repay>";

Instant start() { return *parse_cst_timestamp("20261121093000"); }

TEST_CASE("the formula of common.md") {
  SignedHeaders h{"CC01", "20261121093000", "abcdefghijklmnop0123", ""};
  CHECK(signature_of("s3cret", h, "POST /api/repay", "<x/>") ==
        crypto::hmac_sha256_hex(
            "s3cret", "CC01\n20261121093000\nabcdefghijklmnop0123\nPOST /api/repay\n<x/>"));
  // Answers sign an empty target.
  CHECK(signature_of("s3cret", h, "", "b") ==
        crypto::hmac_sha256_hex("s3cret", "CC01\n20261121093000\nabcdefghijklmnop0123\n\nb"));
}

TEST_CASE("sign then verify") {
  ManualClock clock(start());
  SignedHeaders h = sign_message("current-secret", "CC01", clock, kTarget, kBody);
  CHECK(h.sender_id == "CC01");
  CHECK(h.timestamp == "20261121093000");
  CHECK(h.nonce.size() == 32);
  CHECK(h.signature.size() == 64);
  CHECK(verify_message(h, kSecrets, clock, kTarget, kBody) == SignatureCheck::kOk);
  // Every send gets a fresh nonce.
  CHECK(sign_message("current-secret", "CC01", clock, kTarget, kBody).nonce != h.nonce);
}

TEST_CASE("any changed byte breaks the signature") {
  ManualClock clock(start());
  SignedHeaders h = sign_message("current-secret", "CC01", clock, kTarget, kBody);
  auto flip = [](std::string_view s, size_t i) {
    std::string t(s);
    t[i] = static_cast<char>(t[i] ^ 0x01);
    return t;
  };
  CHECK(verify_message(h, kSecrets, clock, kTarget, flip(kBody, 5)) ==
        SignatureCheck::kBadSignature);
  CHECK(verify_message(h, kSecrets, clock, kTarget, std::string(kBody) + " ") ==
        SignatureCheck::kBadSignature);
  CHECK(verify_message(h, kSecrets, clock, flip(kTarget, 6), kBody) ==
        SignatureCheck::kBadSignature);
  CHECK(verify_message(h, kSecrets, clock, "", kBody) == SignatureCheck::kBadSignature);
  SignedHeaders s = h;
  s.sender_id = "CC02";
  CHECK(verify_message(s, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadSignature);
  s = h;
  s.nonce[0] = h.nonce[0] == 'a' ? 'b' : 'a';  // still a well-formed nonce
  CHECK(verify_message(s, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadSignature);
  s = h;
  s.timestamp = "20261121093001";
  CHECK(verify_message(s, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadSignature);
  s = h;
  s.signature = flip(h.signature, 63);
  CHECK(verify_message(s, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadSignature);
  s = h;
  for (auto& c : s.signature) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s.signature != h.signature) {
    CHECK(verify_message(s, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadSignature);
  }
  CHECK(verify_message(h, {"other-secret"}, clock, kTarget, kBody) ==
        SignatureCheck::kBadSignature);
  CHECK(verify_message(h, {}, clock, kTarget, kBody) == SignatureCheck::kBadSignature);
}

TEST_CASE("timestamp window: 300 s either way") {
  ManualClock clock(start());
  SignedHeaders h = sign_message("current-secret", "CC01", clock, kTarget, kBody);
  clock.advance(seconds(300));
  CHECK(verify_message(h, kSecrets, clock, kTarget, kBody) == SignatureCheck::kOk);
  clock.advance(milliseconds(999));
  CHECK(verify_message(h, kSecrets, clock, kTarget, kBody) == SignatureCheck::kOk);
  clock.set(start() + seconds(301));
  CHECK(verify_message(h, kSecrets, clock, kTarget, kBody) == SignatureCheck::kStaleTimestamp);
  clock.set(start() - seconds(300));
  CHECK(verify_message(h, kSecrets, clock, kTarget, kBody) == SignatureCheck::kOk);
  clock.set(start() - seconds(301));
  CHECK(verify_message(h, kSecrets, clock, kTarget, kBody) == SignatureCheck::kStaleTimestamp);
}

TEST_CASE("secret rotation: current or next") {
  ManualClock clock(start());
  SignedHeaders h = sign_message("next-secret", "CC01", clock, kTarget, kBody);
  CHECK(verify_message(h, {"current-secret", "next-secret"}, clock, kTarget, kBody) ==
        SignatureCheck::kOk);
  CHECK(verify_message(h, {"current-secret"}, clock, kTarget, kBody) ==
        SignatureCheck::kBadSignature);
  // An unset next secret never verifies a signature made with an empty key.
  SignedHeaders e = sign_message("", "CC01", clock, kTarget, kBody);
  CHECK(verify_message(e, {"current-secret", ""}, clock, kTarget, kBody) ==
        SignatureCheck::kBadSignature);
}

TEST_CASE("missing headers and bad forms") {
  ManualClock clock(start());
  SignedHeaders h = sign_message("current-secret", "CC01", clock, kTarget, kBody);
  for (int i = 0; i < 4; ++i) {
    SignedHeaders m = h;
    std::string* f[] = {&m.sender_id, &m.timestamp, &m.nonce, &m.signature};
    f[i]->clear();
    CAPTURE(i);
    CHECK(verify_message(m, kSecrets, clock, kTarget, kBody) == SignatureCheck::kMissingHeader);
  }
  for (const char* ts : {"2026112109300", "202611210930000", "20261121093060", "20260230093000",
                         "2026-11-21 09:3"}) {
    SignedHeaders m = h;
    m.timestamp = ts;
    m.signature = signature_of("current-secret", m, kTarget, kBody);
    CAPTURE(ts);
    CHECK(verify_message(m, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadForm);
  }
  for (std::string nonce : {std::string(15, 'a'), std::string(65, 'a'),
                            std::string("abcdefghijklmno-"), std::string("abcdefghijklmno\xE4")}) {
    SignedHeaders m = h;
    m.nonce = nonce;
    m.signature = signature_of("current-secret", m, kTarget, kBody);
    CAPTURE(nonce);
    CHECK(verify_message(m, kSecrets, clock, kTarget, kBody) == SignatureCheck::kBadForm);
  }
  CHECK(to_string(SignatureCheck::kStaleTimestamp).find("300") != std::string_view::npos);
  CHECK(to_string(SignatureCheck::kOk) == "ok");
}

}  // namespace
}  // namespace repay::wire
