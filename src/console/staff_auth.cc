#include "console/staff_auth.h"

#include <mutex>

#include "console/password.h"
#include "core/log.h"
#include "crypto/crypto.h"

namespace repay::console {
namespace {

// An unknown login costs a verification too, so that timing does not tell logins apart.
const std::string& dummy_hash() {
  static std::once_flag once;
  static std::string hash;
  std::call_once(once, [] { hash = hash_password(crypto::random_token(24)); });
  return hash;
}

}  // namespace

Result<StaffCheck> check_staff_password(ConsoleStore& staff, const std::string& login,
                                        const std::string& password, int max_failures, Instant now) {
  auto account = staff.staff(login);
  if (!account) return account.error();
  StaffCheck out;
  if (!account->has_value()) {
    (void)verify_password(password, dummy_hash());
    auto f = staff.login_failed(login, max_failures, now);
    if (!f) return f.error();
    return out;
  }
  const auto& a = **account;
  const bool right = verify_password(password, a.password_hash);
  if (a.locked) {
    if (!right) {
      auto f = staff.login_failed(login, max_failures, now);
      if (!f) return f.error();
    }
    out.kind = StaffCheck::Kind::kLocked;
    return out;
  }
  if (!right) {
    auto locked = staff.login_failed(login, max_failures, now);
    if (!locked) return locked.error();
    if (*locked) {
      log::warn("console.locked", {{"login", login}});
      out.kind = StaffCheck::Kind::kLocked;
    }
    return out;
  }
  out.kind = StaffCheck::Kind::kOk;
  out.account = a;
  return out;
}

}  // namespace repay::console
