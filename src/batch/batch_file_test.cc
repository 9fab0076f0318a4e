#include "batch/batch_file.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

namespace repay::batch {
namespace {

namespace fs = std::filesystem;
using files::Encoding;

const fs::path kFixtures = fs::path(__FILE__).parent_path() / "../../fixtures";
const std::string kName = "REPAY_CC01_20261121_B001.txt";
constexpr int64_t kDefaultItems = BatchLimits{}.max_items;
constexpr int64_t kDefaultBytes = BatchLimits{}.max_bytes;

// One row per fixture in fixtures/batch: what check_batch_file says about it.
struct Case {
  const char* fixture;
  Encoding enc;
  std::string status;
  int64_t line;       // of the error; 0: the error names the file only
  const char* field;  // of the error
  std::string file_name = kName;
  int64_t max_items = kDefaultItems;
  int64_t max_bytes = kDefaultBytes;
};

const Encoding U = Encoding::kUtf8;
const Encoding G = Encoding::kGbk;

const Case kCases[] = {
    {"ok-utf8-3-items.txt", U, "00", 0, ""},
    {"ok-no-items.txt", U, "00", 0, ""},
    {"ok-crlf-mixed-no-final-newline.txt", U, "00", 0, ""},
    {"ok-gbk-names.txt", G, "00", 0, ""},
    {"f1-seq-gap.txt", U, "F1", 4, "seq"},
    {"f1-empty-line.txt", U, "F1", 3, ""},
    {"f1-trailing-empty-line.txt", U, "F1", 5, ""},
    {"f1-trailing-empty-line-crlf.txt", U, "F1", 5, ""},
    {"f1-bom.txt", U, "F1", 1, ""},
    {"f1-utf8-bom-in-gbk.txt", G, "F1", 1, ""},
    {"f1-field-count.txt", U, "F1", 2, "fields"},
    {"f1-leading-space.txt", U, "F1", 3, "name"},
    {"f1-trailing-space-memo.txt", U, "F1", 4, "memo"},
    {"f1-bad-amount-leading-zero.txt", U, "F1", 2, "amount"},
    {"f1-bad-card-form.txt", U, "F1", 3, "creditCardNo"},
    {"f1-control-char.txt", U, "F1", 4, "memo"},
    {"f1-name-mismatch.txt", U, "F1", 1, "header.batchNo", "REPAY_CC01_20261121_B002.txt"},
    {"f1-name-not-batch.txt", U, "F1", 0, "fileName", "BATCH_CC01_20261121_B001.txt"},
    {"f1-wrong-center.txt", U, "F1", 1, "header.centerId", "REPAY_CC02_20261121_B001.txt"},
    {"f1-no-header.txt", U, "F1", 1, "header.recordType"},
    {"f1-empty-file.txt", U, "F1", 1, "header"},
    {"f1-header-count-leading-zero.txt", U, "F1", 1, "header.totalCount"},
    {"f1-header-amount-19-digits.txt", U, "F1", 1, "header.totalAmount"},
    {"f1-header-bad-date.txt", U, "F1", 1, "header.batchDate"},
    {"f2-count.txt", U, "F2", 1, "header.totalCount"},
    {"f2-amount.txt", U, "F2", 1, "header.totalAmount"},
    {"f2-amount-18-digits.txt", U, "F2", 1, "header.totalAmount"},
    {"f4-invalid-utf8.txt", U, "F4", 3, ""},
    {"f4-surrogate.txt", U, "F4", 2, ""},
    {"f4-truncated-at-end.txt", U, "F4", 5, ""},
    {"f4-invalid-gbk.txt", G, "F4", 2, ""},
    {"f4-after-f1.txt", U, "F4", 5, ""},
    {"f5-too-many-items.txt", U, "F5", 4, "", kName, 2},
    {"f5-too-many-bytes.txt", U, "F5", 0, "", kName, kDefaultItems, 100},
    {"f5-before-f4.txt", U, "F5", 0, "", kName, 2},
};

BatchCheck check(const Case& c) {
  BatchLimits limits;
  limits.max_items = c.max_items;
  limits.max_bytes = c.max_bytes;
  return check_batch_file((kFixtures / "batch" / c.fixture).string(), c.file_name, "CC01", c.enc,
                          limits);
}

bool has_long_digit_run(const std::string& s) {
  size_t run = 0;
  for (char ch : s) {
    run = (ch >= '0' && ch <= '9') ? run + 1 : 0;
    if (run >= 12) return true;
  }
  return false;
}

TEST_CASE("every batch fixture gets its status, line and field") {
  for (const Case& c : kCases) {
    std::string fixture = c.fixture;
    CAPTURE(fixture);
    BatchCheck r = check(c);
    CHECK(r.status == c.status);
    if (c.status == "00") continue;
    CAPTURE(r.error.to_string());
    CHECK(r.error.code == c.status);
    std::string where = c.file_name + (c.line ? " line " + std::to_string(c.line) : "");
    CHECK(r.error.where == where);
    CHECK(r.error.field == c.field);
    if (c.status == "F2") continue;                  // totals, 18 digits allowed
    CHECK_FALSE(has_long_digit_run(r.error.value));  // common.md: Sensitive data
    CHECK_FALSE(has_long_digit_run(r.error.message));
  }
}

TEST_CASE("the table covers every fixture in fixtures/batch") {
  std::set<std::string> in_table;
  for (const Case& c : kCases) in_table.insert(c.fixture);
  for (const auto& e : fs::directory_iterator(kFixtures / "batch")) {
    if (e.path().extension() != ".txt") continue;
    CHECK_MESSAGE(in_table.count(e.path().filename().string()), e.path().filename().string());
  }
}

TEST_CASE("a good file: header and totals") {
  BatchCheck r = check(kCases[0]);
  REQUIRE(r.status == "00");
  CHECK(r.header_readable);
  CHECK(r.header.center_id == "CC01");
  CHECK(r.header.batch_no == "B001");
  CHECK(r.header.batch_date == "20261121");
  CHECK(r.header.total_count == 3);
  CHECK(r.header.total_amount == 260051);
  CHECK(r.detail_count == 3);
  CHECK(r.detail_amount == 260051);
}

TEST_CASE("a rejected file keeps the header fields it could read") {
  BatchCheck r = check({"f2-count.txt", U, "F2", 1, ""});
  CHECK(r.header_readable);
  CHECK(r.header.total_count == 4);
  r = check({"f1-header-amount-19-digits.txt", U, "F1", 1, ""});
  CHECK_FALSE(r.header_readable);
  CHECK(r.header.center_id == "CC01");
  CHECK(r.header.total_count == 3);
  CHECK(r.header.total_amount == 0);
  r = check({"f2-amount-18-digits.txt", U, "F2", 1, ""});
  CHECK(r.header.total_amount == 999'999'999'999'999'999);
}

TEST_CASE("a malformed card number is masked in the error") {
  BatchCheck r = check({"f1-bad-card-form.txt", U, "F1", 3, ""});
  CHECK(r.error.value == "622200****0024");
}

TEST_CASE("the account's centerId must be the header's") {
  Case c{"ok-utf8-3-items.txt", U, "F1", 1, "header.centerId"};
  BatchCheck r = check_batch_file((kFixtures / "batch" / c.fixture).string(), kName, "CC09", U, {});
  CHECK(r.status == "F1");
  CHECK(r.error.field == "header.centerId");
}

TEST_CASE("a file that cannot be read is IO, not a rejection") {
  BatchCheck r = check_batch_file("/nonexistent/" + kName, kName, "CC01", U, {});
  CHECK(r.status == "IO");
  CHECK(r.error.code == "IO");
}

std::vector<BatchLine> read_lines(const char* fixture, Encoding enc) {
  std::vector<BatchLine> out;
  auto st =
      read_batch_lines((kFixtures / "batch" / fixture).string(), enc, [&](const BatchLine& l) {
        out.push_back(l);
        return ok_status();
      });
  REQUIRE(st.ok());
  return out;
}

TEST_CASE("pass 2 reads every detail line in order") {
  auto lines = read_lines("ok-utf8-3-items.txt", U);
  REQUIRE(lines.size() == 3);
  const BatchLine& l = lines[0];
  CHECK(l.line_no == 2);
  CHECK(l.seq == 1);
  CHECK(l.item_id == "ITEM001");
  CHECK(l.credit_card == "6222000000000017");
  CHECK(l.name == "张三");
  CHECK(l.id_type == "01");
  CHECK(l.id_no == "110101199001010015");
  CHECK(l.debit_card == "6222000011110011");
  CHECK(l.agreement_no == "AGR001");
  CHECK(l.amount == 10000);
  CHECK(l.memo == "首期");
  CHECK(lines[1].memo.empty());
  CHECK(lines[2].seq == 3);
  CHECK(lines[2].line_no == 4);
  CHECK(read_lines("ok-no-items.txt", U).empty());
  CHECK(read_lines("ok-crlf-mixed-no-final-newline.txt", U).size() == 3);
}

TEST_CASE("pass 2 decodes GBK names, a second byte 0x7C included") {
  auto lines = read_lines("ok-gbk-names.txt", G);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].name == "王億");
  CHECK(lines[1].name == "𠀀明");
  CHECK(lines[2].memo == "说明");
}

TEST_CASE("pass 2 stops at the first error of on_line") {
  int calls = 0;
  auto st = read_batch_lines((kFixtures / "batch" / "ok-utf8-3-items.txt").string(), U,
                             [&](const BatchLine&) -> Status {
                               if (++calls == 2) return make_error("STORE", "full");
                               return ok_status();
                             });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "STORE");
  CHECK(calls == 2);
}

