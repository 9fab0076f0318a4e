// Runs functions at a later time on one thread of its own, so late results never sleep in an io
// thread. (Delayed answers use the HTTP server's timers: HttpServer::at.) Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace repay::sim {

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs fn on the scheduler's thread after delay (at once when <= 0), in due order; functions
  // due at the same time run in the order they were scheduled. Ignored after stop().
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Runs everything still queued at once (a delayed answer is sent early rather than never),
  // then joins the thread.
  void stop();

 private:
  void run();
  using Key = std::pair<std::chrono::steady_clock::time_point, uint64_t>;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, std::function<void()>> queue_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace repay::sim
