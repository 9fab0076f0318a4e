#include "realtime/notifier.h"

#include <algorithm>
#include <exception>

#include "core/log.h"

namespace repay::realtime {

Notifier::Notifier(NotificationOutbox& outbox, NotificationSender& sender, RetrySchedule schedule,
                   const Clock& clock, NotifierOptions options)
    : outbox_(outbox),
      sender_(sender),
      schedule_(std::move(schedule)),
      clock_(clock),
      options_(options) {}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (poller_.joinable() || stopping_) return;
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work_loop(); });
  poller_ = std::thread([this] { poll_loop(); });
}

void Notifier::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_poller_.notify_all();
  wake_workers_.notify_all();
  if (poller_.joinable()) poller_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();  // taken but not tried: due again when their lease runs out
}

int Notifier::deliver_due() {
  auto due = outbox_.due_notifications(clock_.now(), std::max(1, options_.batch), options_.lease);
  if (!due) {
    log::warn("notify.outbox_unavailable", {{"error", due.error().to_string()}});
    return 0;
  }
  for (const auto& n : *due) deliver(n);
  return static_cast<int>(due->size());
}

void Notifier::poll_loop() {
  // Taken and not finished stays under 2 x threads: a notification waits for at most one
  // delivery in the queue (see NotifierOptions::lease), and stop() abandons few.
  const int capacity = 2 * std::max(1, options_.threads);
  std::unique_lock<std::mutex> lock(mu_);
  auto room = [&] { return capacity - busy_ - static_cast<int>(queue_.size()); };
  while (!stopping_) {
    bool more = false;  // a full take: more may be due, so take again as soon as there is room
    const int want = std::min(room(), std::max(1, options_.batch));
    if (want > 0) {
      lock.unlock();
      auto due = outbox_.due_notifications(clock_.now(), want, options_.lease);
      lock.lock();
      if (!due) {
        log::warn("notify.outbox_unavailable", {{"error", due.error().to_string()}});
      } else if (!due->empty()) {
        more = static_cast<int>(due->size()) == want;
        for (auto& n : *due) queue_.push_back(std::move(n));
        wake_workers_.notify_all();
      }
    }
    wake_poller_.wait_for(lock, options_.interval,
                          [&] { return stopping_ || (more && room() > 0); });
  }
}

void Notifier::work_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_workers_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Notification n = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    deliver(n);
    lock.lock();
    --busy_;
    wake_poller_.notify_one();
  }
}

void Notifier::deliver(const Notification& n) {
  const Instant started = clock_.now();
  DeliveryResult r;
  try {
    r = sender_.post(n);
  } catch (const std::exception& e) {
    r = DeliveryResult{false, std::string("error: ") + e.what()};
  }
  if (r.result.empty()) r.result = r.delivered ? "SUCCESS" : "failed";
  const int attempts = n.attempts + 1;
  std::optional<Instant> next;
  if (!r.delivered) {
    // center-api.md: the retries count from the first try (the store keeps it from then on).
    const Instant first = n.first_try_at == Instant{} ? started : n.first_try_at;
    next = next_try(first, attempts, schedule_ ? schedule_(n.center_id)
                                               : std::vector<std::chrono::seconds>{});
  }
  auto st = outbox_.record_attempt(n.id, r.delivered, r.result, next, started);
  const std::string id = std::to_string(n.id);
  if (!st) {
    // Not recorded: the notification is tried again when its lease runs out (at least once).
    log::error("notify.record_failed", {{"id", id}, {"center", n.center_id}, {"key", n.key},
                                        {"error", st.error().to_string()}});
  }
  if (r.delivered) {
    log::debug("notify.delivered", {{"id", id}, {"center", n.center_id}, {"key", n.key},
                                    {"attempts", std::to_string(attempts)}});
  } else if (next) {
    log::info("notify.failed", {{"id", id}, {"center", n.center_id}, {"key", n.key},
                                {"attempts", std::to_string(attempts)}, {"result", r.result},
                                {"next", format_cst_timestamp(*next)}});
  } else {
    // center-api.md: when the last retry fails, staff are alerted and delivery stops.
    log::alert("notify.gave_up", {{"id", id}, {"center", n.center_id}, {"key", n.key},
                                  {"attempts", std::to_string(attempts)}, {"result", r.result}});
  }
}

}  // namespace repay::realtime
