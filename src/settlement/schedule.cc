#include "settlement/schedule.h"

#include <algorithm>

namespace repay::settlement {
namespace {

bool weekend(Date d) {
  auto w = d.day_of_week().as_number();  // 0 = Sunday
  return w == 0 || w == 6;
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

Result<Calendar> Calendar::parse(std::string_view text, const std::string& file,
                                 std::vector<Error>* errors) {
  Calendar cal;
  const size_t before = errors->size();
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = file + " line " + std::to_string(line_no);
    auto f = split_ws(line);
    if (f.empty() || f[0][0] == '#') continue;
    auto d = parse_date(f[0]);
    if (!d) {
      errors->push_back(make_error("CONFIG", "expected a day yyyyMMdd", "date", std::string(f[0]), where));
      continue;
    }
    if (f.size() < 2 || (f[1] != "HOLIDAY" && f[1] != "WORKDAY")) {
      errors->push_back(make_error("CONFIG", "expected HOLIDAY or WORKDAY after the day", "kind",
                                   f.size() < 2 ? "" : std::string(f[1]), where));
      continue;
    }
    const bool workday = f[1] == "WORKDAY";
    if (cal.overrides_.count(*d)) {
      errors->push_back(make_error("CONFIG", "the day is listed twice", "date", std::string(f[0]), where));
      continue;
    }
    if (workday && !weekend(*d)) {
      errors->push_back(make_error("CONFIG", "a WORKDAY must be a Saturday or Sunday (weekdays are business days)",
                                   "date", std::string(f[0]), where));
      continue;
    }
    if (!workday && weekend(*d)) {
      errors->push_back(make_error("CONFIG", "a HOLIDAY must be a weekday (weekends are not business days)",
                                   "date", std::string(f[0]), where));
      continue;
    }
    cal.overrides_[*d] = workday;
  }
  if (errors->size() != before) return (*errors)[before];
  return cal;
}

bool Calendar::business_day(Date d) const {
  auto it = overrides_.find(d);
  if (it != overrides_.end()) return it->second;
  return !weekend(d);
}

Date Calendar::next_business_day_after(Date d) const {
  Date n = d + boost::gregorian::days(1);
  for (int i = 0; i < 366 && !business_day(n); ++i) n += boost::gregorian::days(1);
  return n;
}

Date run_day(Date t, bool business_days_only, const Calendar& calendar) {
  if (!business_days_only) return t + boost::gregorian::days(1);
  return calendar.next_business_day_after(t);
}

Status day_over(Date t, Instant now) {
  const Date next = t + boost::gregorian::days(1);
  if (now >= cst_day_start(next)) return ok_status();
  return make_error("DAY_NOT_OVER",
                    "day " + format_date(t) + " has not ended (CST): its T+1 jobs run from " +
                        format_date(next) + " 00:00 CST, and a file of it is published once",
                    "date", format_date(t));
}

std::vector<Date> days_due(Date first, Date today, bool business_days_only, const Calendar& calendar) {
  std::vector<Date> out;
  for (Date t = first; t < today; t += boost::gregorian::days(1)) {
    if (run_day(t, business_days_only, calendar) <= today) out.push_back(t);
  }
  return out;
}

JobStep decide(const JobRecord& r, Instant now, Instant opens, Instant alert_at,
               bool prerequisites_met, bool retry_after_alert) {
  JobStep s;
  if (r.done || now < opens) return s;
  const bool late = now >= alert_at;
  s.alert = late && !r.alerted;
  const bool may_try = !late || retry_after_alert || r.attempts == 0;
  s.run = prerequisites_met && may_try && now >= r.next_at;
  return s;
}

std::chrono::seconds retry_delay(int attempts, std::chrono::seconds base, std::chrono::seconds cap) {
  std::chrono::seconds d = base;
  for (int i = 1; i < attempts && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

}  // namespace repay::settlement
