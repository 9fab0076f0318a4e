// The store's ports besides the capability-specific ones (signing/ports.h, ...): nonces for replay
// protection that survives a restart, the append-only audit trail, and id sequences. A server
// database (PostgreSQL, several Repay nodes) implements the same interfaces later: every write is
// a conditional update or an insert that a unique key guards, never a read-then-write race.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace repay::store {

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

struct AuditRow {
  int64_t id = 0;
  Instant at{};
  std::string actor;      // "api:<centerId>:<ReqNo>", "job:force-fail", "staff:<login>"
  std::string entity;     // "agreement", "quick_application", "repayment", "refund", ...
  std::string entity_id;
  std::string old_state;  // "" for a creation
  std::string new_state;
  std::string reason;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual Result<std::vector<AuditRow>> audit_of(const std::string& entity,
                                                 const std::string& entity_id) = 0;
};

}  // namespace repay::store