TEST_CASE("batch file names") {
  auto n = parse_batch_name("REPAY_CC01_20261121_B001.txt");
  REQUIRE(n);
  CHECK(n->center_id == "CC01");
  CHECK(n->batch_date == "20261121");
  CHECK(n->batch_no == "B001");
  n = parse_batch_name("REPAY_CC01_20261121_B_0-1.txt");  // batchNo may hold '_'
  REQUIRE(n);
  CHECK(n->batch_no == "B_0-1");
  for (const char* bad :
       {"REPAY_CC01_20261121_B001", "REPAY_CC01_20261121_.txt", "REPAY_cc01_20261121_B001.txt",
        "REPAY_CC01_20261131_B001.txt", "REPAY_CC01_2026112_B001.txt", "RET_CC01_20261121_B001.txt",
        "REPAY_CC01_20261121_B 1.txt", "REPAY_CC01.txt", "REPAY__20261121_B001.txt", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_batch_name(bad));
  }
  CHECK_FALSE(parse_batch_name("REPAY_CC01_20261121_" + std::string(33, 'B') + ".txt"));
}

// lessons.md (moov-io crashers/): inputs that once crashed the parser are replayed here.
TEST_CASE("every file in fixtures/crashers is checked without a crash") {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kFixtures / "crashers")) {
    if (e.path().filename() == "README.md") continue;
    std::string path = e.path().string();
    CAPTURE(path);
    for (Encoding enc : {U, G}) {
      BatchCheck r = check_batch_file(e.path().string(), kName, "CC01", enc, {});
      CHECK_FALSE(r.status.empty());
      auto st =
          read_batch_lines(e.path().string(), enc, [](const BatchLine&) { return ok_status(); });
      (void)st;
    }
    ++n;
  }
  MESSAGE(n << " crashers replayed");
}

