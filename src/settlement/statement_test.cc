// read_statement(): a good statement, and every kind of bad field with its line, field and value.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "settlement/statement.h"

namespace repay::settlement {
namespace {

const Date kDay(2026, 11, 21);

struct Read {
  std::vector<Error> errors;
  Statement st;
};

Read read_text(const std::string& text, const std::string& channel = "BANKC") {
  auto dir = std::filesystem::temp_directory_path() / ("stmt_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "STMT.txt").string();
  {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  Read r;
  auto in = files::LineReader::open(path, files::Encoding::kUtf8);
  REQUIRE(in.ok());
  r.errors = read_statement(**in, "STMT_BANKC_20261121.txt", channel, kDay, &r.st);
  std::filesystem::remove_all(dir);
  return r;
}

const std::string kGood =
    "H|BANKC|20261121|3|30100|500\n"
    "D|C0001|RS00000000000001|DEBIT|10000|20261121093000\n"
    "D|C0002|RS00000000000002|DEBIT|20100|20261121093001\r\n"
    "D|C0003|RS00000000000003|REFUND|500|20261121100000";

TEST_CASE("statement: a good one, \\n and \\r\\n, last line without terminator") {
  auto r = read_text(kGood);
  REQUIRE(r.errors.empty());
  CHECK(r.st.channel_id == "BANKC");
  CHECK(r.st.date == kDay);
  CHECK(r.st.count == 3);
  CHECK(r.st.debit_amount == 30100);
  CHECK(r.st.refund_amount == 500);
  REQUIRE(r.st.lines.size() == 3);
  CHECK(r.st.lines[1].req_sn == "RS00000000000002");
  CHECK(r.st.lines[1].channel_txn_no == "C0002");
  CHECK(r.st.lines[1].amount == 20100);
  CHECK(r.st.lines[1].line_no == 3);
  CHECK(r.st.lines[2].type == TxnType::kRefund);
  CHECK(statement_file_name("BANKC", kDay) == "STMT_BANKC_20261121.txt");
}

TEST_CASE("statement: a day without transactions is a header with zero counts") {
  auto r = read_text("H|BANKC|20261121|0|0|0\n");
  CHECK(r.errors.empty());
  CHECK(r.st.lines.empty());
}

TEST_CASE("statement: a duplicate reqSn is not a parse error") {
  auto r = read_text(
      "H|BANKC|20261121|2|200|0\nD|C1|RS1|DEBIT|100|20261121093000\nD|C2|RS1|DEBIT|100|20261121093000\n");
  CHECK(r.errors.empty());
  CHECK(r.st.lines.size() == 2);
}

TEST_CASE("statement: every bad field rejects with its line, field and value, never a default") {
  struct Case {
    std::string line;
    std::string field;
    std::string value;
  };
  const std::vector<Case> cases = {
      {"D|C1|RS1|DEBIT|abc|20261121093000", "amount", "abc"},
      {"D|C1|RS1|DEBIT|0|20261121093000", "amount", "0"},
      {"D|C1|RS1|DEBIT|0100|20261121093000", "amount", "0100"},
      {"D|C1|RS1|DEBIT|-5|20261121093000", "amount", "-5"},
      {"D|C1|RS1|DEBIT|100|20261131093000", "txnTime", "20261131093000"},
      {"D|C1|RS1|DEBIT|100|2026112109300", "txnTime", "2026112109300"},
      {"D|C1|RS1|CREDIT|100|20261121093000", "type", "CREDIT"},
      {"D|C1|RS 1|DEBIT|100|20261121093000", "reqSn", "RS 1"},
      {"D||RS1|DEBIT|100|20261121093000", "channelTxnNo", ""},
      {"D|C1|RS1|DEBIT|100", "line", "D|C1|RS1|DEBIT|100"},
      {"D|C1|RS1|DEBIT|100|20261121093000|x", "line", "D|C1|RS1|DEBIT|100|20261121093000|x"},
      {"X|C1|RS1|DEBIT|100|20261121093000", "line", "X|C1|RS1|DEBIT|100|20261121093000"},
      {"H|BANKC|20261121|1|100|0", "header", "H|BANKC|20261121|1|100|0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto r = read_text("H|BANKC|20261121|1|100|0\n" + c.line + "\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == "F1");
    CHECK(r.errors[0].where == "file STMT_BANKC_20261121.txt line 2");
    CHECK(r.errors[0].field == c.field);
    CHECK(r.errors[0].value == c.value);
  }
}

TEST_CASE("statement: all errors are returned, not only the first") {
  auto r = read_text(
      "H|BANKC|20261121|3|300|0\nD|C1|RS1|DEBIT|x|20261121093000\nD|C2|RS2|DEBIT|100|20261121093000\n"
      "D|C3|RS3|DEBT|100|2026\n");
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].field == "amount");
  CHECK(r.errors[1].field == "type");
  CHECK(r.errors[1].where == "file STMT_BANKC_20261121.txt line 4");
  CHECK(r.errors[2].field == "txnTime");
}

TEST_CASE("statement: header of another channel or day, bad header fields") {
  CHECK(read_text("H|BANKQ|20261121|0|0|0\n").errors.at(0).field == "channelId");
  CHECK(read_text("H|BANKC|20261122|0|0|0\n").errors.at(0).field == "date");
  CHECK(read_text("H|BANKC|20261121|x|0|0\n").errors.at(0).field == "count");
  CHECK(read_text("H|BANKC|20261121|0|01|0\n").errors.at(0).field == "debitAmount");
  CHECK(read_text("H|BANKC|20261121|0|0|\n").errors.at(0).field == "refundAmount");
  CHECK(read_text("H|BANKC|20261121|0|0\n").errors.at(0).field == "header");
  CHECK(read_text("D|C1|RS1|DEBIT|100|20261121093000\n").errors.at(0).field == "header");
  CHECK(read_text("").errors.at(0).field == "header");
}

TEST_CASE("statement: counts and sums are checked (F2)") {
  auto count = read_text("H|BANKC|20261121|2|100|0\nD|C1|RS1|DEBIT|100|20261121093000\n");
  REQUIRE(count.errors.size() == 1);
  CHECK(count.errors[0].code == "F2");
  CHECK(count.errors[0].field == "count");
  auto debit = read_text("H|BANKC|20261121|1|101|0\nD|C1|RS1|DEBIT|100|20261121093000\n");
  REQUIRE(debit.errors.size() == 1);
  CHECK(debit.errors[0].field == "debitAmount");
  auto refund = read_text("H|BANKC|20261121|1|100|7\nD|C1|RS1|DEBIT|100|20261121093000\n");
  REQUIRE(refund.errors.size() == 1);
  CHECK(refund.errors[0].field == "refundAmount");
}

TEST_CASE("statement: header sums are sums — a day above a billion yuan is read whole") {
  // Two debits of 600,000,000 yuan and a refund of 999,999,999.99 yuan: 12-digit header sums.
  auto big = read_text(
      "H|BANKC|20261121|4|120000000000|199999999998\n"
      "D|C1|RS1|DEBIT|60000000000|20261121093000\n"
      "D|C2|RS2|DEBIT|60000000000|20261121093001\n"
      "D|C3|RS3|REFUND|99999999999|20261121100000\n"
      "D|C4|RS4|REFUND|99999999999|20261121100001\n");
  INFO((big.errors.empty() ? "" : big.errors[0].to_string()));
  REQUIRE(big.errors.empty());
  CHECK(big.st.debit_amount == 120000000000);
  CHECK(big.st.refund_amount == 199999999998);
  // One line is still one amount: 12 digits there are a format error.
  auto line = read_text("H|BANKC|20261121|1|100000000000|0\nD|C1|RS1|DEBIT|100000000000|20261121093000\n");
  REQUIRE_FALSE(line.errors.empty());
  CHECK(line.errors[0].field == "amount");
  // Sums keep their form: no leading zero, at most 18 digits.
  auto form = read_text("H|BANKC|20261121|0|1000000000000000000|00\n");
  REQUIRE(form.errors.size() == 2);
  CHECK(form.errors[0].field == "debitAmount");
  CHECK(form.errors[1].field == "refundAmount");
}

TEST_CASE("statement: text rules — empty line, BOM, invalid UTF-8") {
  auto empty = read_text("H|BANKC|20261121|0|0|0\n\n");
  REQUIRE(!empty.errors.empty());
  CHECK(empty.errors[0].code == "F1");
  CHECK(empty.errors[0].where == "file STMT_BANKC_20261121.txt line 2");
  auto bom = read_text("\xEF\xBB\xBFH|BANKC|20261121|0|0|0\n");
  REQUIRE(!bom.errors.empty());
  CHECK(bom.errors[0].code == "F1");
  auto bad = read_text("H|BANKC|20261121|1|100|0\nD|C\xFF|RS1|DEBIT|100|20261121093000\n");
  REQUIRE(!bad.errors.empty());
  CHECK(bad.errors[0].code == "F4");
}

}  // namespace
}  // namespace repay::settlement
