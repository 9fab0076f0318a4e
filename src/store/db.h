// The engine seam (src/db/) under the names the store's code uses: the store is written against
// these, never against an engine's API; the driver is chosen where a store is opened.
#pragma once

#include "db/connection.h"
#include "db/pool.h"
#include "db/retry.h"
#include "db/stmt.h"
#include "db/transaction.h"

namespace repay::store {

using db::Connection;
using db::Dialect;
using db::Durability;
using db::Isolation;
using db::Pool;
using db::Stmt;
using db::WriteTx;

}  // namespace repay::store
