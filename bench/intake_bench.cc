// bench/intake: a 1,000,000-item batch file through batch::intake_file (hash, pass 1, pass 2,
// item checks, store) into a fresh store, side by side with the sqlite3 shell's `.import` of
// the same file into a plain table, on the same disk in the same run. Prints items/s for both,
// the ratio, and the peak RSS of each (each runs as a child process; ru_maxrss from wait4).
//
//   repay_bench_intake [--items 1000000] [--agreements 10000] [--dir /tmp/repay-bench-intake]
//                      [--setup-only]   (makes the data, prints the intake command for a profiler)
//
// Agreements are written straight into the store (bench_util.h AgreementWriter); item i uses
// agreement i % agreements, so with the defaults each agreement carries 100 items.
#include <fstream>
#include <iostream>
#include <sstream>

#include "batch/intake.h"
#include "bench_util.h"
#include "core/clock.h"
#include "core/log.h"

using namespace repay;
using namespace repay::bench;

namespace {

constexpr const char* kCenter = "CC01";
constexpr const char* kChannel = "COLL01";
constexpr const char* kBatchNo = "B000001";

// The child: the intake alone, timed from the call to its return. Prints "seconds items rejected".
int run_intake(const std::string& db, const std::string& path, const std::string& name) {
  log::set_level(log::Level::kWarn);
  auto cipher = bench_cipher();
  auto stores = open_stores(db, cipher);
  batch::BatchCenter center;
  center.center_id = kCenter;
  auto hasher = [&](const std::string& v) { return cipher.lookup_hash(v); };
  auto t0 = std::chrono::steady_clock::now();
  auto r = batch::intake_file(stores->stores().batches(), center, hasher, path, name, SystemClock().now());
  double s = seconds_since(t0);
  if (!r) die(r.error().to_string());
  if (r->kind != batch::IntakeResult::Kind::kAccepted) die("file not accepted: " + r->status + " " + r->error.to_string());
  std::printf("%.3f %lld %lld\n", s, static_cast<long long>(r->items),
              static_cast<long long>(r->rejected_items));
  return 0;
}

std::string batch_date_tomorrow() {
  return format_date(cst_date(SystemClock().now() + std::chrono::hours(24)));
}

// The batch file: header, then `items` detail lines; returns its size in bytes.
uint64_t write_batch_file(const std::string& path, const std::string& date, int64_t items,
                          int64_t agreements) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  int64_t total = 0;
  for (int64_t i = 0; i < items; ++i) total += 100 + i % 10000;
  out << "H|" << kCenter << "|" << kBatchNo << "|" << date << "|" << items << "|" << total << "\n";
  char buf[512];
  for (int64_t i = 0; i < items; ++i) {
    int64_t a = i % agreements;
    Holder h = synthetic_holder(static_cast<uint64_t>(a));
    int n = std::snprintf(buf, sizeof buf, "D|%lld|IT%010lld|%s|%s|01|%s|%s|AG%010lld|%lld|repayment %lld\n",
                          static_cast<long long>(i + 1), static_cast<long long>(i + 1),
                          h.credit_card.c_str(), h.name.c_str(), h.id_no.c_str(),
                          h.debit_card.c_str(), static_cast<long long>(a),
                          static_cast<long long>(100 + i % 10000), static_cast<long long>(i % 97));
    out.write(buf, n);
  }
  out.flush();
  if (!out) die("cannot write " + path);
  return static_cast<uint64_t>(out.tellp());
}

