// Key schedules prepared once per key and thread, for the hot paths of crypto.cc: HMAC-SHA256
// (wire signatures, look-up hashes) and AES-256-GCM (fields at rest). OpenSSL 3's one-shot
// HMAC() and a fresh EVP_CIPHER_CTX per field fetch the algorithm and expand the key on every
// call (docs/performance.md: ≈ 1.3 µs per HMAC and ≈ 3.3 µs per field against ≈ 0.3 and ≈ 0.6
// with a prepared context). Internal to src/crypto.
#pragma once

#include <initializer_list>
#include <string_view>

#include <openssl/evp.h>

namespace repay::crypto::prepared {

inline constexpr size_t kHmacBytes = 32;

// HMAC-SHA256 under key of the concatenation of parts, into out. Throws std::runtime_error only
// when OpenSSL fails (allocation), as the rest of crypto.cc does.
void hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts,
                 unsigned char out[kHmacBytes]);

// This thread's AES-256-GCM context with key's schedule set (key: 32 bytes), for encryption or
// decryption. The caller sets the IV (EVP_CipherInit_ex with only the IV), which resets
// whatever a previous use — failed or not — left behind. Valid until this thread's next call.
EVP_CIPHER_CTX* aes_256_gcm(std::string_view key, bool encrypt);

}  // namespace repay::crypto::prepared
