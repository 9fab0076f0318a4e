// Channel reconciliation at scale (docs/performance.md, Channel reconciliation): N of our batch
// transactions of one day vs an N-line statement with 0.1% of each discrepancy class, end to end
// (copy, parse, match, store results and actions), then the same full outer join by the sqlite3
// shell on the same data, side by side. Usage: repay_bench_reconcile [--n 6000000]
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "bench_util.h"
#include "settlement/channel_recon.h"

using namespace repay;

namespace {

// Forwards to the real store and adds up the time each step of reconcile_channel_day() takes in
// it (loading ours runs on its own thread, beside the parse); whatever is left of the end-to-end
// time after the parse or the load, whichever took longer, is the in-memory match.
class TimedReconStore final : public settlement::ReconStore {
 public:
  explicit TimedReconStore(settlement::ReconStore& s) : s_(s) {}
  double load = 0, find = 0, record = 0;

  template <class F>
  auto timed(double& acc, F f) {
    auto t = std::chrono::steady_clock::now();
    auto r = f();
    acc += bench::seconds_since(t);
    return r;
  }

  Result<settlement::StoredStatement> record_statement(const settlement::StatementFile& f, Instant now) override {
    return s_.record_statement(f, now);
  }
  Result<settlement::OurRecords> load_ours(const std::string& ch, Date day) override {
    return timed(load, [&] { return s_.load_ours(ch, day); });
  }
  Result<settlement::OurRecords> find_ours(const std::string& ch, const std::vector<std::string>& sns) override {
    return timed(find, [&] { return s_.find_ours(ch, sns); });
  }
  Result<settlement::ReconRun> record_reconciliation(const std::string& ch, Date day, int64_t id,
                                                     const settlement::Reconciliation& r, Instant now,
                                                     const std::string& actor) override {
    return timed(record, [&] { return s_.record_reconciliation(ch, day, id, r, now, actor); });
  }
  Result<settlement::HeldFigures> held_figures(const std::string& center, Date day) override {
    return s_.held_figures(center, day);
  }

 private:
  settlement::ReconStore& s_;
};

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  const int64_t n = bench::flag_int(argc, argv, "--n", 6'000'000);
  const std::string dir = bench::fresh_dir("repay_bench_reconcile");
  const Date day(2026, 11, 21);
  const int64_t start = to_unix_ms(cst_day_start(day));
  auto cipher = crypto::FieldCipher::from_hex_key(std::string(64, '1'));
  if (!cipher) bench::die(cipher.error().to_string());
  auto stores = bench::open_stores(dir + "/repay.db", *cipher);

  // --- the day: n items; i % 1000 picks the class (1 forced+debited, 2 failed+debited,
  // 3 unknown+debited, 4 success missing, 5 amount differs, 6 listed twice); 0.1% unknown lines.
  auto t0 = std::chrono::steady_clock::now();
  {
    const std::string ff = std::to_string(start + 2LL * 86400 * 1000);
    auto st = stores->exec(
        "BEGIN; INSERT INTO batches(center_id, batch_no, batch_date, file_name, sha256, total_count, "
        "total_amount, received_at, send_from_at, force_fail_at, encoding, state, open_items) VALUES "
        "('CC01', 'B1', '20261121', 'f', 'x', 0, 0, 0, 0, " + ff + ", 'UTF-8', 'OPEN', 1000000);"
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " + std::to_string(n) +
        ") INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, amount, "
        "debit_amount, state, forced, late_state, txn_no, req_sn, send_from_at, force_fail_at, "
        "finished_at, updated_at) SELECT 'CC01', 'B1', i, 'I' || i, 'AG1', 'BANKC', 1000 + i % 5000, "
        "1000 + i % 5000, CASE i % 1000 WHEN 1 THEN 'FAILED' WHEN 2 THEN 'FAILED' WHEN 3 THEN 'UNKNOWN' "
        "ELSE 'SUCCESS' END, i % 1000 = 1, CASE WHEN i % 1000 = 1 THEN 'UNRESOLVED' END, "
        "printf('T%012d', i), printf('RS%014d', i), 0, " + ff + ", CASE WHEN i % 1000 = 3 THEN NULL "
        "ELSE " + std::to_string(start) + " + 3600000 + i END, " + std::to_string(start) + " + 3600000 + i "
        "FROM k; COMMIT;");
    if (!st) bench::die(st.error().to_string());
  }
  const std::string stmt_path = dir + "/STMT_BANKC_20261121.txt";
  {
    std::string body;
    body.reserve(static_cast<size_t>(n) * 60);
    int64_t count = 0, sum = 0;
    char buf[128];
    auto line = [&](const char* sn, int64_t amount) {
      int len = std::snprintf(buf, sizeof buf, "D|C%lld|%s|DEBIT|%lld|20261121120000\n",
                              static_cast<long long>(count), sn, static_cast<long long>(amount));
      body.append(buf, static_cast<size_t>(len));
      ++count;
      sum += amount;
    };
    char sn[32];
    for (int64_t i = 1; i <= n; ++i) {
      const int64_t cls = i % 1000;
      const int64_t amount = 1000 + i % 5000;
      std::snprintf(sn, sizeof sn, "RS%014lld", static_cast<long long>(i));
      if (cls == 4) continue;
      line(sn, cls == 5 ? amount + 1 : amount);
      if (cls == 6) line(sn, amount);
      if (cls == 7) {
        std::snprintf(sn, sizeof sn, "RX%014lld", static_cast<long long>(i));
        line(sn, amount);
      }
    }
    std::ofstream f(stmt_path, std::ios::binary);
    f << "H|BANKC|20261121|" << count << "|" << sum << "|0\n" << body;
  }
  std::printf("setup (%lld items, statement written): %.1f s\n", static_cast<long long>(n),
              bench::seconds_since(t0));

