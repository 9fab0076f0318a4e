// The API's replay guard (table `nonces`): the NonceStore port. Definitions: store/stores.cc.
#pragma once

#include <chrono>
#include <string>

#include "store/db.h"
#include "api/ports.h"

namespace repay::store {

class SqlNonceStore final : public api::NonceStore {
 public:
  // `pool` outlives this object.
  explicit SqlNonceStore(Pool& pool) : pool_(&pool) {}

  Result<bool> remember_nonce(const std::string& sender, const std::string& nonce, Instant now,
                              int memory_seconds, std::chrono::milliseconds max_wait) override;
  Status purge_nonces(Instant now, int memory_seconds) override;

 private:
  Pool* pool_;
};

}  // namespace repay::store
