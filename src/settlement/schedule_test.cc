#include "settlement/schedule.h"

#include <doctest/doctest.h>

using namespace repay;
using namespace repay::settlement;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {
Date d(const char* s) { return *parse_date(s); }
}  // namespace

TEST_CASE("calendar: weekends are not business days; HOLIDAY and WORKDAY override") {
  std::vector<Error> errors;
  auto cal = Calendar::parse(
      "# 2026 National Day\n"
      "20261001 HOLIDAY National Day\n"
      "20261002\tHOLIDAY\n"
      "\n"
      "20261010 WORKDAY make-up working day\r\n",
      "holidays.txt", &errors);
  REQUIRE(cal);
  CHECK(errors.empty());
  CHECK(cal->size() == 3);
  CHECK(cal->business_day(d("20260930")));       // Wednesday
  CHECK_FALSE(cal->business_day(d("20261001")));  // Thursday, holiday
  CHECK_FALSE(cal->business_day(d("20261003")));  // Saturday
  CHECK(cal->business_day(d("20261010")));        // Saturday, make-up
  CHECK(cal->next_business_day_after(d("20260930")) == d("20261005"));
  CHECK(cal->next_business_day_after(d("20261009")) == d("20261010"));
}

TEST_CASE("calendar: every bad line is reported with file, line, field and value") {
  std::vector<Error> errors;
  auto cal = Calendar::parse(
      "2026101 HOLIDAY\n"          // 1: short date
      "20261001 holiday\n"         // 2: kind is exact
      "20261001 HOLIDAY\n"         // 3: fine
      "20261001 HOLIDAY\n"         // 4: twice
      "20261003 HOLIDAY\n"         // 5: a Saturday is no holiday to declare
      "20261005 WORKDAY\n"         // 6: a Monday is a business day already
      "20261001\n",                // 7: no kind
      "cal.txt", &errors);
  CHECK_FALSE(cal);
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].where == "cal.txt line 1");
  CHECK(errors[0].field == "date");
  CHECK(errors[0].value == "2026101");
  CHECK(errors[1].field == "kind");
  CHECK(errors[1].value == "holiday");
  CHECK(errors[2].where == "cal.txt line 4");
  CHECK(errors[3].where == "cal.txt line 5");
  CHECK(errors[4].where == "cal.txt line 6");
  CHECK(errors[5].where == "cal.txt line 7");
  CHECK(errors[5].value == "");
}

TEST_CASE("run day: T+1, or the next business day; a Friday's jobs run on Monday") {
  Calendar weekends;
  CHECK(run_day(d("20261120"), false, weekends) == d("20261121"));
  CHECK(run_day(d("20261120"), true, weekends) == d("20261123"));  // Fri -> Mon
  CHECK(run_day(d("20261121"), true, weekends) == d("20261123"));  // Sat -> Mon
  CHECK(run_day(d("20261122"), true, weekends) == d("20261123"));  // Sun -> Mon
  CHECK(run_day(d("20261231"), false, weekends) == d("20270101"));
  // Days due on Monday: Friday, Saturday and Sunday together; Monday's own jobs wait for Tuesday.
  auto due = days_due(d("20261119"), d("20261123"), true, weekends);
  REQUIRE(due.size() == 4);
  CHECK(due.front() == d("20261119"));
  CHECK(due.back() == d("20261122"));
  CHECK(days_due(d("20261123"), d("20261123"), false, weekends).empty());
  // On a Sunday, with business days only, Friday's jobs are not due yet.
  CHECK(days_due(d("20261120"), d("20261122"), true, weekends).empty());
  CHECK(days_due(d("20261120"), d("20261122"), false, weekends).size() == 2);
}

TEST_CASE("a day is over only once T+1 has begun in CST; the scheduler never looks at today") {
  const Date t = d("20261121");
  // 20261121 23:59:59 CST is 15:59:59 UTC: still day T, whatever the machine's time zone.
  auto not_over = day_over(t, cst_day_start(d("20261122")) - seconds(1));
  REQUIRE_FALSE(not_over);
  CHECK(not_over.error().code == "DAY_NOT_OVER");
  CHECK(not_over.error().field == "date");
  CHECK(not_over.error().value == "20261121");
  CHECK_FALSE(day_over(t, cst_time_on(t, 9 * 60)));
  CHECK_FALSE(day_over(d("20261130"), cst_time_on(t, 9 * 60)));  // a future day
  CHECK(day_over(t, cst_day_start(d("20261122"))));
  CHECK(day_over(t, cst_time_on(d("20261125"), 60)));
  // days_due stops before today, whatever the calendar says.
  for (bool business : {false, true}) {
    for (Date due : days_due(d("20261101"), d("20261122"), business, Calendar())) {
      CHECK(day_over(due, cst_day_start(d("20261122"))));
    }
  }
}

TEST_CASE("decide: nothing before the job opens; runs on its retry time; one alert when late") {
  const Instant opens = cst_day_start(d("20261123"));
  const Instant alert_at = cst_time_on(d("20261123"), 18 * 60);
  JobRecord r;
  auto s = decide(r, opens - minutes(1), opens, alert_at, true, false);
  CHECK_FALSE(s.run);
  CHECK_FALSE(s.alert);
  s = decide(r, opens, opens, alert_at, true, false);
  CHECK(s.run);
  CHECK_FALSE(s.alert);
  r.attempts = 1;
  r.next_at = opens + minutes(10);
  CHECK_FALSE(decide(r, opens + minutes(5), opens, alert_at, true, false).run);
  CHECK(decide(r, opens + minutes(10), opens, alert_at, true, false).run);
  // Prerequisites not met: no run, but the alert still comes when late.
  s = decide(r, alert_at, opens, alert_at, false, true);
  CHECK_FALSE(s.run);
  CHECK(s.alert);
  // Past the last time without retries after it: alerted, no more attempts...
  s = decide(r, alert_at + minutes(1), opens, alert_at, true, false);
  CHECK_FALSE(s.run);
  CHECK(s.alert);
  r.alerted = true;
  s = decide(r, alert_at + minutes(1), opens, alert_at, true, false);
  CHECK_FALSE(s.run);
  CHECK_FALSE(s.alert);
  // ...unless it never had one (a day caught up at start-up).
  JobRecord fresh;
  s = decide(fresh, alert_at + minutes(1), opens, alert_at, true, false);
  CHECK(s.run);
  CHECK(s.alert);
  // A publish job keeps trying after its alert.
  CHECK(decide(r, alert_at + minutes(1), opens, alert_at, true, true).run);
  // Done is done.
  r.done = true;
  s = decide(r, alert_at + minutes(1), opens, alert_at, true, true);
  CHECK_FALSE(s.run);
  CHECK_FALSE(s.alert);
}

TEST_CASE("retry delay doubles up to its cap") {
  CHECK(retry_delay(1, seconds(60), seconds(600)) == seconds(60));
  CHECK(retry_delay(2, seconds(60), seconds(600)) == seconds(120));
  CHECK(retry_delay(4, seconds(60), seconds(600)) == seconds(480));
  CHECK(retry_delay(5, seconds(60), seconds(600)) == seconds(600));
  CHECK(retry_delay(50, seconds(60), seconds(600)) == seconds(600));
}
