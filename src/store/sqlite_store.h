// The store on SQLite: the one place that opens the SQLite driver (db/sqlite/) and builds the
// stores on it (store/stores.h). Sensitive numbers are encrypted with the FieldCipher before they
// reach SQL and decrypted after; the domain sees plain values only.
#pragma once

#include <memory>
#include <string>

#include "crypto/crypto.h"
#include "store/db.h"
#include "store/stores.h"

namespace repay::store {

// For now the name of the bundle opened on SQLite (issue 17: a store factory chosen by setting
// replaces it).
class SqliteStore final : public Stores {
 public:
  // Opens the database file (creating it), applies migrations. Errors name the path.
  // `durability`: see db/connection.h; the default survives a power loss.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const crypto::FieldCipher& cipher,
                                                   int connections = 4,
                                                   Durability durability = Durability::kPowerLoss);

 private:
  SqliteStore(std::unique_ptr<Pool> pool, const crypto::FieldCipher& cipher)
      : Stores(std::move(pool), cipher) {}
};

}  // namespace repay::store
