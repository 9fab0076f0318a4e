// The value forms of the settings file (docs/settings.md, "Value forms"): integers, booleans,
// durations, times of day, lists and fee rules. Each returns nullopt for a value not in its form;
// ranges that depend on the key are checked by the caller or by check_settings().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "settings/settings.h"

namespace repay::settings {

// Decimal digits only (no sign, no spaces), at most `max`.
std::optional<int64_t> parse_setting_int(std::string_view s, int64_t max);
// "true" or "false".
std::optional<bool> parse_setting_bool(std::string_view s);
// "<digits><unit>", unit ms, s, m or h: "500ms", "10s", "1m", "2h".
std::optional<std::chrono::milliseconds> parse_setting_duration(std::string_view s);
// "HH:MM" (two digits each, minutes 00-59) as minutes after midnight, at most max_minutes
// (23:59 for a time of day, 47:59 for return_deadline, 24:00 for the end of a window).
std::optional<int> parse_time_of_day(std::string_view s, int max_minutes = 23 * 60 + 59);
// "HH:MM-HH:MM", start before end, end up to 24:00: {start, end} in minutes.
std::optional<std::pair<int, int>> parse_time_window(std::string_view s);
// Comma-separated, each item trimmed; "" is the empty list; an empty item is not in the form.
std::optional<std::vector<std::string>> parse_setting_list(std::string_view s);
// Decimal "0.2", "0", "0.05" (digits, optional fraction; no exponent, no sign).
std::optional<double> parse_setting_decimal(std::string_view s);
// "NONE", "FIXED:<fen>", "PERCENT:<bp>[:min=<fen>][:max=<fen>]". The payer is left as it is in
// `*rule` (it has its own key); every other field is replaced.
bool parse_fee_rule(std::string_view s, FeeRule* rule);
// "HH:MM" of minutes after midnight (47:59 stays 47:59).
std::string format_time_of_day(int minutes);

}  // namespace repay::settings
