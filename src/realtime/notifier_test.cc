// The Notifier against an in-memory outbox (the outbox's own rules are tested on SQLite in
// store/conformance/outbox_test.cc), a scripted sender and a hand-moved clock.
#include "realtime/notifier.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <doctest/doctest.h>

namespace repay::realtime {
namespace {

using namespace std::chrono_literals;

const Instant kT0 = from_unix_ms(1'700'000'000'000);
const std::vector<std::chrono::seconds> kSchedule = {15s, 1min, 5min};

struct Attempt {
  int64_t id;
  bool delivered;
  std::string result;
  std::optional<Instant> next;
  Instant at;
};

// The outbox's contract in memory: the oldest PENDING notification of a key, due, leased.
class FakeOutbox final : public NotificationOutbox {
 public:
  int64_t add(const std::string& center, const std::string& key, Instant created) {
    std::lock_guard<std::mutex> lock(mu_);
    Notification n;
    n.id = static_cast<int64_t>(rows_.size()) + 1;
    n.center_id = center;
    n.key = key;
    n.url = "https://center.example/notify";
    n.fields = {{"Type", "REPAY"}};
    n.state = "PENDING";
    n.created_at = created;
    n.next_at = created;
    rows_.push_back(n);
    return n.id;
  }
  Notification get(int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    return rows_.at(static_cast<size_t>(id - 1));
  }
  std::vector<Attempt> attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }

  Result<std::vector<Notification>> due_notifications(Instant now, int max,
                                                      std::chrono::milliseconds lease) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++polls;
    std::vector<Notification> out;
    std::set<std::string> seen;
    for (auto& n : rows_) {
      if (n.state != "PENDING") continue;
      const bool first_of_key = seen.insert(n.key).second;
      if (!first_of_key || n.next_at > now || static_cast<int>(out.size()) >= max) continue;
      n.next_at = now + lease;
      out.push_back(n);
    }
    return out;
  }
  Status record_attempt(int64_t id, bool delivered, const std::string& result,
                        std::optional<Instant> next, Instant now) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto& n = rows_.at(static_cast<size_t>(id - 1));
    ++n.attempts;
    if (n.first_try_at == Instant{}) n.first_try_at = now;
    n.last_result = result;
    n.state = delivered ? "DELIVERED" : next ? "PENDING" : "GAVE_UP";
    if (next) n.next_at = *next;
    attempts_.push_back(Attempt{id, delivered, result, next, now});
    return ok_status();
  }
  Result<std::vector<Notification>> list_notifications(const std::string&, const std::string&,
                                                       int) override {
    return rows_;
  }
  Result<std::vector<std::pair<Instant, std::string>>> attempts_of(int64_t) override {
    return std::vector<std::pair<Instant, std::string>>{};
  }
  Status retry_notification(int64_t, Instant) override { return ok_status(); }
  Result<std::optional<Notification>> notification(int64_t) override { return std::optional<Notification>(); }

  std::atomic<int> polls{0};

 private:
  std::mutex mu_;
  std::vector<Notification> rows_;
  std::vector<Attempt> attempts_;
};

// Answers from a script per key (default: delivered), remembering what it was sent.
class FakeSender final : public NotificationSender {
 public:
  DeliveryResult post(const Notification& n) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent.push_back(n.id);
    auto& script = scripts[n.key];
    if (script.empty()) return DeliveryResult{true, "SUCCESS"};
    auto r = script.front();
    script.erase(script.begin());
    return r;
  }
  std::vector<int64_t> sent_ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent;
  }

  std::map<std::string, std::vector<DeliveryResult>> scripts;
  std::vector<int64_t> sent;

 private:
  std::mutex mu_;
};

RetrySchedule schedule_for_all() {
  return [](const std::string&) { return kSchedule; };
}

TEST_CASE("notifier: a notification delivered at the first try is recorded DELIVERED") {
  FakeOutbox outbox;
  FakeSender sender;
  ManualClock clock(kT0);
  Notifier notifier(outbox, sender, schedule_for_all(), clock);
  const int64_t id = outbox.add("CC01", "REPAY:T1", kT0);
  CHECK(notifier.deliver_due() == 1);
  CHECK(outbox.get(id).state == "DELIVERED");
  auto a = outbox.attempts();
  REQUIRE(a.size() == 1);
  CHECK(a[0].delivered);
  CHECK(a[0].result == "SUCCESS");
  CHECK(a[0].at == kT0);
  CHECK(notifier.deliver_due() == 0);
}

TEST_CASE("notifier: failed tries are retried by the schedule counted from the first try") {
  FakeOutbox outbox;
  FakeSender sender;
  ManualClock clock(kT0 + 2s);  // the worker came to it 2 s after it was written
  Notifier notifier(outbox, sender, schedule_for_all(), clock);
  const int64_t id = outbox.add("CC01", "REPAY:T1", kT0);
  sender.scripts["REPAY:T1"] = {{false, "HTTP 500"}, {false, "timeout"}};

  CHECK(notifier.deliver_due() == 1);
  auto n = outbox.get(id);
  CHECK(n.state == "PENDING");
  CHECK(n.next_at == kT0 + 2s + 15s);

  clock.set(kT0 + 2s + 14s);
  CHECK(notifier.deliver_due() == 0);
  clock.set(kT0 + 2s + 17s);  // two seconds late: the next slot still counts from the first try
  CHECK(notifier.deliver_due() == 1);
  CHECK(outbox.get(id).next_at == kT0 + 2s + 1min);

  clock.set(kT0 + 2s + 1min);
  CHECK(notifier.deliver_due() == 1);
  n = outbox.get(id);
  CHECK(n.state == "DELIVERED");
  CHECK(n.attempts == 3);
  auto a = outbox.attempts();
  REQUIRE(a.size() == 3);
  CHECK(a[0].result == "HTTP 500");
  CHECK(a[1].result == "timeout");
  CHECK(a[2].result == "SUCCESS");
}

