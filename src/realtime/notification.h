// Notifications to card centers (center-api.md, Notifications): when a real-time repayment
// answered PROCESSING becomes final, and when any refund of the card center becomes final, a
// signed <Notify> is POSTed to the request's NotifyUrl (or the center's default). Delivery is at
// least once, retried on a schedule, in order per transaction, and survives restarts: the
// notification is written to an outbox in the same transaction as the final state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace repay::realtime {

struct Notification {
  int64_t id = 0;
  std::string center_id;
  std::string key;     // "REPAY:<TxnNo>" or "REFUND:<RefundNo>": delivery is in order per key
  std::string url;     // NotifyUrl (absolute; https, or http to loopback)
  std::vector<std::pair<std::string, std::string>> fields;  // children of <Notify>, in order
  std::string state;   // PENDING, DELIVERED, GAVE_UP
  int attempts = 0;
  Instant created_at{};
  Instant next_at{};
  Instant first_try_at{};   // the first attempt's time; {} before it (the retry schedule counts from it)
  std::string last_result;  // "HTTP 500", "timeout", "SUCCESS", ...
};

// The retry schedule of center-api.md: after the first try at 15 s, 1 min, 5 min, 15 min, 1 h,
// 2 h, 6 h and 15 h (a setting). Returns the time of the next try after `attempts` failed tries,
// or nullopt when the schedule is used up (then staff are alerted and delivery stops).
std::optional<Instant> next_try(Instant first_try, int attempts,
                                const std::vector<std::chrono::seconds>& schedule);

}  // namespace repay::realtime
