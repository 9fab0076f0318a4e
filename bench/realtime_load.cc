// Real-time benchmark (docs/performance.md, Real time): a card center's load generator against
// the real `repay serve` and `repay-banksim` binaries on loopback. Every request is signed like
// src/centerclient/center_client.cc signs it (wire::sign_message, a fresh nonce each), and every
// answer's signature is checked. Phases, each bounded in count and time:
//   1. sign3 of --holders cardholders of the simulator's book (all at once);
//   2. simulator alone: signed DEBITs straight to its gateway, open loop at --rate for --seconds
//      (its notifications switched off meanwhile): the simulator's own answer time;
//   3. warm-up: --warmup seconds of repays at --rate, not counted;
//   4. processor: repays open loop at --rate for --seconds: client answer time; added = client −
//      simulator, percentile by percentile;
//   5. burst: --burst repays sent at once, held in flight by the simulator's latency.
// The processor's threads and RSS (/proc/<pid>/status) before, at the peak of each phase, after.
// Prints figures; asserts no duration (testing.md). Exit code 1 when any answer was an error.
#include <sys/types.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>

#include "stack/demo.h"
#include "stack/http_get.h"
#include "stack/stack.h"
#include "bench_util.h"
#include "channel/channel_message.h"
#include "http_load.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace {

using namespace repay;
using namespace repay::bench;
using Fields = std::vector<std::pair<std::string, std::string>>;

const SystemClock kClock;
constexpr const char* kCenter = "CC01";

// --- figures ------------------------------------------------------------------------------------

struct PhaseStats {
  std::vector<double> latency_ms;           // every answered request
  std::vector<int64_t> second;              // for each of them: the second of the phase it was sent in
  std::vector<SteadyClock::time_point> sent;  // for each of them: when it was scheduled
  std::map<std::string, int64_t> outcomes;  // "HTTP 200 SUCCESS 0000" -> count
  int64_t errors = 0;                       // anything but a signed success
  double last_answer_ms = 0;                // after the phase started
  void add(const std::string& outcome, bool ok, const HttpResult& r, int64_t sent_second = 0) {
    ++outcomes[outcome];
    if (!ok) ++errors;
    if (r.status != 0) {
      latency_ms.push_back(r.latency_ms);
      second.push_back(sent_second);
      sent.push_back(r.scheduled);
    }
  }
};

double percentile(std::vector<double> v, double p);

// The client's p99 for each second of the phase: whether a tail is spread or a few bad seconds.
void print_by_second(const PhaseStats& s) {
  std::map<int64_t, std::vector<double>> by;
  for (size_t i = 0; i < s.latency_ms.size(); ++i) by[s.second[i]].push_back(s.latency_ms[i]);
  std::printf("  client p99 by second sent:");
  for (const auto& [sec, v] : by) std::printf(" %.0f", percentile(v, 99));
  std::printf(" ms\n");
}