void create_agreements(const std::string& db, int64_t agreements) {
  auto cipher = bench_cipher();
  open_stores(db, cipher, {.connections = 1});  // creates the schema
  auto sql = open_db(db);
  {
    auto c = sql->acquire();
    exec_sql(*c, "BEGIN");
    AgreementWriter w(*c, cipher);
    char no[32];
    for (int64_t a = 0; a < agreements; ++a) {
      std::snprintf(no, sizeof no, "AG%010lld", static_cast<long long>(a));
      w.add(no, kCenter, kChannel, synthetic_holder(static_cast<uint64_t>(a)));
    }
    exec_sql(*c, "COMMIT");
  }
  if (auto r = sql->flush_log(); !r) die(r.error().to_string());
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t count_items(const std::string& db) {
  // Rows, and items still packed (store/batch_blocks.h).
  auto n = open_db(db)->integer("SELECT (SELECT COUNT(*) FROM batch_items) + "
                                "(SELECT COALESCE(SUM(items), 0) FROM batch_blocks)");
  return n ? *n : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child") return run_intake(argv[2], argv[3], argv[4]);
  const int64_t items = flag_int(argc, argv, "--items", 1'000'000);
  const int64_t agreements = std::min(items, flag_int(argc, argv, "--agreements", 10'000));
  const std::string dir = fresh_dir(flag(argc, argv, "--dir", "repay-bench-intake"));

  const std::string db = dir + "/repay.db";
  const std::string date = batch_date_tomorrow();
  const std::string name = std::string("REPAY_") + kCenter + "_" + date + "_" + kBatchNo + ".txt";
  const std::string file = dir + "/" + name;

  auto t0 = std::chrono::steady_clock::now();
  create_agreements(db, agreements);
  std::printf("setup: %lld agreements inserted in %.1f s\n", static_cast<long long>(agreements),
              seconds_since(t0));
  t0 = std::chrono::steady_clock::now();
  uint64_t bytes = write_batch_file(file, date, items, agreements);
  std::printf("setup: %s, %lld items, %.1f MiB, written in %.1f s\n", name.c_str(),
              static_cast<long long>(items), static_cast<double>(bytes) / (1 << 20), seconds_since(t0));

  if (argc > 1 && std::string(argv[argc - 1]) == "--setup-only") {
    // For a profiler: the intake alone, on the data just made.
    std::printf("run: %s --child %s %s %s\n", argv[0], db.c_str(), file.c_str(), name.c_str());
    return 0;
  }

  // The reference: sqlite3's own CSV-style import into a plain 11-column table (created first,
  // so the D lines fit; the header line is imported too, padded with NULLs).
  const std::string import_db = dir + "/import.db";
  ChildRun create = run_child({"sqlite3", import_db,
                               "CREATE TABLE t(r, seq, item_id, credit_card, name, id_type, id_no, "
                               "debit_card, agreement_no, amount, memo)"});
  if (create.status != 0) die("sqlite3 is needed on PATH");
  ChildRun imp = run_child({"sqlite3", import_db, ".mode list", ".separator |", ".import " + file + " t"},
                           dir + "/import.out", dir + "/import.err");
  if (imp.status != 0) die("sqlite3 .import failed: " + read_all(dir + "/import.err"));

  ChildRun ours = run_child({"/proc/self/exe", "--child", db, file, name}, dir + "/intake.out");
  if (ours.status != 0) die("intake child failed");
  double intake_s = 0;
  long long stored = 0, rejected = 0;
  std::istringstream(read_all(dir + "/intake.out")) >> intake_s >> stored >> rejected;
  if (stored != items || rejected != 0 || count_items(db) != items) {
    die("intake stored " + std::to_string(stored) + " items, " + std::to_string(rejected) + " rejected");
  }

  const double ours_rate = static_cast<double>(items) / intake_s;
  const double ref_rate = static_cast<double>(items) / imp.wall_s;
  std::printf("\n%-28s %12s %12s %10s %12s\n", "", "seconds", "items/s", "peak RSS", "CPU user+sys");
  std::printf("%-28s %12.2f %12.0f %7.1f MiB %11.2fs\n", "repay intake_file", intake_s, ours_rate,
              ours.peak_rss_mib, ours.user_s + ours.sys_s);
  std::printf("%-28s %12.2f %12.0f %7.1f MiB %11.2fs\n", "sqlite3 .import (reference)", imp.wall_s,
              ref_rate, imp.peak_rss_mib, imp.user_s + imp.sys_s);
  std::printf("\nratio (ours / sqlite3 .import): %.2f   target >= 1.0\n", ours_rate / ref_rate);
  std::printf("peak RSS of the intake process: %.1f MiB   target < 256 MiB\n", ours.peak_rss_mib);
  std::printf("(intake child wall incl. store open: %.2f s; %lld agreements, %lld items each)\n",
              ours.wall_s, static_cast<long long>(agreements),
              static_cast<long long>(items / agreements));
  return 0;
}
