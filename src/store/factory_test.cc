// The store factory (store/factory.h): the engine named by database.engine, nothing else.
#include "store/factory.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace repay::store {
namespace {

crypto::FieldCipher test_cipher() {
  return *crypto::FieldCipher::from_hex_key(std::string(64, '7'));
}

TEST_CASE("open_stores: sqlite opens the database and hands out its ports") {
  testing::TempDir dir("factory");
  const auto cipher = test_cipher();
  StoreOptions o;
  o.path = dir.path + "/repay.db";
  auto stores = open_stores(o, cipher);
  REQUIRE_MESSAGE(stores.ok(), stores.error().to_string());
  CHECK(std::filesystem::exists(o.path));
  auto batches = (*stores)->batches().batches("", false);
  REQUIRE(batches.ok());
  CHECK(batches->empty());
  auto job = (*stores)->jobs().first_day(Instant{});
  CHECK(job.ok());
}

TEST_CASE("open_stores and the serving lock refuse an engine without a driver, naming the key") {
  testing::TempDir dir("factory");
  const auto cipher = test_cipher();
  StoreOptions o;
  o.engine = "postgresql";
  o.path = dir.path + "/repay.db";
  auto stores = open_stores(o, cipher);
  REQUIRE_FALSE(stores.ok());
  CHECK(stores.error().code == "CONFIG");
  CHECK(stores.error().field == "database.engine");
  CHECK(stores.error().value == "postgresql");
  CHECK_FALSE(std::filesystem::exists(o.path));  // nothing created for it
  auto lock = acquire_serving_lock(o);
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().field == "database.engine");
}

}  // namespace
}  // namespace repay::store
