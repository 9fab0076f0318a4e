// Structured logs: one JSON object per line on stderr. Callers pass values that are already
// masked; no full card, ID or mobile number may ever be logged (common.md: Sensitive data).
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace repay::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_level(Level l);
bool parse_level(std::string_view s, Level* out);
bool enabled(Level l);

using Kv = std::pair<std::string_view, std::string>;
void write(Level l, std::string_view event, std::initializer_list<Kv> fields = {});

inline void debug(std::string_view e, std::initializer_list<Kv> f = {}) { write(Level::kDebug, e, f); }
inline void info(std::string_view e, std::initializer_list<Kv> f = {}) { write(Level::kInfo, e, f); }
inline void warn(std::string_view e, std::initializer_list<Kv> f = {}) { write(Level::kWarn, e, f); }
inline void error(std::string_view e, std::initializer_list<Kv> f = {}) { write(Level::kError, e, f); }
// An alert: something staff must act on (an error-level line with "alert":true).
void alert(std::string_view e, std::initializer_list<Kv> f = {});

// JSON string escaping (exposed for tests and other writers).
std::string json_escape(std::string_view s);
void append_escaped(std::string& out, std::string_view s);
// One log line as emitted (into `line`, cleared first), newline included: for tests.
void format_line(std::string& line, std::chrono::system_clock::time_point now, Level l,
                 std::string_view event, std::initializer_list<Kv> fields, bool alert);

}  // namespace repay::log
