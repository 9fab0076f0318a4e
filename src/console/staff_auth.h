// Checking a staff member's password, for the console's login form and for the `repay refunds`
// CLI alike: the same accounts, the same lock-out after `max_failures` consecutive failures (one
// conditional update in the store), the same answer for an unknown login as for a wrong password
// (and as long to compute).
#pragma once

#include <string>

#include "console/ports.h"
#include "core/clock.h"
#include "core/result.h"

namespace repay::console {

struct StaffCheck {
  enum class Kind {
    kOk,      // right password, account not locked: the caller records the success
    kWrong,   // unknown login or wrong password (counted as a failure)
    kLocked,  // the account is locked (now or before): an admin unlocks it
  };
  Kind kind = Kind::kWrong;
  StaffAccount account;  // when kOk
};

// Errors only when the store does not answer.
Result<StaffCheck> check_staff_password(ConsoleStore& staff, const std::string& login,
                                        const std::string& password, int max_failures, Instant now);

}  // namespace repay::console
