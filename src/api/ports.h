// What the card-center API needs from a store: the memory of nonces for replay protection
// (center-api.md: a signed request is accepted once), kept in the database so that it survives a
// restart. The store implements it; a server database (PostgreSQL, several Repay nodes) implements
// the same interface later: one insert that a unique key guards or one conditional update, never
// a read-then-write race.
#pragma once

#include <chrono>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace repay::api {

class NonceStore {
 public:
  virtual ~NonceStore() = default;
  // Records that `sender` used `nonce` at `now`. False when it was already seen within the last
  // `memory_seconds` (a replay). One statement: concurrent duplicates cannot both pass. Gives up
  // with a "BUSY" error after `max_wait` when the database cannot take it in time (another
  // process holding the write lock): the caller still owes its peer a timely answer.
  virtual Result<bool> remember_nonce(const std::string& sender, const std::string& nonce,
                                      Instant now, int memory_seconds,
                                      std::chrono::milliseconds max_wait) = 0;
  // Forgets nonces older than the memory window.
  virtual Status purge_nonces(Instant now, int memory_seconds) = 0;
};

}  // namespace repay::api
