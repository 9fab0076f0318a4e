#include "db/sqlite/serving_lock.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include "support/temp_dir.h"

namespace repay::db::sqlite {

TEST_CASE("serving lock: one holder per database, released with its holder") {
  testing::TempDir dir;
  const std::string db = dir.path + "/repay.db";
  auto first = ServingLock::acquire(db);
  REQUIRE(first.ok());
  CHECK(first->path() == db + ".lock");

  // flock is per open file: a second acquisition is refused even in this process.
  auto second = ServingLock::acquire(db);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == "LOCKED");
  CHECK(second.error().value == db + ".lock");
  CHECK(second.error().message.find("pid " + std::to_string(::getpid())) != std::string::npos);

  // Another database is another lock.
  CHECK(ServingLock::acquire(dir.path + "/other.db").ok());

  { ServingLock gone = std::move(*first); }
  CHECK(ServingLock::acquire(db).ok());
}

}  // namespace repay::db::sqlite
