// Versioned schema migrations, applied in order at start-up inside one transaction each.
#pragma once

#include "core/result.h"
#include "store/db.h"

namespace repay::store {

// Brings the database to the newest schema version. Returns the version it is at.
Result<int> migrate(Connection& c);
int latest_schema_version();

}  // namespace repay::store
