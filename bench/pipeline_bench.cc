// bench/pipeline: N items of one OPEN batch, packed as the intake stores them, debited through the
// real pipeline (batch::BatchJobs::pump(): claim_debits, ChannelClient over curl, apply_facts) against the real
// simulator binary on loopback with a fixed answer latency. Prints debits/s as a fraction of the
// channel's ceiling min(max_tps, max_inflight / latency). First, the same simulator driven by the
// ChannelClient alone (no store), to show what the simulator and the curl loop can do.
//
//   repay_bench_pipeline [--items 1000000] [--latency-ms 50] [--max-inflight 500]
//                        [--max-tps 100000] [--alone 200000] [--dir /tmp/repay-bench-pipeline]
//                        [--banksim PATH] [--sim-threads 2]
#include <array>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/job_options.h"
#include "batch/jobs/batch_jobs.h"
#include "stack/subprocess.h"
#include "bench_util.h"
#include "channel/channel_client.h"
#include "core/log.h"
#include "store/stores.h"
#include "simulator/book.h"

using namespace repay;
using namespace repay::bench;

namespace {

constexpr const char* kCenter = "CC01";
constexpr const char* kChannel = "COLL01";
constexpr const char* kMerchant = "M100001";
constexpr const char* kSecret = "bench-secret-0123456789abcdef0123456789abcdef";
constexpr Fen kAmount = 100;

class ClientPort final : public ChannelPort {
 public:
  explicit ClientPort(channel::ChannelClient& c) : c_(c) {}
  void submit(channel::ChannelCall call, std::function<void(channel::ChannelResult)> done) override {
    c_.submit(std::move(call), [this, done = std::move(done)](channel::ChannelResult r) {
      // Round trips as the client measured them (send to answer), in 1 ms bins.
      size_t bin = std::min<size_t>(static_cast<size_t>(r.elapsed.count()), kBins - 1);
      bins_[bin].fetch_add(1, std::memory_order_relaxed);
      done(std::move(r));
    });
  }
  // The p-th percentile (0..100) of the round trips so far, in ms.
  int64_t percentile(double p) const {
    int64_t total = 0;
    for (const auto& b : bins_) total += b.load();
    int64_t want = static_cast<int64_t>(p / 100.0 * static_cast<double>(total)), seen = 0;
    for (size_t i = 0; i < kBins; ++i) {
      seen += bins_[i].load();
      if (seen > want) return static_cast<int64_t>(i);
    }
    return static_cast<int64_t>(kBins - 1);
  }
  double mean() const {
    double total = 0, sum = 0;
    for (size_t i = 0; i < kBins; ++i) {
      total += static_cast<double>(bins_[i].load());
      sum += static_cast<double>(bins_[i].load()) * (static_cast<double>(i) + 0.5);
    }
    return total > 0 ? sum / total : 0;
  }

