#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>

#include "core/clock.h"

namespace repay::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;

const char* name_of(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

// "yyyyMMddHHmmss" in CST for the whole second of `now`, formatted once per second and thread:
// at thousands of lines a second the calendar arithmetic was a good part of a line's cost.
std::string_view cst_second(std::chrono::system_clock::time_point now) {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached;
  const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (second != cached_second) {
    cached = format_cst_timestamp(std::chrono::time_point_cast<std::chrono::seconds>(now));
    cached_second = second;
  }
  return cached;
}

void emit(Level l, std::string_view event, std::initializer_list<Kv> fields, bool alert) {
  if (!enabled(l)) return;
  // One buffer per thread, reused: no allocation per line once it has grown.
  thread_local std::string line;
  format_line(line, std::chrono::system_clock::now(), l, event, fields, alert);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l)); }
bool enabled(Level l) { return static_cast<int>(l) >= g_level.load(); }

bool parse_level(std::string_view s, Level* out) {
  if (s == "debug") *out = Level::kDebug;
  else if (s == "info") *out = Level::kInfo;
  else if (s == "warn") *out = Level::kWarn;
  else if (s == "error") *out = Level::kError;
  else return false;
  return true;
}

void write(Level l, std::string_view event, std::initializer_list<Kv> fields) {
  emit(l, event, fields, false);
}

void alert(std::string_view event, std::initializer_list<Kv> fields) {
  emit(Level::kError, event, fields, true);
}

void append_escaped(std::string& out, std::string_view s) {
  size_t run = 0;  // start of the characters not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  append_escaped(out, s);
  return out;
}

void format_line(std::string& line, std::chrono::system_clock::time_point now, Level l,
                 std::string_view event, std::initializer_list<Kv> fields, bool alert) {
  const int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  const char frac[] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                       static_cast<char>('0' + ms % 10)};
  line.clear();
  line += "{\"ts\":\"";
  line += cst_second(now);
  line.append(frac, sizeof frac);
  line += "\",\"level\":\"";
  line += name_of(l);
  line += "\",\"event\":\"";
  append_escaped(line, event);
  line += '"';
  if (alert) line += ",\"alert\":true";
  for (const auto& [k, v] : fields) {
    line += ",\"";
    append_escaped(line, k);
    line += "\":\"";
    append_escaped(line, v);
    line += '"';
  }
  line += "}\n";
}

}  // namespace repay::log
