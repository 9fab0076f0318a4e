#include "core/clock.h"

#include <cstdlib>

#include <doctest/doctest.h>

namespace repay {
namespace {

using namespace std::chrono;

// 2026-11-21 00:00:00 UTC = 1795219200 s since the epoch.
constexpr int64_t kNov21Utc = 1795219200;

Instant at(int64_t unix_seconds) { return Instant{seconds{unix_seconds}}; }

TEST_CASE("CST timestamps are UTC+8") {
  CHECK(format_cst_timestamp(at(0)) == "19700101080000");
  CHECK(format_cst_timestamp(at(kNov21Utc)) == "20261121080000");
  // 16:00 UTC is midnight of the next CST day.
  CHECK(format_cst_timestamp(at(kNov21Utc + 16 * 3600)) == "20261122000000");
  CHECK(format_cst_timestamp(at(kNov21Utc + 16 * 3600 - 1)) == "20261121235959");
  // Sub-second parts are cut, never rounded up.
  CHECK(format_cst_timestamp(at(kNov21Utc) + milliseconds(999)) == "20261121080000");
  // Before the epoch.
  CHECK(format_cst_timestamp(at(-1)) == "19700101075959");
}

TEST_CASE("parse_cst_timestamp round-trips and is strict") {
  auto t = parse_cst_timestamp("20261121080000");
  REQUIRE(t);
  CHECK(*t == at(kNov21Utc));
  CHECK(format_cst_timestamp(*parse_cst_timestamp("20240229235959")) == "20240229235959");
  CHECK_FALSE(parse_cst_timestamp("2026112108000"));    // 13 digits
  CHECK_FALSE(parse_cst_timestamp("202611210800000"));  // 15 digits
  CHECK_FALSE(parse_cst_timestamp("2026112108000a"));
  CHECK_FALSE(parse_cst_timestamp(" 0261121080000"));
  CHECK_FALSE(parse_cst_timestamp("+0261121080000"));
  CHECK_FALSE(parse_cst_timestamp("20261121240000"));  // hour 24
  CHECK_FALSE(parse_cst_timestamp("20261121236000"));  // minute 60
  CHECK_FALSE(parse_cst_timestamp("20261121235960"));  // second 60
  CHECK_FALSE(parse_cst_timestamp("20230229000000"));  // not a leap year
  CHECK_FALSE(parse_cst_timestamp("20261321000000"));  // month 13
  CHECK_FALSE(parse_cst_timestamp("20261100000000"));  // day 0
  CHECK_FALSE(parse_cst_timestamp("00001121000000"));  // year 0
  // Only years an Instant can hold (an overflow before: fixtures/crashers/signature-*).
  CHECK_FALSE(parse_cst_timestamp("26261121115500"));
  CHECK_FALSE(parse_cst_timestamp("22620412000000"));
  CHECK_FALSE(parse_cst_timestamp("16770101000000"));
  CHECK(format_cst_timestamp(*parse_cst_timestamp("22611231235959")) == "22611231235959");
  CHECK(format_cst_timestamp(*parse_cst_timestamp("16780101000000")) == "16780101000000");
  CHECK_FALSE(parse_cst_timestamp(""));
}

TEST_CASE("dates") {
  auto d = parse_date("20261121");
  REQUIRE(d);
  CHECK(*d == Date(2026, 11, 21));
  CHECK(format_date(*d) == "20261121");
  CHECK(format_date(Date(2026, 1, 2)) == "20260102");
  CHECK(parse_date("20000229"));
  CHECK_FALSE(parse_date("19000229"));  // century, not a leap year
  // A date's start and a deadline up to 47:59 later are Instants without overflow.
  CHECK_FALSE(parse_date("30000101"));
  CHECK_FALSE(parse_date("22620101"));
  CHECK(format_cst_timestamp(cst_time_on(*parse_date("22611231"), 47 * 60 + 59)) == "22620101235900");
  CHECK(format_cst_timestamp(cst_day_start(*parse_date("16780101"))) == "16780101000000");
  CHECK_FALSE(parse_date("20260230"));
  CHECK_FALSE(parse_date("20260431"));
  CHECK_FALSE(parse_date("2026112"));
  CHECK_FALSE(parse_date("202611211"));
  CHECK_FALSE(parse_date("2026-1-21"));
  CHECK_FALSE(parse_date("13991231"));  // outside Boost.Gregorian's range
}

TEST_CASE("cst_date follows CST midnight, not UTC") {
  CHECK(cst_date(at(kNov21Utc)) == Date(2026, 11, 21));
  CHECK(cst_date(at(kNov21Utc - 8 * 3600)) == Date(2026, 11, 21));      // 00:00 CST
  CHECK(cst_date(at(kNov21Utc - 8 * 3600 - 1)) == Date(2026, 11, 20));  // 23:59:59 CST
  CHECK(cst_date(at(kNov21Utc + 16 * 3600)) == Date(2026, 11, 22));
}

TEST_CASE("cst_day_start and cst_time_on") {
  CHECK(cst_day_start(Date(2026, 11, 21)) == at(kNov21Utc - 8 * 3600));
  CHECK(format_cst_timestamp(cst_time_on(Date(2026, 11, 21), 90)) == "20261121013000");
  // 47:59 runs into the day after next.
  CHECK(format_cst_timestamp(cst_time_on(Date(2026, 11, 21), 47 * 60 + 59)) ==
        "20261122235900");
  // Month and year ends.
  CHECK(format_cst_timestamp(cst_time_on(Date(2026, 12, 31), 24 * 60)) == "20270101000000");
}

TEST_CASE("the machine time zone does not matter") {
  ::setenv("TZ", "America/New_York", 1);
  ::tzset();
  CHECK(format_cst_timestamp(at(kNov21Utc)) == "20261121080000");
  CHECK(cst_date(at(kNov21Utc - 8 * 3600)) == Date(2026, 11, 21));
  CHECK(*parse_cst_timestamp("20261121080000") == at(kNov21Utc));
  ::unsetenv("TZ");
  ::tzset();
}

TEST_CASE("unix milliseconds") {
  Instant t = at(kNov21Utc) + milliseconds(123);
  CHECK(to_unix_ms(t) == kNov21Utc * 1000 + 123);
  CHECK(from_unix_ms(to_unix_ms(t)) == t);
  CHECK(to_unix_ms(Instant{} - microseconds(1)) == -1);  // floors, not truncates
}

TEST_CASE("ManualClock") {
  ManualClock c(at(kNov21Utc));
  CHECK(c.now() == at(kNov21Utc));
  c.advance(seconds(301));
  CHECK(c.now() == at(kNov21Utc + 301));
  c.set(at(5));
  CHECK(c.now() == at(5));
}

}  // namespace
}  // namespace repay
