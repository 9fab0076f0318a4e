// Group commit as the store uses it (the driver's: db/sqlite/group_sync.h): write_then() at once
// without it and after the sync with it; nonces written by the writer thread, within a bound.
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include <doctest/doctest.h>

#include "db/sqlite/connection.h"
#include "db/sqlite/pool.h"
#include "db/sqlite/test_db.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::store {
namespace {

using db::sqlite::DeferSync;
using db::sqlite::GroupSync;
using db::sqlite::open_db;
using testing::TempDir;

std::unique_ptr<testing::TestStores> open_store(const std::string& path) {
  static auto cipher = crypto::FieldCipher::from_hex_key(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  REQUIRE(cipher.ok());
  auto opened = testing::TestStores::open(path, *cipher);
  REQUIRE_MESSAGE(opened.ok(), opened.error().to_string());
  return std::move(*opened);
}

}  // namespace

TEST_CASE("Stores::write_then on SQLite: at once without group commit, after the sync with it") {
  TempDir dir;
  auto cipher = crypto::FieldCipher::from_hex_key(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  REQUIRE(cipher.ok());
  auto opened = testing::TestStores::open(dir.path + "/repay.db", *cipher);
  REQUIRE_MESSAGE(opened.ok(), opened.error().to_string());
  Stores& store = (*opened)->stores();

  // Without group commit every commit syncs by itself: the write runs here, at once.
  std::optional<bool> deferred_inside;
  store.realtime().write_then([&] { deferred_inside = DeferSync::active(); }, [](bool ok) { CHECK(ok); });
  CHECK(deferred_inside == std::optional<bool>(false));
  CHECK_FALSE(store.realtime().write_then_queues());

  REQUIRE(store.enable_group_commit().ok());
  REQUIRE(store.realtime().write_then_queues());
  std::promise<bool> result;
  int64_t first = 0;
  deferred_inside.reset();
  store.realtime().write_then(
      [&] {
        deferred_inside = DeferSync::active();
        first = *store.reserve_sequence("test", 1);
      },
      [&](bool ok) { result.set_value(ok); });
  CHECK(result.get_future().get());
  CHECK(deferred_inside == std::optional<bool>(true));  // on the writer thread, after write_then returned
  CHECK_FALSE(DeferSync::active());
  CHECK(*store.reserve_sequence("test", 1) == first + 1);  // the deferred commit is there
  store.stop_group_commit();
  CHECK_FALSE(store.realtime().write_then_queues());

  // kCrash: nothing to group, every commit is already as durable as it will be.
  testing::TestStores::Options crash_options;
  crash_options.connections = 2;
  crash_options.survive_power_loss = false;  // Durability::kCrash
  auto crash = testing::TestStores::open(dir.path + "/crash.db", *cipher, crash_options);
  REQUIRE(crash.ok());
  REQUIRE((*crash)->stores().enable_group_commit().ok());
  CHECK_FALSE((*crash)->stores().realtime().write_then_queues());
}

TEST_CASE("Stores::remember_nonce on SQLite: with group commit, nonces go through the writer") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto opened = open_store(path);
  Stores* store = &opened->stores();
  REQUIRE(store->enable_group_commit().ok());
  GroupSync& group = *dynamic_cast<db::sqlite::Pool&>(store->pool()).group_sync();
  const int64_t before = group.batches();
  const Instant now = std::chrono::system_clock::now();
  auto first = store->nonces().remember_nonce("CC01", "n-1", now, 600, std::chrono::seconds(5));
  REQUIRE(first.ok());
  CHECK(*first);
  auto again = store->nonces().remember_nonce("CC01", "n-1", now, 600, std::chrono::seconds(5));
  REQUIRE(again.ok());
  CHECK_FALSE(*again);  // a replay
  CHECK(group.batches() >= before + 2);  // each went through the writer
  CHECK(*store->count_rows("nonces") == 1);
  store->stop_group_commit();
}

TEST_CASE("write batching: a nonce waits for the writer a bounded time while another process holds the lock") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto opened = open_store(path);
  Stores* store = &opened->stores();
  REQUIRE(store->enable_group_commit().ok());
  const Instant now = std::chrono::system_clock::now();
  constexpr std::chrono::milliseconds kWait{1500};
  REQUIRE(store->nonces().remember_nonce("CC01", "before", now, 600, kWait).ok());

  auto other = open_db(path);  // another process's connection, holding the write lock
  REQUIRE(other->exec("BEGIN IMMEDIATE").ok());
  const auto asked = std::chrono::steady_clock::now();
  auto busy = store->nonces().remember_nonce("CC01", "while-locked", now, 600, kWait);
  const auto waited = std::chrono::steady_clock::now() - asked;
  REQUIRE_FALSE(busy.ok());
  CHECK(busy.error().code == "BUSY");
  // Its bound, not the writer's 10 s of retries: the card center is answered in time.
  CHECK(waited >= kWait);
  CHECK(waited < kWait + std::chrono::seconds(2));
  REQUIRE(other->exec("ROLLBACK").ok());

  // The writer goes on once the lock is free: a new nonce is taken, a replay still refused.
  auto after = store->nonces().remember_nonce("CC01", "after", now, 600, kWait);
  REQUIRE(after.ok());
  CHECK(*after);
  auto again = store->nonces().remember_nonce("CC01", "before", now, 600, kWait);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  store->stop_group_commit();
}

}  // namespace repay::store
