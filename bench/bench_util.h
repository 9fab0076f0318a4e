// Shared pieces of the benchmarks (docs/performance.md): timing, child processes with their
// rusage, synthetic cardholders (Luhn-valid cards, GB 11643 IDs) and agreements written straight
// into the store. Benchmarks print figures; nothing here asserts a duration (testing.md).
#pragma once

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "core/mask.h"
#include "store/batch_blocks.h"

namespace repay::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Peak resident set of this process, in MiB (Linux: ru_maxrss is in KiB).
inline double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// CPU seconds (user + system) used so far by this process, or by process `pid` (/proc/pid/stat).
inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
inline double cpu_seconds(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // fields after the command name
  unsigned long long ut = 0, st = 0;
  if (!p || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
  return static_cast<double>(ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(2);
}

// "--name value" from argv, or `def`.
inline std::string flag(int argc, char** argv, std::string_view name, std::string def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return def;
}
inline int64_t flag_int(int argc, char** argv, std::string_view name, int64_t def) {
  return std::stoll(flag(argc, argv, name, std::to_string(def)));
}

// A fresh folder under $REPAY_BENCH_DIR (default /tmp): the databases and files of one run.
inline std::string fresh_dir(const std::string& name) {
  const char* base = std::getenv("REPAY_BENCH_DIR");
  std::filesystem::path p = std::filesystem::path(base ? base : "/tmp") / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

// A child process run to its end: wall time and its own rusage (peak RSS, CPU).
struct ChildRun {
  int status = -1;  // exit code, or -signal
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  double peak_rss_mib = 0;
};

// Runs argv (a PATH search for argv[0]); stdout and stderr go to the files given, if any.
inline ChildRun run_child(const std::vector<std::string>& argv, const std::string& out_file = "",
                          const std::string& err_file = "") {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);  // else the child would print our buffered output again
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    if (!out_file.empty() && !std::freopen(out_file.c_str(), "w", stdout)) _exit(126);
    if (!err_file.empty() && !std::freopen(err_file.c_str(), "w", stderr)) _exit(126);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  ChildRun r;
  r.wall_s = seconds_since(t0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  r.user_s = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
  r.sys_s = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
  r.peak_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  return r;
}

// --- synthetic cardholders ----------------------------------------------------------------------

// `prefix` + digits of `n` (zero-padded to `len - 1 - prefix`) + the Luhn check digit.
inline std::string luhn_card(std::string_view prefix, uint64_t n, size_t len = 16) {
  std::string body(prefix);
  std::string digits = std::to_string(n);
  body += std::string(len - 1 - prefix.size() - digits.size(), '0') + digits;
  int sum = 0;
  bool dbl = true;  // the check digit is appended on the right: the last body digit is doubled
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  body += static_cast<char>('0' + (10 - sum % 10) % 10);
  return body;
}

// A GB 11643-1999 resident ID: region 110101, a real birth date, sequence, check character.
inline std::string gb11643_id(uint64_t n) {
  char body[18];
  int year = 1960 + static_cast<int>(n % 40), month = 1 + static_cast<int>(n / 40 % 12);
  int day = 1 + static_cast<int>(n / 480 % 28);
  std::snprintf(body, sizeof body, "110101%04d%02d%02d%03d", year, month, day,
                static_cast<int>(n % 1000));
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

struct Holder {
  std::string name;
  std::string id_no;  // id_type 01
  std::string credit_card;
  std::string debit_card;
};

inline Holder synthetic_holder(uint64_t n) {
  static const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄"};
  static const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军"};
  Holder h;
  h.name = std::string(kSurnames[n % 8]) + kGiven[n / 8 % 10] + kGiven[n / 80 % 10];
  h.id_no = gb11643_id(n);
  h.credit_card = luhn_card("4392", n);
  h.debit_card = luhn_card("622848", n, 19);
  return h;
}

// Writes one ACTIVE agreement straight into the store's table (the columns SqlSigningStore::finish
// writes), encrypted and hashed with the store's cipher: far faster than signing through the API.
class AgreementWriter {
 public:
  AgreementWriter(sqlite3* db, const crypto::FieldCipher& cipher) : db_(db), cipher_(cipher) {
    const char* sql =
        "INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
        "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
        "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) "
        "VALUES (?, ?, 'COLLECT', ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, '01', ?, ?, ?, 0, 0)";
    if (sqlite3_prepare_v2(db_, sql, -1, &st_, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db_));
  }
  ~AgreementWriter() { sqlite3_finalize(st_); }

  void add(const std::string& agreement_no, const std::string& center, const std::string& channel,
           const Holder& h) {
    std::string v[] = {agreement_no,
                       center,
                       channel,
                       cipher_.encrypt(h.credit_card),
                       cipher_.lookup_hash(h.credit_card),
                       mask_card(h.credit_card),
                       cipher_.encrypt(h.debit_card),
                       cipher_.lookup_hash(h.debit_card),
                       mask_card(h.debit_card),
                       h.name,
                       cipher_.encrypt(h.id_no),
                       cipher_.lookup_hash(h.id_no),
                       mask_id(h.id_no)};
    sqlite3_reset(st_);
    for (int i = 0; i < 13; ++i) {
      const bool blob = i == 3 || i == 6 || i == 10;
      if (blob) {
        sqlite3_bind_blob(st_, i + 1, v[i].data(), static_cast<int>(v[i].size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_text(st_, i + 1, v[i].data(), static_cast<int>(v[i].size()), SQLITE_TRANSIENT);
      }
    }
    if (sqlite3_step(st_) != SQLITE_DONE) die(std::string("agreement: ") + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  const crypto::FieldCipher& cipher_;
  sqlite3_stmt* st_ = nullptr;
};

inline void exec_sql(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    die("sql: " + msg + " in " + sql.substr(0, 80));
  }
}

// Items of one batch packed into batch_blocks as the intake stores them (store/batch_blocks.h),
// added in seq order; the last block is written by finish().
class PackedItemWriter {
 public:
  PackedItemWriter(sqlite3* c, const std::string& center, const std::string& batch_no) : c_(c) {
    sqlite3_prepare_v2(c, ("INSERT INTO batch_blocks(center_id, batch_no, first_seq, items, data) "
                           "VALUES ('" + center + "', '" + batch_no + "', ?, ?, ?)").c_str(),
                       -1, &st_, nullptr);
  }
  ~PackedItemWriter() { sqlite3_finalize(st_); }
  PackedItemWriter(const PackedItemWriter&) = delete;
  PackedItemWriter& operator=(const PackedItemWriter&) = delete;

  void add(const batch::NewItem& item) {
    if (items_ == 0) first_ = item.seq;
    store::append_block_item(block_, item);
    if (++items_ == store::kBlockItems) finish();
  }
  void finish() {
    if (items_ == 0) return;
    sqlite3_reset(st_);
    sqlite3_bind_int64(st_, 1, first_);
    sqlite3_bind_int64(st_, 2, items_);
    sqlite3_bind_blob(st_, 3, block_.data(), static_cast<int>(block_.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st_) != SQLITE_DONE) die(sqlite3_errmsg(c_));
    block_.clear();
    items_ = 0;
  }

 private:
  sqlite3* c_;
  sqlite3_stmt* st_ = nullptr;
  std::string block_;
  int64_t first_ = 0;
  int64_t items_ = 0;
};

inline sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die("cannot open " + path);
  sqlite3_busy_timeout(db, 10000);
  return db;
}

// A fixed key: benchmark data only.
inline crypto::FieldCipher bench_cipher() {
  auto c = crypto::FieldCipher::from_hex_key(std::string(64, 'a'));
  if (!c) die("cipher");
  return *c;
}

}  // namespace repay::bench
