#include "app/stop_bound.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using repay::app::stop_within;

TEST_CASE("a stop that returns in time: no overrun") {
  int overruns = 0;
  CHECK(stop_within([] {}, 5000ms, [&] { ++overruns; }));
  CHECK(overruns == 0);
}

TEST_CASE("a stop that hangs past the bound: the overrun runs while it is still stopping") {
  std::atomic<bool> release{false};
  std::atomic<bool> stop_running_at_overrun{false};
  std::atomic<bool> in_stop{false};
  const bool in_time = stop_within(
      [&] {
        in_stop = true;
        while (!release.load()) std::this_thread::sleep_for(1ms);
        in_stop = false;
      },
      50ms,
      [&] {
        stop_running_at_overrun = in_stop.load();
        release = true;  // in `repay serve` the process exits here
      });
  CHECK_FALSE(in_time);
  CHECK(stop_running_at_overrun);
}
