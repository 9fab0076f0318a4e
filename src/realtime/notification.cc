#include "realtime/notification.h"

namespace repay::realtime {

std::optional<Instant> next_try(Instant first_try, int attempts,
                                const std::vector<std::chrono::seconds>& schedule) {
  // center-api.md: retries are counted from the first try, not from the previous one, so a slow
  // or late try does not stretch the schedule; a slot already past is due at once.
  if (attempts <= 0) return first_try;
  const auto slot = static_cast<size_t>(attempts - 1);
  if (slot >= schedule.size()) return std::nullopt;
  return first_try + schedule[slot];
}

}  // namespace repay::realtime
