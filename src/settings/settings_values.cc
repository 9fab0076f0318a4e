#include "settings/settings_values.h"

#include <charconv>

#include "core/money.h"

namespace repay::settings {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "HH" or "MM": exactly two digits.
std::optional<int> two_digits(std::string_view s) {
  if (s.size() != 2 || !is_digit(s[0]) || !is_digit(s[1])) return std::nullopt;
  return (s[0] - '0') * 10 + (s[1] - '0');
}

// "HH:MM" without an upper bound on HH (two digits): minutes after midnight.
std::optional<int> hh_mm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = two_digits(s.substr(0, 2));
  auto m = two_digits(s.substr(3, 2));
  if (!h || !m || *m > 59) return std::nullopt;
  return *h * 60 + *m;
}

}  // namespace

std::optional<int64_t> parse_setting_int(std::string_view s, int64_t max) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    if (v > (max - (c - '0')) / 10) return std::nullopt;  // v * 10 + d would pass max
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<bool> parse_setting_bool(std::string_view s) {
  if (s == "true") return true;
  if (s == "false") return false;
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_setting_duration(std::string_view s) {
  size_t digits = 0;
  while (digits < s.size() && is_digit(s[digits])) ++digits;
  std::string_view unit = s.substr(digits);
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};
  int64_t scale = 0;
  for (const auto& [name, ms] : kUnits) {
    if (unit == name) scale = ms;
  }
  if (scale == 0) return std::nullopt;
  // 2^40 hours is far beyond any setting, and 2^40 * 3,600,000 ms still fits in int64.
  auto n = parse_setting_int(s.substr(0, digits), int64_t{1} << 40);
  if (!n) return std::nullopt;
  return std::chrono::milliseconds(*n * scale);
}

std::optional<int> parse_time_of_day(std::string_view s, int max_minutes) {
  auto m = hh_mm(s);
  if (!m || *m > max_minutes) return std::nullopt;
  return m;
}

std::optional<std::pair<int, int>> parse_time_window(std::string_view s) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto start = parse_time_of_day(trim(s.substr(0, dash)));
  auto end = parse_time_of_day(trim(s.substr(dash + 1)), 24 * 60);
  if (!start || !end || *start >= *end) return std::nullopt;
  return std::pair{*start, *end};
}

std::optional<std::vector<std::string>> parse_setting_list(std::string_view s) {
  std::vector<std::string> items;
  if (trim(s).empty()) return items;
  while (true) {
    size_t comma = s.find(',');
    std::string_view item = trim(s.substr(0, comma));
    if (item.empty()) return std::nullopt;
    items.emplace_back(item);
    if (comma == std::string_view::npos) return items;
    s.remove_prefix(comma + 1);
  }
}

std::optional<double> parse_setting_decimal(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "0" : s.substr(dot + 1);
  for (std::string_view part : {whole, fraction}) {
    if (part.empty() || part.size() > 15) return std::nullopt;
    for (char c : part) {
      if (!is_digit(c)) return std::nullopt;
    }
  }
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool parse_fee_rule(std::string_view s, FeeRule* rule) {
  FeeRule r;
  r.payer = rule->payer;
  std::vector<std::string_view> parts;
  for (size_t colon; (colon = s.find(':')) != std::string_view::npos; s.remove_prefix(colon + 1)) {
    parts.push_back(s.substr(0, colon));
  }
  parts.push_back(s);
  if (parts[0] == "NONE" && parts.size() == 1) {
    r.kind = "NONE";
  } else if (parts[0] == "FIXED" && parts.size() == 2) {
    auto fen = parse_setting_int(parts[1], kMaxAmount);
    if (!fen) return false;
    r.kind = "FIXED", r.fixed = *fen;
  } else if (parts[0] == "PERCENT" && parts.size() >= 2 && parts.size() <= 4) {
    auto bp = parse_setting_int(parts[1], 10000);  // at most 100%
    if (!bp) return false;
    r.kind = "PERCENT", r.basis_points = *bp;
    bool seen_min = false, seen_max = false;
    for (size_t i = 2; i < parts.size(); ++i) {
      bool is_min = parts[i].starts_with("min=");
      bool is_max = parts[i].starts_with("max=");
      if ((!is_min && !is_max) || (is_min && seen_min) || (is_max && seen_max)) return false;
      auto fen = parse_setting_int(parts[i].substr(4), kMaxAmount);
      if (!fen) return false;
      (is_min ? r.min : r.max) = *fen;
      (is_min ? seen_min : seen_max) = true;
    }
  } else {
    return false;
  }
  *rule = r;
  return true;
}

std::string format_time_of_day(int minutes) {
  std::string s = "00:00";
  s[0] = static_cast<char>('0' + minutes / 600);
  s[1] = static_cast<char>('0' + minutes / 60 % 10);
  s[3] = static_cast<char>('0' + minutes % 60 / 10);
  s[4] = static_cast<char>('0' + minutes % 10);
  return s;
}

}  // namespace repay::settings
