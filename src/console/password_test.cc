#include "console/password.h"

#include <doctest/doctest.h>

namespace repay::console {

TEST_CASE("password: a hash verifies its password only") {
  const std::string h = hash_password("correct horse battery", 1000);
  CHECK(h.rfind("pbkdf2-sha256$1000$", 0) == 0);
  CHECK(h.find("correct") == std::string::npos);
  CHECK(verify_password("correct horse battery", h));
  CHECK_FALSE(verify_password("correct horse batterz", h));
  CHECK_FALSE(verify_password("", h));
}

TEST_CASE("password: the same password hashes differently each time (salted)") {
  CHECK(hash_password("same password!", 1000) != hash_password("same password!", 1000));
}

TEST_CASE("password: malformed stored hashes never verify") {
  const std::string h = hash_password("some password", 1000);
  CHECK_FALSE(verify_password("some password", ""));
  CHECK_FALSE(verify_password("some password", "plain"));
  CHECK_FALSE(verify_password("some password", "md5$1000$00$" + h.substr(h.rfind('$') + 1)));
  CHECK_FALSE(verify_password("some password", h.substr(0, h.size() - 1)));
  CHECK_FALSE(verify_password("some password", "pbkdf2-sha256$0$00$" + std::string(64, 'a')));
}

TEST_CASE("password: the default count is the slow one") {
  CHECK(hash_password("another password").rfind("pbkdf2-sha256$600000$", 0) == 0);
}

TEST_CASE("password: new passwords need length and no control characters") {
  CHECK(password_problem("short") != "");
  CHECK(password_problem("long enough\n") != "");
  CHECK(password_problem("long enough pass") == "");
}

}  // namespace repay::console
