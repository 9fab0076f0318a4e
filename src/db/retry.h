// A transaction refused for a concurrent one (serialization failure, deadlock: error "CONFLICT",
// db/stmt.h) is run again from its start, a bounded number of times. SQLite never reports one
// (one writer); a server engine under several writers does.
#pragma once

#include <type_traits>

#include "core/result.h"

namespace repay::db {

inline constexpr const char* kConflict = "CONFLICT";
inline constexpr int kConflictAttempts = 5;

inline bool is_conflict(const Error& e) { return e.code == kConflict; }

// Calls `attempt` (which begins, does and commits one whole transaction, returning a Result or
// Status) until it succeeds, fails with anything but "CONFLICT", or has been called `attempts`
// times; returns its last result.
template <class F>
auto with_retry(F&& attempt, int attempts = kConflictAttempts) -> std::invoke_result_t<F&> {
  for (int i = 1;; ++i) {
    auto r = attempt();
    if (r || i >= attempts || !is_conflict(r.error())) return r;
  }
}

}  // namespace repay::db