 private:
  static constexpr size_t kBins = 2000;
  channel::ChannelClient& c_;
  std::array<std::atomic<int64_t>, kBins> bins_{};
};

struct Sim {
  stack::Subprocess process;
  uint16_t port = 0;
  std::vector<sim::Cardholder> book;
};

Sim start_sim(const std::string& bin, const std::string& dir, int latency_ms, int threads) {
  std::ofstream(dir + "/secret") << kSecret << "\n";
  std::filesystem::remove(dir + "/banksim.port");
  auto p = stack::Subprocess::spawn(
      {bin, "--listen", "127.0.0.1:0", "--port-file", dir + "/banksim.port", "--seed", "11",
       "--book-size", "5000", "--book-out", dir + "/book.txt", "--log-level", "error",
       "--threads", std::to_string(threads), "--latency-ms", std::to_string(latency_ms),
       "--channel", std::string(kChannel) + ",COLLECT," + kMerchant + "," + dir + "/secret"},
      dir + "/banksim.log");
  if (!p) die(p.error().to_string());
  Sim s;
  s.process = std::move(*p);
  auto port = stack::wait_for_port_file(dir + "/banksim.port", std::chrono::seconds(30), &s.process);
  if (!port) die("simulator did not start: " + port.error().to_string());
  s.port = *port;
  std::ifstream in(dir + "/book.txt");
  std::stringstream text;
  text << in.rdbuf();
  auto book = sim::parse_book(text.str());
  if (!book) die(book.error().to_string());
  // Cardholders every debit of the run succeeds for: NORMAL, money for a few hundred debits.
  for (auto& h : *book) {
    if (h.state == sim::CardState::kNormal && h.balance >= 1'000'00) s.book.push_back(h);
  }
  return s;
}

channel::ChannelEndpoint endpoint(uint16_t port, int max_inflight, int max_tps) {
  channel::ChannelEndpoint e;
  e.channel_id = kChannel;
  e.kind = "COLLECT";
  e.base_url = "http://127.0.0.1:" + std::to_string(port) + "/" + kChannel;
  e.merchant_id = kMerchant;
  e.secrets = {kSecret};
  e.max_inflight = max_inflight;
  e.max_tps = max_tps;
  // The ceiling of the brief is the channel's whole capacity: no real-time share kept free.
  e.realtime_share = 0.0;
  return e;
}

// DEBITs straight through the client, `max_inflight` kept queued ahead: no store at all.
double simulator_alone(Sim& s, int64_t n, int max_inflight, int max_tps) {
  SystemClock clock;
  const double cpu0 = cpu_seconds(), sim0 = cpu_seconds(s.process.pid());
  channel::ChannelClient client({endpoint(s.port, max_inflight, max_tps)}, clock);
  client.start();
  std::atomic<int64_t> done{0}, ok{0};
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i) {
    while (i - done.load() >= 2 * max_inflight) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const auto& h = s.book[static_cast<size_t>(i) % s.book.size()];
    channel::ChannelCall c;
    c.channel_id = kChannel;
    c.tx_code = "DEBIT";
    c.req_sn = "AL" + std::to_string(i);
    c.priority = channel::Priority::kBatch;
    c.fields = {{"Amount", format_amount(kAmount)}, {"CardNo", h.debit_card}, {"Name", h.name},
                {"IdType", h.id_type}, {"IdNo", h.id_no}};
    client.submit(std::move(c), [&](channel::ChannelResult r) {
      if (r.outcome == channel::Outcome::kAnswered && r.ret_code == "0000") ++ok;
      ++done;
    });
  }
  while (done.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double secs = seconds_since(t0);
  std::printf("  CPU over %.1f s: simulator %.1f s, client %.1f s\n", secs,
              cpu_seconds(s.process.pid()) - sim0, cpu_seconds() - cpu0);
  if (ok.load() != n) std::printf("  (simulator alone: %lld of %lld answered 0000)\n",
                                  static_cast<long long>(ok.load()), static_cast<long long>(n));
  return static_cast<double>(n) / secs;
}

// The batch, its items and the agreements, inside the caller's transaction on `c`.
void seed_rows(store::Connection& c, const crypto::FieldCipher& cipher, const Sim& s, int64_t n) {
  {
    AgreementWriter w(c, cipher);
    for (size_t a = 0; a < s.book.size(); ++a) {
      const auto& h = s.book[a];
      w.add("AG" + std::to_string(a), kCenter, kChannel, Holder{h.name, h.id_no, h.credit_card, h.debit_card});
    }
  }
  const int64_t now = to_unix_ms(SystemClock().now());
  const int64_t from = now - 3'600'000, ff = now + 4 * 3'600'000;
  exec_sql(c, "INSERT INTO batches(center_id, batch_no, batch_date, file_name, sha256, total_count, "
              "total_amount, received_at, send_from_at, force_fail_at, encoding, state, open_items) "
              "VALUES ('" + std::string(kCenter) + "', 'B1', '20260101', 'f', 'x', " + std::to_string(n) +
              ", " + std::to_string(n * kAmount) + ", " + std::to_string(from) + ", " +
              std::to_string(from) + ", " + std::to_string(ff) + ", 'UTF-8', 'OPEN', " +
              std::to_string(n) + ")");
  // The items packed as the intake stores them (store/batch_blocks.h): the claims unpack them,
  // so that work is inside the figure.
  {
    PackedItemWriter packed(c, kCenter, "B1");
    for (int64_t i = 1; i <= n; ++i) {
      batch::NewItem item;
      item.seq = i;
      item.item_id = "IT" + std::to_string(i);
      item.agreement_no = "AG" + std::to_string(static_cast<size_t>(i) % s.book.size());
      item.channel_id = kChannel;
      item.amount = kAmount;
      item.debit_amount = kAmount;
      item.fee_rule = "NONE:0/CENTER";
      packed.add(item);
    }
    packed.finish();
  }
}

// One OPEN batch of n items (packed, PENDING), sendable now, and an agreement per cardholder.
void seed_store(const std::string& db, const crypto::FieldCipher& cipher, const Sim& s, int64_t n) {
  open_stores(db, cipher, {.connections = 1});  // creates the schema
  auto sql = open_db(db);
  {
    auto c = sql->acquire();
    exec_sql(*c, "BEGIN");
    seed_rows(*c, cipher, s, n);
    exec_sql(*c, "COMMIT");
  }
  if (auto r = sql->flush_log(); !r) die(r.error().to_string());
}

int64_t open_items(testing::Database& db) {
  auto n = db.integer("SELECT open_items FROM batches WHERE center_id = 'CC01' AND batch_no = 'B1'");
  return n ? *n : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = flag_int(argc, argv, "--items", 1'000'000);
  const int latency = static_cast<int>(flag_int(argc, argv, "--latency-ms", 50));
  const int inflight = static_cast<int>(flag_int(argc, argv, "--max-inflight", 500));
  const int tps = static_cast<int>(flag_int(argc, argv, "--max-tps", 100'000));
  const int64_t alone_n = flag_int(argc, argv, "--alone", std::min<int64_t>(n, 200'000));
  const int sim_threads = static_cast<int>(flag_int(argc, argv, "--sim-threads", 2));
  const std::string bin = flag(argc, argv, "--banksim", BANKSIM_BIN);
  const std::string dir = fresh_dir(flag(argc, argv, "--dir", "repay-bench-pipeline"));
  log::set_level(log::Level::kWarn);
  const double ceiling = std::min<double>(tps, inflight * 1000.0 / latency);
  std::printf("N = %lld items; simulator latency %d ms; max_inflight %d; max_tps %d; ceiling %.0f/s\n",
              static_cast<long long>(n), latency, inflight, tps, ceiling);

  double alone = 0;
  if (alone_n > 0) {
    Sim s = start_sim(bin, dir, latency, sim_threads);
    alone = simulator_alone(s, alone_n, inflight, tps);
    s.process.stop(SIGTERM);
    std::printf("simulator + ChannelClient alone (%lld DEBITs, no store): %.0f debits/s = %.2f of the ceiling\n",
                static_cast<long long>(alone_n), alone, alone / ceiling);
  }

  Sim s = start_sim(bin, dir, latency, sim_threads);
  auto cipher = bench_cipher();
  const std::string db = dir + "/repay.db";
  auto t0 = std::chrono::steady_clock::now();
  seed_store(db, cipher, s, n);
  std::printf("setup: %lld items packed, %zu agreements, in %.1f s\n", static_cast<long long>(n),
              s.book.size(), seconds_since(t0));

  // As the processor runs it (app/processor.cc): group commit, so checkpoints on GroupSync's
  // thread, not in the pump's commits.
  auto stores = open_stores(db, cipher, {.group_commit = true});
  SystemClock clock;
  channel::ChannelClient client({endpoint(s.port, inflight, tps)}, clock);
  client.start();
  ClientPort port(client);
  settings::Settings settings;
  settings.processor.id = "bench";
  settings.processor.database = db;
  settings::ChannelSettings ch;
  ch.id = kChannel;
  ch.kind = "COLLECT";
  ch.max_inflight = inflight;
  ch.max_tps = tps;
  ch.realtime_share = 0.0;
  settings.channels[kChannel] = ch;
  batch::BatchJobs jobs(app::batch_jobs_options(settings), stores->stores().batches(), cipher, &port, clock);

  // The loop of BatchJobs::pump_loop(), with progress read from the batch row twice a second.
  auto watch = open_db(db);
  const double cpu0 = cpu_seconds(), sim0 = cpu_seconds(s.process.pid());
  t0 = std::chrono::steady_clock::now();
  auto next_check = t0;
  double t10 = 0, t90 = 0;
  int64_t left = n;
  long rounds = 0;
  long samples = 0;
  double inflight_sum = 0, queued_sum = 0;
  int queued_min = 1 << 30;
  while (left > 0) {
    ++rounds;
    if (jobs.pump() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto now = std::chrono::steady_clock::now();
    if (now < next_check) continue;
    next_check = now + std::chrono::milliseconds(500);
    left = open_items(*watch);
    const auto st = client.stats(kChannel);
    ++samples;
    inflight_sum += st.inflight;
    queued_sum += st.queued_batch;
    queued_min = std::min(queued_min, st.queued_batch);
    const double t = seconds_since(t0);
    if (t10 == 0 && left <= n * 9 / 10) t10 = t;
    if (t90 == 0 && left <= n / 10) t90 = t;
  }
  const double secs = seconds_since(t0);
  std::printf("round trip ms: mean %.1f, p50 %lld, p90 %lld, p99 %lld\n", port.mean(),
              static_cast<long long>(port.percentile(50)), static_cast<long long>(port.percentile(90)),
              static_cast<long long>(port.percentile(99)));
  std::printf("pump rounds %ld (%.0f/s); in flight avg %.0f, queued avg %.0f min %d\n", rounds, rounds / secs,
              inflight_sum / samples, queued_sum / samples, queued_min);
  const double sim_cpu = cpu_seconds(s.process.pid()) - sim0, our_cpu = cpu_seconds() - cpu0;
  watch.reset();
  client.stop();
  s.process.stop(SIGTERM);

  const double rate = static_cast<double>(n) / secs;
  const double steady = t90 > t10 ? 0.8 * static_cast<double>(n) / (t90 - t10) : rate;
  std::printf("\n%-44s %12s %10s\n", "", "debits/s", "of ceiling");
  std::printf("%-44s %12.0f %10.2f\n", "channel ceiling min(max_tps, inflight/latency)", ceiling, 1.0);
  if (alone_n > 0) std::printf("%-44s %12.0f %10.2f\n", "simulator + client alone", alone, alone / ceiling);
  std::printf("%-44s %12.0f %10.2f\n", "pipeline, whole run", rate, rate / ceiling);
  std::printf("%-44s %12.0f %10.2f\n", "pipeline, 10%..90% of the items", steady, steady / ceiling);
  std::printf("\n%lld items final in %.1f s; target >= 0.90 of the ceiling; peak RSS %.0f MiB\n",
              static_cast<long long>(n), secs, peak_rss_mib());
  std::printf("CPU over the run: simulator %.1f s, repay (store + client + pump) %.1f s, on %ld cores\n",
              sim_cpu, our_cpu, sysconf(_SC_NPROCESSORS_ONLN));
  return 0;
}
