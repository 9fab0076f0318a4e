#include "console/password.h"

#include <openssl/evp.h>

#include <vector>

#include "crypto/crypto.h"

namespace repay::console {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

std::string derive(std::string_view password, const std::string& salt, int iterations) {
  unsigned char key[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof key,
                        key) != 1) {
    return {};
  }
  return to_hex(key, sizeof key);
}

}  // namespace

std::string password_problem(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return "a password needs at least " + std::to_string(kMinPasswordLength) + " characters";
  }
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) return "a password may not hold control characters";
  }
  return "";
}

std::string hash_password(std::string_view password, int iterations) {
  const std::string salt = crypto::random_bytes(16);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" +
         to_hex(reinterpret_cast<const unsigned char*>(salt.data()), salt.size()) + "$" +
         derive(password, salt, iterations);
}

bool verify_password(std::string_view password, std::string_view stored) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      parts.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4 || parts[0] != "pbkdf2-sha256" || parts[3].size() != 64) return false;
  int iterations = 0;
  for (char c : parts[1]) {
    if (c < '0' || c > '9' || iterations > 100'000'000) return false;
    iterations = iterations * 10 + (c - '0');
  }
  std::string salt;
  if (iterations < 1 || !from_hex(parts[2], &salt) || salt.empty()) return false;
  const std::string got = derive(password, salt, iterations);
  return !got.empty() && crypto::constant_time_equal(got, parts[3]);
}

}  // namespace repay::console
