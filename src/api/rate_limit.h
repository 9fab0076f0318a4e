// Requests per second per card center (4003 above it): a token bucket per key.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace repay::api {

class RateLimiter {
 public:
  // True when a request of `key` may pass now at `per_second` sustained, bursts up to one second.
  bool allow(const std::string& key, int per_second, Instant now);

 private:
  struct Bucket {
    double tokens = 0;
    Instant last{};
    bool started = false;
  };
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace repay::api
