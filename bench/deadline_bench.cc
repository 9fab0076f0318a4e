// bench/deadline: a 1,000,000-item OPEN batch whose force-fail time has come — 1% of its items
// SENDING or UNKNOWN, the rest PENDING or SUCCESS, and its last quarter (--packed) never sent nor
// unpacked (store/batch_blocks.h) — then batch::BatchJobs::deadlines_and_returns():
// force_fail_due(), the return file written (write_return_file) and published to a local outbox
// (transport: NAME.tmp, rename, NAME.ok), the batch marked RETURNED. Prints the seconds.
//
//   repay_bench_deadline [--items 1000000] [--packed 0.25] [--dir /tmp/repay-bench-deadline]
#include <fstream>

#include "app/job_options.h"
#include "batch/jobs/batch_jobs.h"
#include "bench_util.h"
#include "core/log.h"
#include "store/stores.h"

using namespace repay;
using namespace repay::bench;

namespace {

constexpr const char* kCenter = "CC01";

// Item i's state: 0.5% SENDING, 0.5% UNKNOWN; of the rest, alternately PENDING and SUCCESS.
const char* state_of(int64_t i) {
  if (i % 200 == 7) return "SENDING";
  if (i % 200 == 107) return "UNKNOWN";
  return i % 2 == 0 ? "PENDING" : "SUCCESS";
}

// The batch and its items, inside the caller's transaction on `c`.
void seed_rows(store::Connection& c, int64_t n, int64_t packed, const std::string& date,
               int64_t force_fail_ms) {
  const char* insert =
      "INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, amount, "
      "debit_amount, fee_rule, state, resp_code, txn_no, req_sn, channel_txn_no, claim_node, "
      "send_from_at, force_fail_at, finished_at, updated_at) VALUES ('CC01', 'B1', ?, ?, 'AG1', "
      "'COLL01', ?, ?, 'NONE:0/CENTER', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  const int64_t from = force_fail_ms - 8 * 3'600'000;
  int64_t open = 0;
  const int64_t rows = n - packed;
  for (int64_t i = 1; i <= rows; ++i) {
    const std::string state = state_of(i);
    const bool sent = state != "PENDING";
    const bool success = state == "SUCCESS";
    open += success ? 0 : 1;
    char item[24], txn[32], sn[32], ctn[32];
    std::snprintf(item, sizeof item, "IT%010lld", static_cast<long long>(i));
    std::snprintf(txn, sizeof txn, "T%s%010lld", date.c_str(), static_cast<long long>(i));
    std::snprintf(sn, sizeof sn, "RS%014lld", static_cast<long long>(i));
    std::snprintf(ctn, sizeof ctn, "COLL01%s%08lld", date.c_str(), static_cast<long long>(i));
    const int64_t amount = 100 + i % 10000;
    // From the connection's cache of prepared statements, bindings cleared (unbound: NULL).
    auto st = c.prepare(insert);
    if (!st) die(st.error().to_string());
    st->bind(1, i);
    st->bind(2, item);
    st->bind(3, amount);
    st->bind(4, amount);
    st->bind(5, state);
    if (success) st->bind(6, "0000");
    if (sent) {
      st->bind(7, txn);
      st->bind(8, sn);
    }
    if (success) st->bind(9, ctn);
    if (state == "SENDING") st->bind(10, "bench");
    st->bind(11, from);
    st->bind(12, force_fail_ms);
    if (success) st->bind(13, from + i);
    st->bind(14, from + i);
    if (auto r = st->run(); !r) die(r.error().to_string());
  }
  // The rest packed as the intake stores it: never reached by a claim.
  {
    PackedItemWriter packed_items(c, "CC01", "B1");
    for (int64_t i = rows + 1; i <= n; ++i) {
      batch::NewItem item;
      item.seq = i;
      char id[24];
      std::snprintf(id, sizeof id, "IT%010lld", static_cast<long long>(i));
      item.item_id = id;
      item.agreement_no = "AG1";
      item.channel_id = "COLL01";
      item.amount = item.debit_amount = 100 + i % 10000;
      item.fee_rule = "NONE:0/CENTER";
      packed_items.add(item);
      ++open;
    }
    packed_items.finish();
  }
  int64_t total = 0;
  for (int64_t i = 1; i <= n; ++i) total += 100 + i % 10000;
  exec_sql(c, "INSERT INTO batches(center_id, batch_no, batch_date, file_name, sha256, total_count, "
              "total_amount, received_at, send_from_at, force_fail_at, encoding, state, open_items) "
              "VALUES ('CC01', 'B1', '" + date + "', 'f', 'x', " + std::to_string(n) + ", " +
              std::to_string(total) + ", " + std::to_string(from) + ", " + std::to_string(from) +
              ", " + std::to_string(force_fail_ms) + ", 'UTF-8', 'OPEN', " + std::to_string(open) + ")");
}

void seed_store(const std::string& db, const crypto::FieldCipher& cipher, int64_t n, int64_t packed,
                const std::string& date, int64_t force_fail_ms) {
  open_stores(db, cipher, {.connections = 1});  // creates the schema
  auto sql = open_db(db);
  {
    auto c = sql->acquire();
    exec_sql(*c, "BEGIN");
    seed_rows(*c, n, packed, date, force_fail_ms);
    exec_sql(*c, "COMMIT");
  }
  if (auto r = sql->flush_log(); !r) die(r.error().to_string());
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = flag_int(argc, argv, "--items", 1'000'000);
  const double packed_share = std::stod(flag(argc, argv, "--packed", "0.25"));
  const auto packed = static_cast<int64_t>(static_cast<double>(n) * packed_share);
  const std::string dir = fresh_dir(flag(argc, argv, "--dir", "repay-bench-deadline"));
  log::set_level(log::Level::kError);
  SystemClock clock;
  const Instant now = clock.now();
  const std::string date = format_date(cst_date(now));
  const int64_t force_fail_ms = to_unix_ms(now) - 60'000;  // a minute ago: due

  auto cipher = bench_cipher();
  const std::string db = dir + "/repay.db";
  auto t0 = std::chrono::steady_clock::now();
  seed_store(db, cipher, n, packed, date, force_fail_ms);
  std::printf("setup: %lld items (1%% SENDING/UNKNOWN, the rest PENDING/SUCCESS; %lld of them packed) "
              "in %.1f s\n", static_cast<long long>(n), static_cast<long long>(packed), seconds_since(t0));

  auto stores = open_stores(db, cipher);
  settings::Settings settings;
  settings.processor.id = "bench";
  settings.processor.database = db;
  settings::CenterSettings center;
  center.id = kCenter;
  center.transport = "local";
  center.local_inbox = dir + "/inbox";
  center.local_outbox = dir + "/outbox";
  std::filesystem::create_directories(center.local_inbox);
  std::filesystem::create_directories(center.local_outbox);
  settings.centers[kCenter] = center;
  batch::BatchJobs jobs(app::batch_jobs_options(settings), stores->stores().batches(), cipher, nullptr, clock);

  // What the deadline loop does, in its two steps, timed apiece.
  const double cpu0 = cpu_seconds();
  t0 = std::chrono::steady_clock::now();
  auto closed = stores->stores().batches().force_fail_due(clock.now(), "job:force-fail");
  if (!closed || closed->closed.size() != 1) die("force_fail_due did not close the batch");
  const double force_s = seconds_since(t0);
  auto t1 = std::chrono::steady_clock::now();
  auto published = jobs.deadlines_and_returns();
  if (!published || published->published != 1) die("the return file was not published");
  const double publish_s = seconds_since(t1);
  const double total_s = seconds_since(t0);
  const double cpu_s = cpu_seconds() - cpu0;

  const std::string name = "RET_CC01_" + date + "_B1.txt";
  std::ifstream ret(center.local_outbox + "/" + name);
  int64_t lines = 0;
  for (std::string l; std::getline(ret, l);) ++lines;
  if (lines != n + 1 || !std::filesystem::exists(center.local_outbox + "/" + name + ".ok")) {
    die("the published return file has " + std::to_string(lines) + " lines");
  }
  std::printf("\n%-52s %8.2f s\n", "force_fail_due (one batch)", force_s);
  std::printf("%-52s %8.2f s\n", "return file written + published + marked RETURNED", publish_s);
  std::printf("%-52s %8.2f s   target <= 10 s\n", "total: force-fail to published", total_s);
  std::printf("%-52s %8.2f s\n", "(CPU user+sys of that total)", cpu_s);
  std::printf("(%s: %lld lines, %.1f MiB; peak RSS %.0f MiB)\n", name.c_str(),
              static_cast<long long>(lines),
              static_cast<double>(std::filesystem::file_size(center.local_outbox + "/" + name)) / (1 << 20),
              peak_rss_mib());
  return 0;
}
