#include "settings/settings_values.h"

#include <doctest/doctest.h>

#include <cstdint>

namespace repay::settings {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("value forms") {
  CHECK(parse_setting_duration("500ms") == milliseconds(500));
  CHECK(parse_setting_duration("10s") == seconds(10));
  CHECK(parse_setting_duration("1m") == minutes(1));
  CHECK(parse_setting_duration("2h") == hours(2));
  for (const char* bad : {"", "10", "s", "-1s", "1.5s", "10 s", "1d"}) {
    CHECK_MESSAGE(!parse_setting_duration(bad), bad);
  }
  CHECK(parse_time_of_day("00:00") == 0);
  CHECK(parse_time_of_day("23:59") == 23 * 60 + 59);
  CHECK(!parse_time_of_day("24:00"));
  CHECK(parse_time_of_day("47:59", 47 * 60 + 59) == 47 * 60 + 59);
  for (const char* bad : {"6:00", "06:60", "0600", "06:00 ", "aa:bb"}) {
    CHECK_MESSAGE(!parse_time_of_day(bad), bad);
  }
  CHECK(parse_time_window("00:00-24:00") == std::pair{0, 24 * 60});
  CHECK(!parse_time_window("10:00-10:00"));
  CHECK(parse_setting_list(" a , b,c ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(parse_setting_list("")->empty());
  CHECK(!parse_setting_list("a,"));
  CHECK(parse_setting_int("0", 10) == 0);
  CHECK(!parse_setting_int("11", 10));
  CHECK(!parse_setting_int("99999999999999999999", INT64_MAX));
  CHECK(!parse_setting_int("+1", 10));
  CHECK(parse_setting_decimal("0.05") == doctest::Approx(0.05));
  for (const char* bad : {".5", "1.", "1e-1", "-0.1", "0,5"}) {
    CHECK_MESSAGE(!parse_setting_decimal(bad), bad);
  }

  FeeRule r;
  r.payer = "CARDHOLDER";
  REQUIRE(parse_fee_rule("PERCENT:25:max=900", &r));
  CHECK(r.kind == "PERCENT");
  CHECK(r.basis_points == 25);
  CHECK(r.min == 0);
  CHECK(r.max == 900);
  CHECK(r.payer == "CARDHOLDER");  // kept: it has its own key
  REQUIRE(parse_fee_rule("NONE", &r));
  CHECK(r.kind == "NONE");
  CHECK(r.max == 0);
  for (const char* bad : {"FIXED", "FIXED:1.5", "PERCENT:10001", "PERCENT:5:min=1:min=2",
                          "PERCENT:5:cap=1", "NONE:0", "fixed:100", ""}) {
    CHECK_MESSAGE(!parse_fee_rule(bad, &r), bad);
  }
  CHECK(format_time_of_day(47 * 60 + 59) == "47:59");
}

}  // namespace
}  // namespace repay::settings
