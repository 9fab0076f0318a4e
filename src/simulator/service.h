// The HTTP adapter around the pure Bank: one listener hosting several channels
// (POST /<channelId>/gateway, GET /<channelId>/statement?date=yyyyMMdd, signed per common.md),
// the unsigned test endpoints under /sim/, the fault dice, delayed answers on the server's own
// timers (io threads), late results on a scheduler thread and notifications on a notifier thread. One mutex around the Bank. docs/simulator.md has it all.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "server/http_server.h"
#include "simulator/bank.h"
#include "simulator/faults.h"
#include "simulator/notifier.h"
#include "simulator/scheduler.h"
#include "simulator/sharded_map.h"

namespace repay::sim {

// The simulator's clock: the system clock shifted by an offset that can change at run time.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::seconds offset = {}) : offset_(offset.count()) {}
  Instant now() const override {
    return std::chrono::system_clock::now() + std::chrono::seconds(offset_.load());
  }
  void set_offset(std::chrono::seconds s) { offset_.store(s.count()); }
  std::chrono::seconds offset() const { return std::chrono::seconds(offset_.load()); }

 private:
  std::atomic<int64_t> offset_;
};

struct ChannelConfig {
  ChannelSpec spec;
  std::vector<std::string> secrets;  // [current, next?]: sign with the first, accept any
};

struct ServiceOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  int threads = 2;
  std::vector<ChannelConfig> channels;
  std::string notify_base;  // the processor's API base; "" sends no notifications
  uint64_t seed = 1;        // of the fault dice
  Faults faults;
  NotifierOptions notifier;  // base_url is taken from notify_base
};

class BankService {
 public:
  BankService(Bank bank, ServiceOptions options, OffsetClock& clock);
  ~BankService();  // stop()
  BankService(const BankService&) = delete;
  BankService& operator=(const BankService&) = delete;

  // Throws std::runtime_error when it cannot listen.
  void start();
  uint16_t port() const;
  void stop();

 private:
  struct Channel {
    ChannelConfig config;
    std::atomic<bool> peer_on_sim_clock{true};  // which clock the peer's timestamps follow
  };
  using Request = server::HttpRequest;
  using Response = server::HttpResponse;

  void handle(Request&& req, server::Respond respond);
  Response handle_sim(const Request& req);
  // gateway.cc
  void gateway(Channel& ch, Request&& req, server::Respond respond);
  Response statement(Channel& ch, const Request& req);
  // "" when the request is signed by the channel's merchant, fresh and not replayed.
  std::string verify(Channel& ch, const Request& req, std::string_view target);
  Response signed_answer(Channel& ch, const Answer& a);
  Response signed_text(Channel& ch, std::string body);
  void dispatch(std::vector<Notification> notes, std::function<void()> after);
  void late_results();
  const Clock& clock_of(const Channel& ch) const;

  std::mutex bank_mu_;
  Bank bank_;
  ServiceOptions options_;
  OffsetClock& clock_;
  SystemClock real_clock_;
  std::map<std::string, Channel> channels_;
  std::mutex faults_mu_;
  Faults faults_;
  // channelId|ReqSn of DEBITs answered busy by lie-busy-debits: every resend is answered so too.
  std::set<std::string> lied_busy_;
  FaultDice dice_;
  std::mutex nonce_mu_;
  // sender + "|" + nonce -> when seen. Hashed: with 10 minutes of nonces at thousands of calls a
  // second, an ordered map's string comparisons were a tenth of the simulator's CPU.
  // In shards (sharded_map.h): growing never holds nonce_mu_ for long.
  ShardedMap<Instant> nonces_;
  std::deque<std::pair<Instant, std::string>> nonce_order_;
  Scheduler scheduler_;
  Notifier notifier_;
  std::unique_ptr<server::HttpServer> server_;
};

// The value of `name` in a query string "a=1&b=2", percent-decoded; "" when absent.
std::string query_param(std::string_view query, std::string_view name);

}  // namespace repay::sim
