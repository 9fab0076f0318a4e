// The delivery worker of the notification outbox (center-api.md, Notifications): every ~200 ms it
// takes what is due from the NotificationOutbox, posts each through a NotificationSender, and
// records the attempt with the next try by the card center's retry schedule. When the last retry
// has failed it alerts staff and delivery stops. Order per key (per transaction) comes from the
// outbox, which hands out only the oldest undelivered notification of a key; notifications of
// different keys are delivered in parallel by a few threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "realtime/notification.h"
#include "realtime/outbox.h"

namespace repay::realtime {

struct DeliveryResult {
  bool delivered = false;  // HTTP 200 with the body SUCCESS
  std::string result;      // "SUCCESS", "HTTP 500", "timeout", ...: kept with the attempt
};

// Posts one notification (the libcurl one is channel/notify_sender.h). Blocking; called from several
// threads at once. Failures are results, not exceptions.
class NotificationSender {
 public:
  virtual ~NotificationSender() = default;
  virtual DeliveryResult post(const Notification& n) = 0;
};

// The retry schedule of a card center (its `notify_retries` setting).
using RetrySchedule = std::function<std::vector<std::chrono::seconds>(const std::string& center_id)>;

struct NotifierOptions {
  std::chrono::milliseconds interval{200};  // how often the outbox is asked for due notifications
  int batch = 64;                           // at most this many taken at once
  int threads = 8;                          // deliveries in parallel
  // How long a taken notification stays away from other workers (other nodes, or this one after
  // a restart). At most 2 x threads are taken and not finished at any time, so one waits for at
  // most one delivery before its own: the lease covers two sender timeouts (10 s) with room.
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
};

class Notifier {
 public:
  // The outbox, the sender and the clock outlive the Notifier.
  Notifier(NotificationOutbox& outbox, NotificationSender& sender, RetrySchedule schedule,
           const Clock& clock, NotifierOptions options = {});
  ~Notifier();  // stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Starts the polling thread and the delivery threads. Call once.
  void start();
  // Stops taking new notifications, finishes the ones taken (each bounded by the sender's
  // timeout) and joins the threads. What was taken but not tried is due again after its lease.
  // Idempotent.
  void stop();

  // One round in the calling thread, without start(): takes what is due and delivers it one by
  // one. Returns how many were tried. For tests and commands.
  int deliver_due();

 private:
  void poll_loop();
  void work_loop();
  void deliver(const Notification& n);

  NotificationOutbox& outbox_;
  NotificationSender& sender_;
  RetrySchedule schedule_;
  const Clock& clock_;
  const NotifierOptions options_;

  std::mutex mu_;
  std::condition_variable wake_poller_;
  std::condition_variable wake_workers_;
  std::deque<Notification> queue_;  // taken, not yet tried
  int busy_ = 0;                    // being tried
  bool stopping_ = false;
  std::thread poller_;
  std::vector<std::thread> workers_;
};

}  // namespace repay::realtime
