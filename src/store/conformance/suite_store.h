// The store the conformance suite runs against, seen only through its ports (store::Database, the
// store factory's set of ports). One function opens it, through the store factory
// (store/factory.h) for the engine REPAY_CONFORMANCE_ENGINE names (database.engine's values;
// default sqlite): another engine runs the same tests unchanged.
#pragma once

#include <memory>
#include <string>

#include "store/factory.h"

namespace repay::store::conformance {

using StoreUnderTest = Database;

// A fresh, empty store in the folder `dir` (created by the caller), whose every call borrows one
// of `connections` connections: threads calling it at once use connections of their own.
std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& dir, int connections);

}  // namespace repay::store::conformance