// The 100-ms windows of send time whose slowest answer came more than `over_ms` after the
// phase's median, with the window's CLOCK_MONOTONIC time (steady_clock on Linux): to line a stall
// up with a profile recorded with `perf record -k CLOCK_MONOTONIC`.
void print_stalls(const PhaseStats& s, double over_ms) {
  if (s.latency_ms.empty()) return;
  const double limit = percentile(s.latency_ms, 50) + over_ms;
  std::map<int64_t, std::pair<double, int>> windows;  // window (100 ms) -> slowest, answers over limit
  for (size_t i = 0; i < s.latency_ms.size(); ++i) {
    if (s.latency_ms[i] <= limit) continue;
    auto w = std::chrono::duration_cast<std::chrono::milliseconds>(s.sent[i].time_since_epoch()).count() / 100;
    auto& [slowest, n] = windows[w];
    slowest = std::max(slowest, s.latency_ms[i]);
    ++n;
  }
  std::printf("  windows of 100 ms with answers over p50 + %.0f ms (CLOCK_MONOTONIC s: slowest ms, count):", over_ms);
  if (windows.empty()) std::printf(" none");
  for (const auto& [w, v] : windows) std::printf(" %.1f: %.0f, %d;", static_cast<double>(w) / 10, v.first, v.second);
  std::printf("\n");
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

struct ProcStatus {
  long threads = 0;
  long rss_kib = 0;
};

// A child of this process by its command name (/proc/<pid>/stat): the simulator, whose CPU is
// reported beside the processor's (it shares the 2 cores).
pid_t child_named(const std::string& comm) {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(e.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 > line.size()) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (line.substr(open + 1, close - open - 1) == comm && ppid == static_cast<long>(::getpid())) {
      return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

ProcStatus read_status(pid_t pid) {
  ProcStatus s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) s.threads = std::stol(line.substr(8));
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stol(line.substr(6));
  }
  return s;
}

// Established TCP connections (both directions) whose remote end is 127.0.0.1:port: a client's
// connections to that server (/proc/net/tcp lists each loopback connection from both ends).
int count_connections_to(uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);
  int n = 0;
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string sl, local, remote, st;
    ls >> sl >> local >> remote >> st;
    if (st == "01" && remote.size() > 5 && remote.compare(remote.size() - 5, 5, want) == 0) ++n;
  }
  return n;
}

