// The notification outbox as the delivery worker sees it (store port).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "realtime/notification.h"

namespace repay::realtime {

class NotificationOutbox {
 public:
  virtual ~NotificationOutbox() = default;
  // PENDING notifications due at `now`, at most one per key (the oldest undelivered one: in order
  // per transaction), leased until now + lease so that no other worker sends them at once.
  virtual Result<std::vector<Notification>> due_notifications(Instant now, int max,
                                                              std::chrono::milliseconds lease) = 0;
  // Records one attempt: delivered, or failed with the next try (nullopt: gave up — alert staff).
  virtual Status record_attempt(int64_t id, bool delivered, const std::string& result,
                                std::optional<Instant> next, Instant now) = 0;
  // For operators: newest first, filtered by center and state ("" = any).
  virtual Result<std::vector<Notification>> list_notifications(const std::string& center,
                                                               const std::string& state,
                                                               int limit) = 0;
  virtual Result<std::optional<Notification>> notification(int64_t id) = 0;
  virtual Result<std::vector<std::pair<Instant, std::string>>> attempts_of(int64_t id) = 0;
  // Operator's retry: a GAVE_UP (or PENDING) notification is tried again now.
  virtual Status retry_notification(int64_t id, Instant now) = 0;
};

}  // namespace repay::realtime
