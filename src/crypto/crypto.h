// Cryptography over OpenSSL: HMAC-SHA256 signatures, constant-time comparison, random tokens,
// and field encryption at rest (AES-256-GCM) with a keyed hash for look-ups.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/result.h"

namespace repay::crypto {

// Lower-case hex of HMAC-SHA256(key, data). Each thread keeps the prepared key schedules of the
// last few keys it used (at most 16, wiped when evicted or when the thread ends), so a call
// with a key seen before costs the two SHA-256 passes only, not OpenSSL's algorithm fetch and
// key set-up of the one-shot HMAC().
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// The same over the concatenation of parts, without building it.
std::string hmac_sha256_hex(std::string_view key, std::initializer_list<std::string_view> parts);
// Lower-case hex of SHA-256(data).
std::string sha256_hex(std::string_view data);
// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// n characters of [0-9A-Za-z] from a cryptographically secure generator.
std::string random_token(size_t n);
// n random bytes.
std::string random_bytes(size_t n);

// Encrypts sensitive fields (card, ID, mobile numbers) at rest. Thread-safe after construction.
// Like the HMAC above, each thread keeps its AES key schedule prepared once per key.
class FieldCipher {
 public:
  // The key file holds 64 hex characters (32 bytes), optionally followed by a newline.
  // Errors: code "CONFIG" naming the file when it is missing, unreadable or malformed.
  static Result<FieldCipher> from_key_file(const std::string& path);
  static Result<FieldCipher> from_hex_key(std::string_view hex);
  // Writes a new random key file (mode 0600). Fails if the file exists.
  static Status create_key_file(const std::string& path);

  // AES-256-GCM: returns version byte | 12-byte random nonce | ciphertext | 16-byte tag.
  std::string encrypt(std::string_view plaintext) const;
  // Errors: "CRYPTO" when the blob is malformed or the tag does not verify.
  Result<std::string> decrypt(std::string_view blob) const;
  // Keyed hash for equality look-ups: hex HMAC-SHA256 under a key derived from the master key
  // (never the encryption key itself), so equal plaintexts give equal hashes.
  std::string lookup_hash(std::string_view plaintext) const;

 private:
  FieldCipher() = default;
  std::string enc_key_;
  std::string hash_key_;
};

}  // namespace repay::crypto
