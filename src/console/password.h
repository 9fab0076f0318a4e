// Staff passwords: PBKDF2-HMAC-SHA256 with a random salt and a high iteration count (OWASP's
// 600,000 for this KDF), stored as "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>" so that the
// count can be raised later without breaking old hashes. Verification compares in constant time.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace repay::console {

inline constexpr int kPasswordIterations = 600'000;
inline constexpr size_t kMinPasswordLength = 10;

// Why a new password is refused ("" when acceptable): at least kMinPasswordLength characters, no
// control characters.
std::string password_problem(std::string_view password);
std::string hash_password(std::string_view password, int iterations = kPasswordIterations);
// False for a wrong password and for a malformed stored hash.
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace repay::console
