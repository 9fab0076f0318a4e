#include "core/clock.h"

#include <cstdio>

namespace repay {
namespace {

using namespace std::chrono;

// common.md, Dates and times: CST is UTC+8 with no DST, whatever the machine's zone is, so the
// conversion is plain arithmetic and never touches the C library's local time.
constexpr hours kCstOffset{8};

// Both wire forms are read into the years an Instant can hold (64-bit nanoseconds since 1970:
// 1677-09-21 .. 2262-04-11), so that every parsed date or timestamp — and a day's start or
// deadline up to 47:59 later — converts to an Instant without overflow. A wider range (Boost
// holds 1400..9999) let a postTime, an X-Timestamp or a batchDate of year 3000 overflow the
// conversion (found by fuzz/; fixtures/crashers/posting-*, signature-*).
constexpr int kMinYear = 1678;
constexpr int kMaxYear = 2261;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// A real calendar day from 8 digits, or nullopt.
std::optional<year_month_day> parse_ymd(std::string_view s) {
  if (s.size() != 8 || !all_digits(s)) return std::nullopt;
  int y = number(s.substr(0, 4));
  if (y < kMinYear || y > kMaxYear) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(number(s.substr(4, 2)))},
                     day{static_cast<unsigned>(number(s.substr(6, 2)))}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

Date to_date(year_month_day ymd) {
  return Date(static_cast<unsigned short>(static_cast<int>(ymd.year())),
              static_cast<unsigned short>(static_cast<unsigned>(ymd.month())),
              static_cast<unsigned short>(static_cast<unsigned>(ymd.day())));
}

sys_days to_sys_days(Date d) {
  return sys_days{year{d.year()} / month{static_cast<unsigned>(d.month())} /
                  day{static_cast<unsigned>(d.day())}};
}

}  // namespace

std::string format_cst_timestamp(Instant t) {
  auto local = floor<seconds>(t) + kCstOffset;  // a "local" time expressed on the UTC axis
  auto day_start = floor<days>(local);
  year_month_day ymd{day_start};
  hh_mm_ss<seconds> tod{local - day_start};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u%02d%02d%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

std::optional<Instant> parse_cst_timestamp(std::string_view s) {
  if (s.size() != 14 || !all_digits(s)) return std::nullopt;
  auto ymd = parse_ymd(s.substr(0, 8));
  if (!ymd) return std::nullopt;
  int hh = number(s.substr(8, 2));
  int mm = number(s.substr(10, 2));
  int ss = number(s.substr(12, 2));
  // No leap seconds: the wire never carries :60.
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  auto local = sys_days{*ymd} + hours{hh} + minutes{mm} + seconds{ss};
  return Instant{local - kCstOffset};
}

std::string format_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", static_cast<int>(d.year()),
                static_cast<int>(d.month()), static_cast<int>(d.day()));
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  auto ymd = parse_ymd(s);
  if (!ymd) return std::nullopt;
  return to_date(*ymd);
}

Date cst_date(Instant t) {
  return to_date(year_month_day{floor<days>(t + kCstOffset)});
}

Instant cst_day_start(Date d) { return Instant{to_sys_days(d) - kCstOffset}; }

Instant cst_time_on(Date d, int minutes_after_midnight) {
  return cst_day_start(d) + minutes{minutes_after_midnight};
}

int64_t to_unix_ms(Instant t) {
  return floor<milliseconds>(t.time_since_epoch()).count();
}

Instant from_unix_ms(int64_t ms) {
  return Instant{duration_cast<Instant::duration>(milliseconds{ms})};
}

}  // namespace repay
