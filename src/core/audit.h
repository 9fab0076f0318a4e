// The audit trail (every state change and every staff action leaves a row): its row, and the
// port that reads one entity's trail. Every capability's store appends its rows inside the
// transaction that makes the change; the review of refunds reads a refund's trail through
// AuditLog, the console searches the whole trail through its own port (console/ports.h). Rows
// hold references and masked values only, never a full card, ID or mobile number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace repay {

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
  // One entity's rows, oldest first.
  virtual Result<std::vector<AuditRow>> audit_of(const std::string& entity,
                                                 const std::string& entity_id) = 0;
};

}  // namespace repay