  // --- ours, end to end.
  const double rss_before = bench::peak_rss_mib();
  t0 = std::chrono::steady_clock::now();
  const double cpu_before = bench::cpu_seconds();
  TimedReconStore timed(stores->stores().recon());
  // What `repay settle` does (settlement/jobs/settle_jobs.cc): our records load on a second thread while the
  // statement is parsed.
  settlement::OursLoading loading(timed, "BANKC", day);
  auto reader = files::LineReader::open(stmt_path, files::Encoding::kUtf8);
  if (!reader) bench::die(reader.error().to_string());
  settlement::Statement statement;
  auto errors = settlement::read_statement(**reader, "STMT_BANKC_20261121.txt", "BANKC", day, &statement);
  if (!errors.empty()) bench::die(errors[0].to_string());
  const double parse_s = bench::seconds_since(t0);
  auto sha = files::file_sha256(stmt_path);
  auto stored = stores->stores().recon().record_statement(
      settlement::StatementFile{"BANKC", day, stmt_path, sha->first, statement.count,
                                statement.debit_amount, statement.refund_amount},
      cst_time_on(day + boost::gregorian::days(1), 9 * 60));
  if (!stored) bench::die(stored.error().to_string());
  auto ours = loading.take();
  if (!ours) bench::die(ours.error().to_string());
  const double loaded_s = bench::seconds_since(t0);
  auto run = settlement::reconcile_channel_day(timed, "BANKC", day, stored->id, statement,
                                               std::move(*ours), 3,
                                               cst_time_on(day + boost::gregorian::days(1), 9 * 60),
                                               "job:bench");
  if (!run) bench::die(run.error().to_string());
  const double ours_s = bench::seconds_since(t0);
  const double ours_cpu = bench::cpu_seconds() - cpu_before;
  std::printf("repay: %.2f s end to end (%.2f s CPU), peak RSS %.0f MiB (%.0f before)\n", ours_s,
              ours_cpu, bench::peak_rss_mib(), rss_before);
  std::printf("  parse + record the statement %.2f s, beside it load ours %.2f s (both done at %.2f s); "
              "match %.2f s; look up stragglers %.2f s; apply and record %.2f s; kept %lld records\n",
              parse_s, timed.load, loaded_s, ours_s - loaded_s - timed.find - timed.record, timed.find,
              timed.record, static_cast<long long>(run->kept));
  for (size_t k = 0; k < settlement::kClassCount; ++k) {
    if (run->counts[k]) std::printf("  %-24s %lld\n", settlement::class_name(static_cast<settlement::Class>(k)),
                                    static_cast<long long>(run->counts[k]));
  }
  std::printf("  applied %lld, proposals %lld, exceptions %lld\n", static_cast<long long>(run->facts_applied),
              static_cast<long long>(run->proposals), static_cast<long long>(run->exceptions));

  // --- the same full outer join by the sqlite3 shell on the same data (statement imported).
  const std::string script = dir + "/join.sql";
  {
    std::ofstream f(script);
    f << "CREATE TEMP TABLE stmt(k, txn, req_sn, type, amount, t);\n.separator |\n.import "
      << stmt_path << " stmt\n"
      << "DELETE FROM stmt WHERE k <> 'D';\n"
      << "CREATE INDEX temp.stmt_sn ON stmt(req_sn);\n"
      << "CREATE TEMP TABLE ours AS SELECT req_sn, debit_amount AS amount FROM batch_items WHERE "
         "channel_id = 'BANKC' AND (finished_at >= " << start << " AND finished_at < " << start + 86400000
      << " OR finished_at IS NULL);\n"
      << "CREATE INDEX temp.ours_sn ON ours(req_sn);\n"
      << "SELECT cls, COUNT(*) FROM (SELECT CASE WHEN o.req_sn IS NULL THEN 'UNKNOWN' WHEN s.req_sn "
         "IS NULL THEN 'MISSING' WHEN o.amount <> CAST(s.amount AS INTEGER) THEN 'AMOUNT' "
         "ELSE 'PAIRED' END AS cls FROM ours o FULL OUTER JOIN stmt s "
         "USING (req_sn)) GROUP BY cls;\n";
  }
  t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen(script.c_str(), "r", stdin);
    execlp("sqlite3", "sqlite3", (dir + "/repay.db").c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  const double sqlite_s = bench::seconds_since(t0);
  std::printf("sqlite3 shell (import + FULL OUTER JOIN): %.2f s (%.2f s CPU), peak RSS %.0f MiB, exit %d\n",
              sqlite_s, static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
              static_cast<double>(ru.ru_maxrss) / 1024.0, WEXITSTATUS(status));
  std::printf("ratio: %.1fx\n", sqlite_s / ours_s);
  return 0;
}
