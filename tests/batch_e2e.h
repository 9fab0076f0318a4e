// Shared pieces of the batch end-to-end tests (batch_e2e_test.cc, batch_crash_test.cc): signing
// cardholders for batches, writing batch files (files.md, "Batch file"), dropping them with their
// .ok flag, reading return files, the simulator's ledger and the processor's database (reads only).
// Header-only: CMake builds tests/*_test.cc and harness.cc into repay_e2e_test.
#pragma once

#include <doctest/doctest.h>
#include <iconv.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "stack/http_get.h"
#include "core/clock.h"
#include "harness.h"
#include "support/test_db.h"

namespace repay::e2e::batch {

// Today and yesterday as batch dates (CST, yyyyMMdd), and the CST minute of the day now.
inline std::string cst_today() { return format_date(cst_date(std::chrono::system_clock::now())); }
inline std::string cst_yesterday() {
  return format_date(cst_date(std::chrono::system_clock::now()) - boost::gregorian::days(1));
}
inline int cst_minute_now() {
  const Instant now = std::chrono::system_clock::now();
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::minutes>(now - cst_day_start(cst_date(now))).count());
}
// `minutes` after midnight as a settings time, up to 47:59 (return_deadline's form).
inline std::string hhmm(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

// Cardholders of the book, each handed out once: resident IDs, state NORMAL, balance in range.
class Holders {
 public:
  explicit Holders(const std::vector<BookEntry>& book) : book_(book) {}
  const BookEntry* next(long long min_balance, long long max_balance = -1) {
    for (size_t i = 0; i < book_.size(); ++i) {
      const BookEntry& e = book_[i];
      if (used_.count(i) || e.state != "NORMAL" || e.id_type != "01" || e.balance < min_balance) continue;
      if (max_balance >= 0 && e.balance > max_balance) continue;
      used_.insert(i);
      return &e;
    }
    return nullptr;
  }

 private:
  const std::vector<BookEntry>& book_;
  std::set<size_t> used_;
};

// Signs `e` for `center`: three elements (COLLECT) or quick pay (QUICK). "" when it failed.
inline std::string sign_collect(TestStack& ts, const std::string& center, const BookEntry& e) {
  auto a = ts.call(center, "sign3", holder_fields(ts.req_no(), e));
  return a.field("Status") == "SIGNED" ? a.field("AgreementNo") : std::string();
}
inline std::string sign_quick(TestStack& ts, const std::string& center, const BookEntry& e) {
  const std::string apply = ts.req_no();
  auto s = ts.call(center, "qsign/apply", with_mobile(holder_fields(apply, e), e.mobile));
  if (s.field("Status") != "SMS_SENT") return {};
  auto a = ts.call(center, "qsign/confirm",
                   {{"ReqNo", ts.req_no()}, {"OrigReqNo", apply}, {"SmsCode", ts.sms_code(e.mobile)}});
  return a.field("Status") == "SIGNED" ? a.field("AgreementNo") : std::string();
}

// One D line's values (files.md: D|seq|itemId|creditCardNo|name|idType|idNo|debitCardNo|agreementNo|amount|memo).
struct Line {
  std::string item_id, credit, name, id_type, id_no, debit, agreement;
  long long amount = 0;
  std::string memo = "e2e";
};
inline Line line_of(const BookEntry& e, const std::string& agreement, const std::string& item_id,
                    long long amount) {
  return Line{item_id, e.credit_card, e.name, e.id_type, e.id_no, e.debit_card, agreement, amount, "e2e"};
}

inline std::string batch_file_name(const std::string& center, const std::string& date,
                                   const std::string& batch_no) {
  return "REPAY_" + center + "_" + date + "_" + batch_no + ".txt";
}
inline std::string return_name(const std::string& center, const std::string& date,
                               const std::string& batch_no, int rejection = 0) {
  return "RET_" + center + "_" + date + "_" + batch_no +
         (rejection > 0 ? "_REJ" + std::to_string(rejection) : std::string()) + ".txt";
}

// A batch file: header with the right count and sum (changed by the deltas), seq 1, 2, 3 … unless
// `seqs` gives each line's seq.
inline std::string batch_text(const std::string& center, const std::string& batch_no,
                              const std::string& date, const std::vector<Line>& lines,
                              long long count_delta = 0, const std::vector<int>& seqs = {}) {
  long long sum = 0;
  for (const auto& l : lines) sum += l.amount;
  std::ostringstream s;
  s << "H|" << center << "|" << batch_no << "|" << date << "|"
    << static_cast<long long>(lines.size()) + count_delta << "|" << sum << "\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    s << "D|" << (seqs.empty() ? static_cast<int>(i + 1) : seqs[i]) << "|" << l.item_id << "|"
      << l.credit << "|" << l.name << "|" << l.id_type << "|" << l.id_no << "|" << l.debit << "|"
      << l.agreement << "|" << l.amount << "|" << l.memo << "\n";
  }
  return s.str();
}