// Samples the processor every 50 ms on its own thread: peak threads, RSS and connections.
class Sampler {
 public:
  Sampler(pid_t pid, uint16_t sim_port) : pid_(pid), sim_port_(sim_port) {
    thread_ = std::thread([this] {
      while (!stop_) {
        auto s = read_status(pid_);
        peak_threads_ = std::max(peak_threads_.load(), s.threads);
        peak_rss_ = std::max(peak_rss_.load(), s.rss_kib);
        peak_sim_conns_ = std::max(peak_sim_conns_.load(), count_connections_to(sim_port_));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~Sampler() {
    stop_ = true;
    thread_.join();
  }
  void reset() {
    peak_threads_ = 0;
    peak_rss_ = 0;
    peak_sim_conns_ = 0;
  }
  long peak_threads() const { return peak_threads_; }
  long peak_rss_kib() const { return peak_rss_; }
  int peak_sim_connections() const { return peak_sim_conns_; }

 private:
  pid_t pid_;
  uint16_t sim_port_;
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_threads_{0}, peak_rss_{0};
  std::atomic<int> peak_sim_conns_{0};
  std::thread thread_;
};

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

uint16_t port_of(const std::string& url) {
  return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::vector<std::pair<std::string, std::string>> header_lines(const std::vector<std::string>& lines) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : lines) {
    auto colon = l.find(':');
    if (colon == std::string::npos) continue;
    out.emplace_back(l.substr(0, colon), l.substr(l.find_first_not_of(' ', colon + 1)));
  }
  return out;
}

// --- the card center ----------------------------------------------------------------------------

struct Signed {
  const stack::BookEntry* entry;
  std::string agreement_no;
};

class CardCenter {
 public:
  CardCenter(HttpLoad& load, std::string secret) : load_(load), secret_(std::move(secret)) {}

  // POST /api/<tx>, signed as center_client.cc signs; `done` gets the answer's fields, or an
  // error text when the answer is not a signed <Response>.
  void call(const std::string& tx, const Fields& fields, SteadyClock::time_point scheduled,
            std::function<void(const HttpResult&, const std::map<std::string, std::string>&, bool)> done) {
    const std::string path = "/api/" + tx;
    std::string body = wire::build_xml_message("Request", fields);
    auto s = wire::sign_message(secret_, kCenter, kClock, "POST " + path, body);
    load_.post(path,
               {{wire::kHeaderSender, s.sender_id},
                {wire::kHeaderTimestamp, s.timestamp},
                {wire::kHeaderNonce, s.nonce},
                {wire::kHeaderSignature, s.signature}},
               std::move(body), scheduled, [this, done = std::move(done)](HttpResult&& r) {
                 std::map<std::string, std::string> f;
                 auto msg = wire::parse_xml_message(r.body);
                 if (msg && msg->root == "Response") f = msg->fields;
                 wire::SignedHeaders h{r.sender, r.timestamp, r.nonce, r.signature};
                 bool signed_ok = r.status != 0 && h.sender_id == "PROCESSOR" &&
                                  wire::verify_message(h, {secret_}, kClock, "", r.body) ==
                                      wire::SignatureCheck::kOk;
                 done(r, f, signed_ok);
               });
  }

 private:
  HttpLoad& load_;
  std::string secret_;
};

// Runs ioc until `pending` reaches zero after `count` sends, or the deadline passes.
bool drain(net::io_context& ioc, const int64_t& sent, int64_t count, const int64_t& pending,
           std::chrono::seconds limit) {
  auto deadline = SteadyClock::now() + limit;
  while (!(sent == count && pending == 0)) {
    if (SteadyClock::now() > deadline) return false;
    ioc.run_one_for(std::chrono::milliseconds(100));
  }
  return true;
}

void print_latency(const char* what, const std::vector<double>& v) {
  std::printf("  %-26s n=%-7zu p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f  max %8.2f ms\n", what,
              v.size(), percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile(v, 99.9),
              percentile(v, 100));
}

void print_outcomes(const PhaseStats& s) {
  for (const auto& [k, n] : s.outcomes) std::printf("    %-40s %lld\n", k.c_str(), static_cast<long long>(n));
  std::printf("    errors (anything but a signed success): %lld\n", static_cast<long long>(s.errors));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when stdout is a file
  const double rate = static_cast<double>(flag_int(argc, argv, "--rate", 1000));
  const int64_t seconds = flag_int(argc, argv, "--seconds", 20);
  const int64_t warmup = flag_int(argc, argv, "--warmup", 3);
  const int64_t burst = flag_int(argc, argv, "--burst", 2500);
  const int64_t holders_wanted = flag_int(argc, argv, "--holders", 300);
  const int64_t latency_ms = flag_int(argc, argv, "--latency-ms", 200);
  const int64_t amount = flag_int(argc, argv, "--amount", 100);  // 1.00 yuan: balances last
  const std::string api_threads = flag(argc, argv, "--api-threads", "");
  const std::string log_level = flag(argc, argv, "--log-level", "info");
  const std::string processor_extra = flag(argc, argv, "--processor-extra", "");  // "k=v;k=v"
  const int book_size = static_cast<int>(flag_int(argc, argv, "--book-size", 600));

  stack::StackOptions so;
  so.dir = fresh_dir("repay-rtbench");
  so.repay_bin = REPAY_BIN;
  so.banksim_bin = BANKSIM_BIN;
  so.book_size = book_size;
  so.banksim_args = {"--latency-ms", std::to_string(latency_ms), "--log-level", flag(argc, argv, "--sim-log-level", "info")};
  stack::StackCenter cc(kCenter);
  cc.extra = "realtime_timeout = 10s\nmax_requests_per_second = 5000\n";
  so.centers = {cc};
  so.channel_extra = "max_inflight = 4000\nmax_tps = 5000\nrealtime_share = 0.5\n";
  so.processor_extra = "log_level = " + log_level + "\n";
  if (!api_threads.empty()) so.processor_extra += "api_threads = " + api_threads + "\n";
  for (std::string rest = processor_extra; !rest.empty();) {
    auto semi = rest.find(';');
    so.processor_extra += rest.substr(0, semi) + "\n";
    rest = semi == std::string::npos ? "" : rest.substr(semi + 1);
  }
  auto stack = stack::Stack::start(so);
  if (!stack) die("stack: " + stack.error().to_string());
  const pid_t pid = (*stack)->processor_pid();
  const std::string sim_url = (*stack)->banksim_url();
  std::printf("realtime_load: rate %.0f/s for %llds (+%llds warm-up), burst %lld, simulator latency "
              "%lld ms, %lld cardholders, amount %lld fen; processor pid %d, folder %s\n",
              rate, static_cast<long long>(seconds), static_cast<long long>(warmup),
              static_cast<long long>(burst), static_cast<long long>(latency_ms),
              static_cast<long long>(holders_wanted), static_cast<long long>(amount), pid,
              so.dir.c_str());
  std::printf("machine: %u cores, load average %s (other work on the machine skews every figure)\n",
              std::thread::hardware_concurrency(), loadavg().c_str());
  std::printf("processor settings added:\n%s", so.processor_extra.c_str());

  auto book = stack::fetch_book(sim_url);
  if (!book) die("book: " + book.error().to_string());
  std::vector<Signed> holders;
  for (const auto& e : *book) {
    if (static_cast<int64_t>(holders.size()) == holders_wanted) break;
    if (e.state == "NORMAL" && e.balance >= 1'000'000 && e.limit >= amount) holders.push_back({&e, ""});
  }
  if (static_cast<int64_t>(holders.size()) < holders_wanted) die("book too small: raise --book-size");

  net::io_context ioc;
  auto guard = net::make_work_guard(ioc);
  // center-api.md: a card center waits at least realtime_timeout (10 s) + 5 s; later is an error.
  HttpLoad api(ioc, port_of((*stack)->api_url()), std::chrono::seconds(15));
  HttpLoad sim(ioc, port_of(sim_url), std::chrono::seconds(15));
  CardCenter center(api, (*stack)->center_secret(kCenter));

  // 1. sign3, all at once.
  {
    int64_t sent = 0, pending = 0, failed = 0;
    for (size_t i = 0; i < holders.size(); ++i) {
      const auto& e = *holders[i].entry;
      ++sent;
      ++pending;
      center.call("sign3",
                  {{"ReqNo", "S" + std::to_string(i)}, {"CreditCardNo", e.credit_card}, {"Name", e.name},
                   {"IdType", e.id_type}, {"IdNo", e.id_no}, {"DebitCardNo", e.debit_card}},
                  SteadyClock::now(), [&, i](const HttpResult&, const auto& f, bool ok) {
                    --pending;
                    auto it = f.find("AgreementNo");
                    if (!ok || it == f.end()) ++failed;
                    else holders[i].agreement_no = it->second;
                  });
    }
    if (!drain(ioc, sent, sent, pending, std::chrono::seconds(120)) || failed > 0) {
      die("sign3 failed for " + std::to_string(failed) + " cardholders");
    }
  }
  const ProcStatus before = read_status(pid);
  Sampler sampler(pid, port_of(sim_url));
  std::string none;

  // 2. The simulator alone: signed DEBITs straight to its gateway.
  PhaseStats sim_stats;
  {
    (void)stack::http_simple(sim_url + "/sim/faults", &(none = "p-notify-drop=1\n"));
    channel::ChannelEndpoint ep;
    ep.channel_id = stack::Stack::kCollectChannel;
    ep.kind = "COLLECT";
    ep.base_url = sim_url + "/" + ep.channel_id;
    ep.merchant_id = "M100001";
    ep.secrets = {stack::Stack::secret_for(ep.channel_id)};
    const int64_t count = static_cast<int64_t>(rate) * seconds;
    int64_t sent = 0, pending = 0;
    const auto t0 = SteadyClock::now();
    OpenLoop::start(ioc, rate, count, [&](int64_t i, SteadyClock::time_point at) {
      const auto& e = *holders[static_cast<size_t>(i) % holders.size()].entry;
      channel::ChannelCall call;
      call.channel_id = ep.channel_id;
      call.tx_code = "DEBIT";
      call.req_sn = "BENCHD" + std::to_string(i);
      call.fields = {{"Amount", std::to_string(amount)}, {"CardNo", e.debit_card}, {"Name", e.name},
                     {"IdType", e.id_type}, {"IdNo", e.id_no}};
      auto req = channel::build_gateway_request(ep, call, kClock);
      ++sent;
      ++pending;
      sim.post(req.target.substr(5), header_lines(req.headers), req.body, at, [&, at](HttpResult&& r) {
        --pending;
        std::map<std::string, std::string> h = {{"x-sender-id", r.sender}, {"x-timestamp", r.timestamp},
                                                {"x-nonce", r.nonce}, {"x-signature", r.signature}};
        auto msg = wire::parse_xml_message(r.body);
        std::string code = msg && msg->fields.count("RetCode") ? msg->fields.at("RetCode") : "-";
        bool signed_ok = r.status != 0 && channel::check_answer_signature(ep, h, r.body, kClock).empty();
        std::string key = r.status ? "HTTP " + std::to_string(r.status) + " RetCode " + code : r.error;
        if (r.status && !signed_ok) key += " (bad signature)";
        sim_stats.add(key, r.status == 200 && code == "0000" && signed_ok, r,
                      std::chrono::duration_cast<std::chrono::seconds>(at - t0).count());
      });
    });
    if (!drain(ioc, sent, count, pending, std::chrono::seconds(seconds + 60))) die("simulator phase did not end");
    (void)stack::http_simple(sim_url + "/sim/faults", &(none = "p-notify-drop=0\n"));
  }

  // 3–5. Repays through the processor.
  auto run_repays = [&](const std::string& prefix, double r, int64_t count, PhaseStats& stats) {
    int64_t sent = 0, pending = 0;
    const auto t0 = SteadyClock::now();
    OpenLoop::start(ioc, r, count, [&](int64_t i, SteadyClock::time_point at) {
      const Signed& h = holders[static_cast<size_t>(i) % holders.size()];
      ++sent;
      ++pending;
      center.call("repay",
                  {{"ReqNo", prefix + std::to_string(i)}, {"AgreementNo", h.agreement_no},
                   {"CreditCardNo", h.entry->credit_card}, {"Amount", std::to_string(amount)}},
                  at, [&, at](const HttpResult& res, const auto& f, bool signed_ok) {
                    --pending;
                    auto get = [&](const char* k) { auto it = f.find(k); return it == f.end() ? std::string("-") : it->second; };
                    std::string key = res.status ? "HTTP " + std::to_string(res.status) + " " + get("Status") +
                                                       " " + get("RespCode")
                                                 : res.error;
                    if (res.status && !signed_ok) key += " (bad signature)";
                    stats.add(key, res.status == 200 && signed_ok && get("Status") == "SUCCESS" &&
                                       get("RespCode") == "0000", res,
                              std::chrono::duration_cast<std::chrono::seconds>(at - t0).count());
                    stats.last_answer_ms = seconds_since(t0) * 1000;
                  });
    });
    if (!drain(ioc, sent, count, pending, std::chrono::seconds(static_cast<int64_t>(static_cast<double>(count) / std::max(1.0, r)) + 60))) {
      die(prefix + " phase did not end");
    }
  };
  PhaseStats warm_stats, rate_stats, burst_stats;
  run_repays("W", rate, static_cast<int64_t>(rate) * warmup, warm_stats);

  // A mark for whoever profiles the processor during the rate phase (perf record -p PID).
  std::printf("rate phase starts\n");
  std::fflush(stdout);
  sampler.reset();
  api.reset_peaks();
  const pid_t sim_pid = child_named("repay-banksim");
  double cpu0 = cpu_seconds(pid), gen0 = cpu_seconds(), simcpu0 = sim_pid > 0 ? cpu_seconds(sim_pid) : 0;
  auto t_rate = SteadyClock::now();
  run_repays("R", rate, static_cast<int64_t>(rate) * seconds, rate_stats);
  double rate_wall = seconds_since(t_rate), rate_cpu = cpu_seconds(pid) - cpu0, rate_gen = cpu_seconds() - gen0;
  const double rate_sim = sim_pid > 0 ? cpu_seconds(sim_pid) - simcpu0 : -1;
  const long rate_threads = sampler.peak_threads(), rate_rss = sampler.peak_rss_kib();
  const int rate_sim_conns = sampler.peak_sim_connections();
  const int64_t rate_inflight = api.max_inflight, rate_conns = api.max_connections;

  std::this_thread::sleep_for(std::chrono::seconds(2));
  sampler.reset();
  api.reset_peaks();
  cpu0 = cpu_seconds(pid);
  run_repays("B", 0, burst, burst_stats);
  double burst_cpu = cpu_seconds(pid) - cpu0;
  const long burst_threads = sampler.peak_threads(), burst_rss = sampler.peak_rss_kib();
  const int burst_sim_conns = sampler.peak_sim_connections();
  const int64_t burst_inflight = api.max_inflight, burst_conns = api.max_connections;

  std::this_thread::sleep_for(std::chrono::seconds(5));
  const ProcStatus after = read_status(pid);

  // --- report -----------------------------------------------------------------------------------
  std::printf("\nsimulator alone (signed DEBITs to its gateway, %.0f/s for %llds):\n", rate,
              static_cast<long long>(seconds));
  print_outcomes(sim_stats);
  std::printf("warm-up repays: %zu answered, %lld errors\n", warm_stats.latency_ms.size(),
              static_cast<long long>(warm_stats.errors));
  std::printf("\nrepays through the processor, %.0f/s for %llds (%.1f s wall; processor CPU %.1f s = "
              "%.0f %% of a core = %.2f ms per repay; simulator CPU %.1f s; generator CPU %.1f s):\n",
              rate, static_cast<long long>(seconds), rate_wall, rate_cpu, 100 * rate_cpu / rate_wall,
              1000 * rate_cpu / std::max(1.0, rate * static_cast<double>(seconds)), rate_sim, rate_gen);
  print_outcomes(rate_stats);
  std::printf("\nanswer time (from the scheduled send to the end of the answer):\n");
  print_latency("simulator alone", sim_stats.latency_ms);
  print_latency("client via processor", rate_stats.latency_ms);
  print_by_second(sim_stats);
  std::printf("  %-26s         p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f\n", "processor added",
              percentile(rate_stats.latency_ms, 50) - percentile(sim_stats.latency_ms, 50),
              percentile(rate_stats.latency_ms, 90) - percentile(sim_stats.latency_ms, 90),
              percentile(rate_stats.latency_ms, 99) - percentile(sim_stats.latency_ms, 99),
              percentile(rate_stats.latency_ms, 99.9) - percentile(sim_stats.latency_ms, 99.9));
  std::printf("  %-26s         p50 %8.2f  p99 %8.2f  (client − %lld ms configured)\n", "added vs configured",
              percentile(rate_stats.latency_ms, 50) - static_cast<double>(latency_ms),
              percentile(rate_stats.latency_ms, 99) - static_cast<double>(latency_ms),
              static_cast<long long>(latency_ms));
  print_by_second(rate_stats);
  print_stalls(rate_stats, 20);
  std::printf("  in flight at most %lld (client connections %lld; processor→simulator connections %d)\n",
              static_cast<long long>(rate_inflight), static_cast<long long>(rate_conns), rate_sim_conns);

  std::printf("\nburst: %lld repays sent at once (processor CPU %.1f s):\n", static_cast<long long>(burst), burst_cpu);
  print_outcomes(burst_stats);
  print_latency("burst answer time", burst_stats.latency_ms);
  std::printf("  in flight at most %lld (client connections %lld; processor→simulator connections %d); "
              "last answer %.0f ms after the burst\n",
              static_cast<long long>(burst_inflight), static_cast<long long>(burst_conns), burst_sim_conns,
              burst_stats.last_answer_ms);

  std::printf("\nprocessor threads / RSS: before %ld / %.1f MiB; peak at %.0f/s %ld / %.1f MiB; peak in "
              "the burst %ld / %.1f MiB; after (5 s later) %ld / %.1f MiB\n",
              before.threads, before.rss_kib / 1024.0, rate, rate_threads, rate_rss / 1024.0, burst_threads,
              burst_rss / 1024.0, after.threads, after.rss_kib / 1024.0);
  std::printf("load average at the end: %s\n", loadavg().c_str());
  const int64_t errors = sim_stats.errors + rate_stats.errors + burst_stats.errors + warm_stats.errors;
  return errors == 0 ? 0 : 1;
}
