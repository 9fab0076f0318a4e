#include "app/stop_bound.h"

#include <future>
#include <thread>

namespace repay::app {

bool stop_within(const std::function<void()>& stop, std::chrono::milliseconds bound,
                 const std::function<void()>& on_overrun) {
  std::promise<void> stopped;
  bool overran = false;
  std::thread watchdog([&, done = stopped.get_future()] {
    if (done.wait_for(bound) == std::future_status::ready) return;
    overran = true;
    on_overrun();
  });
  stop();
  stopped.set_value();
  watchdog.join();
  return !overran;
}

}  // namespace repay::app