inline std::string to_gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size(), out_left = out.size();
  char* o = out.data();
  const size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  REQUIRE(rc != static_cast<size_t>(-1));
  out.resize(out.size() - out_left);
  return out;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

// files.md: the data file first, then its empty .ok flag.
inline void drop(const std::string& inbox, const std::string& name, const std::string& bytes) {
  write_bytes(inbox + "/" + name + ".part", bytes);
  std::filesystem::rename(inbox + "/" + name + ".part", inbox + "/" + name);
  write_bytes(inbox + "/" + name + ".ok", "");
}

// Polls `done` every 200 ms until it holds or `limit` passes; the last answer.
inline bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

// Names of the regular files of a folder (not its sub-folders).
inline std::set<std::string> files_in(const std::string& folder) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
    if (e.is_regular_file()) out.insert(e.path().filename().string());
  }
  return out;
}

inline std::vector<std::string> split(const std::string& line, char sep = '|') {
  std::vector<std::string> f;
  size_t start = 0;
  for (;;) {
    size_t p = line.find(sep, start);
    f.push_back(line.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return f;
    start = p + 1;
  }
}

// Lines of a file split at '|' ("\r\n" or "\n"; no empty last line).
inline std::vector<std::vector<std::string>> records(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(read_file_bytes(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(split(line));
  }
  return out;
}

// A return file's D line (files.md, "Return file").
struct ReturnLine {
  long long seq = 0;
  std::string item_id;
  long long amount = 0, fee = 0, debit_amount = 0;
  std::string status, resp_code, resp_msg, txn_no, finish_time;
};
struct ReturnFile {
  std::vector<std::string> header;
  std::vector<ReturnLine> lines;
  int bad_lines = 0;  // lines that are neither H (first) nor a D line of 11 fields
};
inline ReturnFile read_return(const std::string& path) {
  ReturnFile r;
  auto recs = records(path);
  for (size_t i = 0; i < recs.size(); ++i) {
    const auto& f = recs[i];
    if (i == 0 && f.size() == 11 && f[0] == "H") {
      r.header = f;
      continue;
    }
    if (i == 0 || f.size() != 11 || f[0] != "D") {
      ++r.bad_lines;
      continue;
    }
    ReturnLine l;
    l.seq = std::stoll(f[1]);
    l.item_id = f[2];
    l.amount = std::stoll(f[3]);
    l.fee = std::stoll(f[4]);
    l.debit_amount = std::stoll(f[5]);
    l.status = f[6];
    l.resp_code = f[7];
    l.resp_msg = f[8];
    l.txn_no = f[9];
    l.finish_time = f[10];
    r.lines.push_back(std::move(l));
  }
  return r;
}

// GET /sim/ledger: `<channelId>|<reqSn>|<type>|<status>|<amount>|<channelTxnNo>|<settleDate>|<cardMasked>|<executedCount>`.
struct LedgerEntry {
  std::string channel, req_sn, type, status;
  long long amount = 0;
  std::string channel_txn_no;
  long long executed = 0;
};
inline std::vector<LedgerEntry> ledger(TestStack& ts) {
  auto text = stack::http_simple(ts.stack().banksim_url() + "/sim/ledger");
  REQUIRE_MESSAGE(text.ok(), "GET /sim/ledger: " << (text.ok() ? "" : text.error().to_string()));
  std::vector<LedgerEntry> out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto f = split(line);
    REQUIRE_MESSAGE(f.size() == 9, "ledger line: " << line);
    out.push_back({f[0], f[1], f[2], f[3], std::stoll(f[4]), f[5], std::stoll(f[8])});
  }
  return out;
}

// Rows of a query on the processor's database, `columns` values each (NULL as ""): reads only.
inline std::vector<std::vector<std::string>> db_rows(const std::string& database,
                                                     const std::string& sql, int columns = 1) {
  auto db = testing::Database::open(database);
  if (!db) FAIL("cannot open " << database << ": " << db.error().to_string());
  auto rows = (*db)->rows(sql, columns);
  REQUIRE_MESSAGE(rows.ok(), "query failed: " << sql << ": " << rows.error().to_string());
  return std::move(*rows);
}

}  // namespace repay::e2e::batch
