// Sends ChannelNotify messages to the processor (channel-api.md, Notifications) from one worker
// thread with libcurl easy: POST <base>/channel/notify/<channelId>, signed by the channel, expects
// HTTP 200 with the body SUCCESS, else retries with doubling backoff up to max_attempts. Never
// blocks the caller. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "simulator/bank.h"
#include "wire/signature.h"

namespace repay::sim {

struct NotifierOptions {
  std::string base_url;  // the processor's API base, e.g. http://127.0.0.1:8080; "" sends nothing
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{250};
  std::chrono::milliseconds timeout{5000};       // per attempt
  std::chrono::milliseconds reorder_hold{2000};  // a held notification goes out after this at most
};

// Signs one message as channel_id: (channel_id, target, body) -> headers.
using Signer = std::function<wire::SignedHeaders(const std::string&, std::string_view,
                                                 std::string_view)>;

class Notifier {
 public:
  Notifier(NotifierOptions options, Signer signer);
  ~Notifier();  // stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues n; after_first_attempt (optional) runs on the worker once the first attempt is over
  // (at once when there is no base URL).
  void send(Notification n, std::function<void()> after_first_attempt = {});
  // Holds n back until the next send() has gone first, or reorder_hold passed.
  void hold(Notification n);
  // Records a notification the dice dropped, for log().
  void note_dropped(const Notification& n);
  // Drops what is queued and joins the worker.
  void stop();
  // One line per attempt: <channelId>|<ReqSn>|<Status>|<attempt>|<httpStatus>|<OK/RETRY/GAVE_UP/DROPPED>
  std::string log() const;
  // The path prefix of base_url ("" for http://host:port) + "/channel/notify/" + channel_id.
  static std::string notify_path(std::string_view base_url, std::string_view channel_id);

 private:
  struct Item {
    Notification note;
    int attempt = 0;
    std::function<void()> after_first_attempt;
  };
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<Clock::time_point, uint64_t>;
  void run();
  void enqueue(Clock::time_point due, Item item);  // mu_ held
  void release_held(Clock::time_point due);        // mu_ held
  int post(const Notification& n, bool& accepted);  // the HTTP status, 0 when none

  NotifierOptions options_;
  Signer signer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, Item> queue_;
  std::vector<std::pair<Clock::time_point, Item>> held_;
  std::vector<std::string> log_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace repay::sim
