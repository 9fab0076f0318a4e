#include "simulator/faults.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "simulator/scheduler.h"

namespace repay::sim {

TEST_CASE("faults: key=value lines, reset, errors change nothing") {
  Faults f;
  REQUIRE(apply_fault_lines(f, "p-busy=0.25\n# comment\n\nlatency-ms=40\r\n").ok());
  CHECK(f.p_busy == 0.25);
  CHECK(f.latency_ms == 40);
  CHECK_FALSE(apply_fault_lines(f, "p-5xx=0.5\np-busy=1.5\n").ok());
  CHECK(f.p_5xx == 0);
  CHECK_FALSE(apply_fault_lines(f, "nope=1").ok());
  CHECK_FALSE(apply_fault_lines(f, "latency-ms=-1").ok());
  REQUIRE(apply_fault_lines(f, "reset\np-429=1").ok());
  CHECK(f.p_busy == 0);
  CHECK(f.p_429 == 1);
  Faults g;
  REQUIRE(apply_fault_lines(g, format_faults(f)).ok());
  CHECK(format_faults(g) == format_faults(f));
}

TEST_CASE("faults: the dice are reproducible from the seed and follow the probabilities") {
  Faults f;
  f.p_busy = 0.1;
  f.p_5xx = 0.2;
  f.p_lost_answer = 0.5;
  f.latency_ms = 100;
  f.latency_jitter_ms = 50;
  FaultDice a(9), b(9);
  int busy = 0, http500 = 0, lost = 0;
  for (int i = 0; i < 10000; ++i) {
    GatewayRoll x = a.roll_gateway(f);
    GatewayRoll y = b.roll_gateway(f);
    CHECK(x.refusal == y.refusal);
    CHECK(x.delay_ms == y.delay_ms);
    CHECK(x.delay_ms >= 50);
    CHECK(x.delay_ms <= 150);
    busy += x.refusal == Refusal::kBusy;
    http500 += x.refusal == Refusal::kHttp500;
    lost += x.lost_answer;
  }
  CHECK(busy > 800);
  CHECK(busy < 1200);
  CHECK(http500 > 1700);
  CHECK(http500 < 2300);
  CHECK(lost > 4600);
  CHECK(lost < 5400);
  Faults sig;
  sig.p_4001 = 1;
  CHECK(a.roll_gateway(sig).refusal == Refusal::kSignature);
  Faults s4001;
  REQUIRE(apply_fault_lines(s4001, "p-4001=0.5\n").ok());
  CHECK(s4001.p_4001 == 0.5);
  CHECK(format_faults(s4001).find("p-4001=0.5\n") != std::string::npos);
  Faults off;
  FaultDice c(9);
  for (int i = 0; i < 1000; ++i) {
    GatewayRoll r = c.roll_gateway(off);
    CHECK(r.refusal == Refusal::kNone);
    CHECK_FALSE(r.processing);
    CHECK(r.delay_ms == 0);
  }
}

TEST_CASE("scheduler: runs in due order, and everything at stop") {
  Scheduler s;
  std::atomic<int> order{0};
  int first = 0, second = 0, never_due = 0;
  s.after(std::chrono::milliseconds(30), [&] { second = ++order; });
  s.after(std::chrono::milliseconds(0), [&] { first = ++order; });
  s.after(std::chrono::hours(1), [&] { never_due = ++order; });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  s.stop();
  CHECK(first == 1);
  CHECK(second == 2);
  CHECK(never_due == 3);
}

TEST_CASE("scheduler: an entry due before the one it sleeps for wakes it; later ones wait their turn") {
  Scheduler s;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> ran;
  auto note = [&](std::string what) {
    return [&, what] {
      std::lock_guard lock(mu);
      ran.push_back(what);
      cv.notify_all();
    };
  };
  s.after(std::chrono::hours(1), note("an hour"));  // the thread now sleeps for an hour
  s.after(std::chrono::milliseconds(20), note("soon"));
  s.after(std::chrono::milliseconds(40), note("later"));  // not first: no wake-up needed
  s.after(std::chrono::milliseconds(30), note("between"));
  {
    std::unique_lock lock(mu);
    CHECK(cv.wait_for(lock, std::chrono::seconds(30), [&] { return ran.size() == 3; }));
  }
  s.stop();
  CHECK(ran == std::vector<std::string>{"soon", "between", "later", "an hour"});
}

}  // namespace repay::sim
