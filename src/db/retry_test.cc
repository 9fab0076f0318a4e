#include "db/retry.h"

#include <doctest/doctest.h>

namespace repay::db {

TEST_CASE("with_retry: a CONFLICT is run again, until it succeeds") {
  int calls = 0;
  Result<int> r = with_retry([&]() -> Result<int> {
    if (++calls < 3) return make_error(kConflict, "could not serialize access");
    return 42;
  });
  REQUIRE(r.ok());
  CHECK(*r == 42);
  CHECK(calls == 3);
}

TEST_CASE("with_retry: bounded; the last CONFLICT is returned") {
  int calls = 0;
  Status st = with_retry([&]() -> Status { ++calls; return make_error(kConflict, "deadlock detected"); }, 4);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "CONFLICT");
  CHECK(calls == 4);
}

TEST_CASE("with_retry: any other error, or a success, is returned at once") {
  int calls = 0;
  Status st = with_retry([&]() -> Status { ++calls; return make_error("BUSY", "locked"); });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "BUSY");
  CHECK(calls == 1);
  calls = 0;
  CHECK(with_retry([&]() -> Status { ++calls; return ok_status(); }).ok());
  CHECK(calls == 1);
}

}  // namespace repay::db
