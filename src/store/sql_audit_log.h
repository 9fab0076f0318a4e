// The audit trail (table `audit`): the AuditLog port, and the append every capability's writes
// make inside their own transaction. Definitions: store/stores.cc.
#pragma once

#include <string>
#include <vector>

#include "store/db.h"
#include "core/audit.h"

namespace repay::store {

class SqlAuditLog final : public AuditLog {
 public:
  // `pool` outlives this object.
  explicit SqlAuditLog(Pool& pool) : pool_(&pool) {}

  Result<std::vector<AuditRow>> audit_of(const std::string& entity,
                                         const std::string& entity_id) override;

 private:
  Pool* pool_;
};

// Appends one audit row inside the caller's transaction.
Status append_audit(Connection& c, const AuditRow& row);

}  // namespace repay::store
