// The notification outbox (tables `notifications`, `notification_attempts`): the NotificationOutbox
// port, and the enqueue other capabilities' writes make inside their own transaction.
// Definitions: store/notify_sql.cc (its other pieces: store/notify_sql.h).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "realtime/outbox.h"
#include "store/db.h"

namespace repay::store {

class SqlOutbox final : public realtime::NotificationOutbox {
 public:
  // `pool` outlives this object.
  explicit SqlOutbox(Pool& pool) : pool_(&pool) {}

  Result<std::vector<realtime::Notification>> due_notifications(
      Instant now, int max, std::chrono::milliseconds lease) override;
  Status record_attempt(int64_t id, bool delivered, const std::string& result,
                        std::optional<Instant> next, Instant now) override;
  Result<std::vector<realtime::Notification>> list_notifications(const std::string& center,
                                                                 const std::string& state,
                                                                 int limit) override;
  Result<std::optional<realtime::Notification>> notification(int64_t id) override;
  Result<std::vector<std::pair<Instant, std::string>>> attempts_of(int64_t id) override;
  Status retry_notification(int64_t id, Instant now) override;

 private:
  Pool* pool_;
};

// Writes a notification to the outbox inside the caller's transaction (store/notify_sql.cc):
// delivered after that transaction commits, never before.
Status enqueue_notification(Connection& c, const realtime::Notification& n);

}  // namespace repay::store
