#include "simulator/scheduler.h"

namespace repay::sim {

Scheduler::Scheduler() : thread_([this] { run(); }) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    auto it = queue_.emplace(Key{std::chrono::steady_clock::now() + delay, seq_++}, std::move(fn)).first;
    first = it == queue_.begin();
  }
  // The thread sleeps until the first entry is due: only a new first one changes that. (With
  // one latency for all, every new entry is the last: a wake-up per call was two context
  // switches per DEBIT for nothing.)
  if (first) cv_.notify_one();
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::run() {
  std::unique_lock lock(mu_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) return;
      cv_.wait(lock);
      continue;
    }
    auto first = queue_.begin();
    auto now = std::chrono::steady_clock::now();
    if (first->first.first > now && !stopping_) {
      cv_.wait_until(lock, first->first.first);
      continue;
    }
    auto fn = std::move(first->second);
    queue_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace repay::sim
