// The bound on a shutdown (processor.shutdown_timeout): runs `stop` and, if it has not returned
// within `bound`, calls `on_overrun` from a watchdog thread (in `repay serve`: an alert and
// std::_Exit, which is as safe as a crash since every claim is committed before its call).
#pragma once

#include <chrono>
#include <functional>

namespace repay::app {

// Returns true when `stop` returned within the bound. `on_overrun` runs at most once, on another
// thread, while `stop` may still be running; if it returns, this waits for `stop` to end.
bool stop_within(const std::function<void()>& stop, std::chrono::milliseconds bound,
                 const std::function<void()>& on_overrun);

}  // namespace repay::app
