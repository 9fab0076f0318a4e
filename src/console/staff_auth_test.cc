// The staff password check the console's login and the `repay refunds` CLI share, against a real
// database file (support/test_db.h): one lock-out count for both.
#include "console/staff_auth.h"

#include <doctest/doctest.h>

#include "console/password.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::console {
namespace {

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Instant kT0 = from_unix_ms(1'700'000'000'000);

}  // namespace

TEST_CASE("staff password check: unknown and wrong alike, lock-out after the limit, a success resets the count") {
  testing::TempDir dir;
  auto cipher = crypto::FieldCipher::from_hex_key(kKey);
  REQUIRE(cipher.ok());
  auto db = testing::TestStores::open(dir.path + "/repay.db", *cipher, {.connections = 2});
  REQUIRE(db.ok());
  ConsoleStore& staff = (*db)->console();
  REQUIRE(staff.add_staff("alice", "reviewer", hash_password("alice-password", 1000), "cli:test", kT0).ok());
  using K = StaffCheck::Kind;
  auto check = [&](const std::string& login, const std::string& pw) {
    auto r = check_staff_password(staff, login, pw, 3, kT0);
    REQUIRE(r.ok());
    return *r;
  };

  CHECK(check("nobody", "x").kind == K::kWrong);
  CHECK(check("alice", "wrong").kind == K::kWrong);
  auto ok = check("alice", "alice-password");
  CHECK(ok.kind == K::kOk);
  CHECK(ok.account.role == "reviewer");
  REQUIRE(staff.password_accepted("alice", "test", kT0).ok());
  CHECK((*staff.staff("alice"))->failed_logins == 0);

  CHECK(check("alice", "wrong").kind == K::kWrong);
  CHECK(check("alice", "wrong").kind == K::kWrong);
  CHECK(check("alice", "wrong").kind == K::kLocked);  // the third in a row
  CHECK(check("alice", "alice-password").kind == K::kLocked);
  CHECK_FALSE(staff.password_accepted("alice", "test", kT0).ok());
  REQUIRE(staff.unlock("alice", "cli:test", kT0).ok());
  CHECK(check("alice", "alice-password").kind == K::kOk);
}

}  // namespace repay::console