// Run with --no-skip: a 1,000,000-item file through both passes.
TEST_CASE("performance: 1,000,000 items" * doctest::skip()) {
  std::string tmpl = (fs::temp_directory_path() / "repay-batch-perf-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  std::string path = dir + "/" + kName;
  {
    std::ofstream out(path, std::ios::binary);
    const int64_t n = 1'000'000;
    out << "H|CC01|B001|20261121|" << n << "|" << n * 12345 << "\n";
    for (int64_t i = 1; i <= n; ++i) {
      out << "D|" << i << "|ITEM" << i << "|6222000000000017|张三丰|01|110101199001010015|"
          << "6222000011110011|AGR" << i << "|12345|还款备注\n";
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  BatchCheck r = check_batch_file(path, kName, "CC01", U, {});
  auto t1 = std::chrono::steady_clock::now();
  int64_t count = 0;
  auto st = read_batch_lines(path, U, [&](const BatchLine&) {
    ++count;
    return ok_status();
  });
  auto t2 = std::chrono::steady_clock::now();
  using ms = std::chrono::milliseconds;
  MESSAGE("pass 1 " << std::chrono::duration_cast<ms>(t1 - t0).count() << " ms, pass 2 "
                    << std::chrono::duration_cast<ms>(t2 - t1).count() << " ms");
  CHECK(r.status == "00");
  CHECK(st.ok());
  CHECK(count == 1'000'000);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace repay::batch
