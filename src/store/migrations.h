// Versioned schema migrations, applied in order at start-up inside one transaction each.
//
// A schema version means the same tables, columns, keys and meaning on every engine; each engine
// has its own list of steps (its SQL where the engines differ: types, rebuilding a table), picked
// by the connection's dialect (db/dialect.h, `name`). Every engine's list reaches
// latest_schema_version() (an engine added later may create the whole schema in its first step
// and leave the later ones empty).
#pragma once

#include <vector>

#include "core/result.h"
#include "store/db.h"

namespace repay::store {

// Brings the database to the newest schema version with its engine's steps. Returns the version
// it is at. Error DB naming database.engine for an engine with no schema here.
Result<int> migrate(Connection& c);
int latest_schema_version();

// SQLite's steps (store/schema_sqlite.cc): step i brings version i to i + 1.
const std::vector<const char*>& sqlite_migrations();

}  // namespace repay::store
