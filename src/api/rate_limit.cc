#include "api/rate_limit.h"

#include <algorithm>
#include <chrono>

namespace repay::api {

bool RateLimiter::allow(const std::string& key, int per_second, Instant now) {
  if (per_second <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = buckets_[key];
  const double cap = per_second;
  if (!b.started) {
    b.tokens = cap;
    b.started = true;
  } else {
    double secs = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(cap, b.tokens + std::max(0.0, secs) * per_second);
  }
  b.last = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace repay::api
