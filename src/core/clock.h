// Time. Instants are UTC; the wire speaks China Standard Time (UTC+8, no DST) whatever the
// machine's zone is (common.md: Dates and times). Code that needs "now" takes a Clock.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/date_time/gregorian/gregorian_types.hpp>

namespace repay {

using Instant = std::chrono::system_clock::time_point;
using Date = boost::gregorian::date;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override { return std::chrono::system_clock::now(); }
};

// A clock tests and the demo move by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : t_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant(Instant::duration(t_.load())); }
  void set(Instant t) { t_.store(t.time_since_epoch().count()); }
  void advance(std::chrono::milliseconds d) {
    t_.fetch_add(std::chrono::duration_cast<Instant::duration>(d).count());
  }

 private:
  std::atomic<Instant::duration::rep> t_;
};

// yyyyMMddHHmmss in CST.
std::string format_cst_timestamp(Instant t);
// Strict: exactly 14 digits and a real calendar time; nullopt otherwise.
std::optional<Instant> parse_cst_timestamp(std::string_view s);
// yyyyMMdd.
std::string format_date(Date d);
std::optional<Date> parse_date(std::string_view s);
// The CST calendar day of an instant (day T of a transaction, common.md).
Date cst_date(Instant t);
// The instant of CST midnight starting day d, plus an offset in minutes (may exceed 24h: 47:59).
Instant cst_day_start(Date d);
Instant cst_time_on(Date d, int minutes_after_midnight);
// Milliseconds since the Unix epoch, for storage.
int64_t to_unix_ms(Instant t);
Instant from_unix_ms(int64_t ms);

}  // namespace repay
