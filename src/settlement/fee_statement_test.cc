// The monthly FEE statement (files.md, Fee statement): lines per day and kind, totals, negative
// feeAmount, empty days left out.
#include "settlement/fee_statement.h"

#include <doctest/doctest.h>

#include "settlement/center_files_test_util.h"

namespace repay::settlement {
namespace {

using testing::FakeCenterFilesStore;
using testing::TempDir;

FeeRow row(int day, const char* kind, int64_t count, Fen amount, Fen fee, Fen returned) {
  return FeeRow{Date(2026, 11, static_cast<unsigned short>(day)), kind, count, amount, fee, returned};
}

TEST_CASE("FEE name, header and lines") {
  CHECK(fee_statement_name("CC01", 2026, 11) == "FEE_CC01_202611.txt");
  CHECK(fee_statement_name("CC01", 2027, 1) == "FEE_CC01_202701.txt");
  CHECK(format_fee_line(row(3, "QUICK", 2, 30000, 45, 10)) == "D|20261103|QUICK|2|30000|45|10");
}

TEST_CASE("rows of the same day and kind add up; sorted by day then kind; totals") {
  auto s = build_fee_statement("CC01", 2026, 11,
                               {row(21, "QUICK", 1, 20000, 30, 0), row(3, "COLLECT", 2, 500, 400, 0),
                                row(21, "COLLECT", 1, 100, 200, 0), row(21, "QUICK", 0, 0, 0, 15),
                                row(4, "QUICK", 0, 0, 0, 0)});
  REQUIRE(s.ok());
  REQUIRE(s->lines.size() == 3);  // the empty 4th is left out
  CHECK(format_fee_line(s->lines[0]) == "D|20261103|COLLECT|2|500|400|0");
  CHECK(format_fee_line(s->lines[1]) == "D|20261121|COLLECT|1|100|200|0");
  CHECK(format_fee_line(s->lines[2]) == "D|20261121|QUICK|1|20000|30|15");
  CHECK(s->count == 4);
  CHECK(s->fee_amount == 630 - 15);
  CHECK(format_fee_header(*s) == "H|CC01|202611|4|615");
}

TEST_CASE("feeAmount may be negative: a day with returned fees only") {
  auto s = build_fee_statement("CC01", 2026, 12, {FeeRow{Date(2026, 12, 1), "COLLECT", 0, 0, 0, 200}});
  REQUIRE(s.ok());
  CHECK(format_fee_header(*s) == "H|CC01|202612|0|-200");
  CHECK(format_fee_line(s->lines.at(0)) == "D|20261201|COLLECT|0|0|0|200");
}

TEST_CASE("rows that cannot be right are refused") {
  CHECK(build_fee_statement("CC01", 2026, 10, {row(3, "COLLECT", 1, 1, 1, 0)}).error().code == "RANGE");
  CHECK(build_fee_statement("CC01", 2026, 11, {row(3, "OTHER", 1, 1, 1, 0)}).error().field ==
        "channelKind");
  CHECK_FALSE(build_fee_statement("CC01", 2026, 11, {row(3, "QUICK", 1, 1, -1, 0)}).ok());
  CHECK_FALSE(build_fee_statement("CC01", 2026, 11,
                                  {row(3, "QUICK", 1, 1, INT64_MAX, 0), row(4, "QUICK", 1, 1, 1, 0)})
                  .ok());
}

TEST_CASE("write_fee_statement: an empty month is a header with zero counts; GBK is the same ASCII") {
  TempDir dir;
  FakeCenterFilesStore store;
  REQUIRE(write_fee_statement(store, "CC01", 2026, 11, files::Encoding::kUtf8, dir.path() + "/e").ok());
  CHECK(TempDir::read(dir.path() + "/e") == "H|CC01|202611|0|0\n");
  store.fees = {row(21, "COLLECT", 2, 20000, 400, 0)};
  REQUIRE(write_fee_statement(store, "CC01", 2026, 11, files::Encoding::kGbk, dir.path() + "/f").ok());
  CHECK(TempDir::read(dir.path() + "/f") == "H|CC01|202611|2|400\nD|20261121|COLLECT|2|20000|400|0\n");
}

}  // namespace
}  // namespace repay::settlement
