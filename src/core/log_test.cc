#include "core/log.h"

#include <doctest/doctest.h>

#include "core/clock.h"

using namespace repay;

namespace {
// 2026-11-22 08:30:05.042 UTC = 16:30:05 CST.
std::chrono::system_clock::time_point at(int64_t ms_after) {
  auto t = parse_cst_timestamp("20261122163005");
  REQUIRE(t.has_value());
  return *t + std::chrono::milliseconds(ms_after);
}
}  // namespace

TEST_CASE("a log line is one JSON object with the CST time to the millisecond") {
  std::string line;
  log::format_line(line, at(42), log::Level::kInfo, "sim_gateway",
                   {{"channel", "COLL01"}, {"ret", "0000"}}, false);
  CHECK(line == "{\"ts\":\"20261122163005.042\",\"level\":\"info\",\"event\":\"sim_gateway\","
                "\"channel\":\"COLL01\",\"ret\":\"0000\"}\n");
}

TEST_CASE("the reused buffer and the cached second follow the time") {
  std::string line;
  log::format_line(line, at(999), log::Level::kWarn, "a", {}, false);
  CHECK(line == "{\"ts\":\"20261122163005.999\",\"level\":\"warn\",\"event\":\"a\"}\n");
  log::format_line(line, at(1000), log::Level::kError, "b", {}, true);
  CHECK(line == "{\"ts\":\"20261122163006.000\",\"level\":\"error\",\"event\":\"b\",\"alert\":true}\n");
  log::format_line(line, at(-1), log::Level::kDebug, "c", {}, false);
  CHECK(line == "{\"ts\":\"20261122163004.999\",\"level\":\"debug\",\"event\":\"c\"}\n");
}

TEST_CASE("keys and values are escaped") {
  std::string line;
  log::format_line(line, at(0), log::Level::kInfo, "e\"v", {{"k\\", "a\"b\\c\nd\re\tf\x01g"}}, false);
  CHECK(line == "{\"ts\":\"20261122163005.000\",\"level\":\"info\",\"event\":\"e\\\"v\","
                "\"k\\\\\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\"}\n");
  CHECK(log::json_escape("plain 中文") == "plain 中文");
  CHECK(log::json_escape("\x1f") == "\\u001f");
}
