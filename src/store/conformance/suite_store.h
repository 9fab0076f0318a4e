// The store the conformance suite runs against: the one way every test of the suite opens it.
// It is the tests' door to a database (tests/support/test_db.h, TestStores): the ports as the
// processor gets them (ports(): store::Database, the store factory's set), the engine-neutral
// bundle under them (stores()), and SQL through the seam for fixtures and counts (exec, rows,
// integer). It is opened through the store factory (store/factory.h) for the engine
// REPAY_CONFORMANCE_ENGINE names (database.engine's values; default sqlite): another engine runs
// the same tests unchanged.
#pragma once

#include <memory>
#include <string>

#include "crypto/crypto.h"
#include "support/test_db.h"

namespace repay::store::conformance {

using StoreUnderTest = testing::TestStores;

// A fresh, empty store in the folder `dir` (created by the caller), whose every call borrows one
// of `connections` connections: threads calling it at once use connections of their own.
std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& dir, int connections);

// The store at `path` (created and migrated when new; another store may already be open on it),
// its sensitive fields under `cipher` (which outlives it). `group_commit`: writes of write_then()
// committed together, as `repay serve` runs them.
std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& path,
                                                      const crypto::FieldCipher& cipher,
                                                      int connections = 4,
                                                      bool group_commit = false);

// The same, for a test of what opening says: the factory's error, not a thrown one.
Result<std::unique_ptr<StoreUnderTest>> try_open_store_under_test(const std::string& path,
                                                                  const crypto::FieldCipher& cipher,
                                                                  int connections = 4,
                                                                  bool group_commit = false);

// The engine the suite runs on: REPAY_CONFORMANCE_ENGINE, default sqlite.
std::string engine_under_test();

}  // namespace repay::store::conformance