TEST_CASE("notifier: gives up after the last retry of the center's schedule") {
  FakeOutbox outbox;
  FakeSender sender;
  ManualClock clock(kT0);
  std::vector<std::string> asked;
  std::map<std::string, std::vector<std::chrono::seconds>> schedules = {{"CC01", {10s}},
                                                                        {"CC02", {10s, 20s}}};
  Notifier notifier(outbox, sender,
                    [&](const std::string& c) {
                      asked.push_back(c);
                      return schedules[c];
                    },
                    clock);
  const int64_t a = outbox.add("CC01", "REPAY:A", kT0);
  const int64_t b = outbox.add("CC02", "REPAY:B", kT0);
  const DeliveryResult fail{false, "HTTP 503"};
  sender.scripts["REPAY:A"] = {fail, fail, fail};
  sender.scripts["REPAY:B"] = {fail, fail, fail};

  CHECK(notifier.deliver_due() == 2);
  clock.advance(10s);
  CHECK(notifier.deliver_due() == 2);
  CHECK(outbox.get(a).state == "GAVE_UP");  // CC01: one retry only
  CHECK(outbox.get(b).state == "PENDING");
  CHECK(outbox.get(b).next_at == kT0 + 20s);
  clock.advance(10s);
  CHECK(notifier.deliver_due() == 1);
  CHECK(outbox.get(b).state == "GAVE_UP");
  CHECK(outbox.get(b).attempts == 3);
  CHECK(outbox.get(b).last_result == "HTTP 503");
  CHECK(std::count(asked.begin(), asked.end(), "CC01") == 2);
  CHECK(std::count(asked.begin(), asked.end(), "CC02") == 3);
}

TEST_CASE("notifier: a sender that throws is a failed try, not a dead worker") {
  struct Throwing final : NotificationSender {
    DeliveryResult post(const Notification&) override { throw std::runtime_error("boom"); }
  } sender;
  FakeOutbox outbox;
  ManualClock clock(kT0);
  Notifier notifier(outbox, sender, schedule_for_all(), clock);
  const int64_t id = outbox.add("CC01", "REPAY:T1", kT0);
  CHECK(notifier.deliver_due() == 1);
  CHECK(outbox.get(id).state == "PENDING");
  CHECK(outbox.get(id).last_result == "error: boom");
}

TEST_CASE("notifier: running, it delivers in order per key and different keys in parallel") {
  // Two posts of different keys must be in flight together before either may finish.
  struct Rendezvous final : NotificationSender {
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
    int max_in_flight = 0;
    std::vector<int64_t> order;
    DeliveryResult post(const Notification& n) override {
      std::unique_lock<std::mutex> lock(mu);
      order.push_back(n.id);
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      cv.notify_all();
      cv.wait_for(lock, 2s, [&] { return max_in_flight >= 2; });
      --in_flight;
      return DeliveryResult{true, "SUCCESS"};
    }
  } sender;
  FakeOutbox outbox;
  ManualClock clock(kT0);
  NotifierOptions opt;
  opt.interval = 10ms;
  opt.threads = 4;
  Notifier notifier(outbox, sender, schedule_for_all(), clock, opt);
  const int64_t a1 = outbox.add("CC01", "REFUND:A", kT0);
  const int64_t b1 = outbox.add("CC01", "REFUND:B", kT0);
  const int64_t a2 = outbox.add("CC01", "REFUND:A", kT0);
  const int64_t a3 = outbox.add("CC01", "REFUND:A", kT0);
  notifier.start();
  for (int i = 0; i < 500 && outbox.attempts().size() < 4; ++i) std::this_thread::sleep_for(5ms);
  notifier.stop();
  REQUIRE(outbox.attempts().size() == 4);
  for (int64_t id : {a1, b1, a2, a3}) CHECK(outbox.get(id).state == "DELIVERED");
  CHECK(sender.max_in_flight >= 2);
  std::vector<int64_t> of_a;
  for (int64_t id : sender.order) {
    if (id != b1) of_a.push_back(id);
  }
  CHECK(of_a == std::vector<int64_t>{a1, a2, a3});
}

TEST_CASE("notifier: stop() returns promptly and nothing is taken after it") {
  FakeOutbox outbox;
  FakeSender sender;
  ManualClock clock(kT0);
  NotifierOptions opt;
  opt.interval = 10ms;
  Notifier notifier(outbox, sender, schedule_for_all(), clock, opt);
  notifier.start();
  std::this_thread::sleep_for(50ms);
  const auto before = std::chrono::steady_clock::now();
  notifier.stop();
  CHECK(std::chrono::steady_clock::now() - before < 1s);
  const int polls = outbox.polls.load();
  CHECK(polls >= 1);
  outbox.add("CC01", "REPAY:T1", kT0);
  std::this_thread::sleep_for(50ms);
  CHECK(outbox.polls.load() == polls);
  CHECK(sender.sent_ids().empty());
  notifier.stop();  // idempotent
}

}  // namespace
}  // namespace repay::realtime
