#include "settings/ini.h"

#include <map>

namespace repay::settings {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_space(std::string_view s) {
  for (char c : s) {
    if (is_space(c)) return true;
  }
  return false;
}

class Reader {
 public:
  Reader(const std::string& source, IniDocument* out) : source_(source), out_(out) {}

  void line(std::string_view text, int n) {
    std::string_view s = trim(text);
    if (s.empty() || s.front() == '#' || s.front() == ';') return;
    if (s.front() == '[') return header(s, n);
    size_t eq = s.find('=');
    if (eq == std::string_view::npos) {
      return fail(n, "", "not a [section] header, a `key = value` line or a comment");
    }
    entry(trim(s.substr(0, eq)), trim(s.substr(eq + 1)), n);
  }

  std::vector<Error> take_errors() { return std::move(errors_); }

 private:
  void header(std::string_view s, int n) {
    std::string_view name = s.back() == ']' ? trim(s.substr(1, s.size() - 2)) : std::string_view{};
    if (name.empty() || has_space(name) || name.find_first_of("[]") != std::string_view::npos) {
      current_ = kNone;
      // An unreadable header: its keys would land in the previous section, so they are dropped.
      skipping_ = true;
      return fail(n, "", "bad section header (expected [name])", std::string(s));
    }
    skipping_ = false;
    auto found = index_.find(std::string(name));
    if (found != index_.end()) {
      current_ = found->second;
      return fail(
          n, std::string(name),
          "section repeated (first at line " + std::to_string(out_->sections[current_].line) + ")");
    }
    current_ = out_->sections.size();
    index_[std::string(name)] = current_;
    out_->sections.push_back(IniSection{std::string(name), n, {}});
  }

  void entry(std::string_view key, std::string_view value, int n) {
    if (skipping_) return;
    if (key.empty() || has_space(key)) return fail(n, std::string(key), "bad key name");
    if (current_ == kNone) {
      return fail(n, std::string(key), "key outside a section (put it under [processor], ...)");
    }
    IniSection& section = out_->sections[current_];
    std::string field = section.name + "." + std::string(key);
    for (const IniEntry& e : section.entries) {
      if (e.key == key) {
        // The value is not echoed: it may be anything, and the first one stands.
        return fail(n, field, "key repeated (first at line " + std::to_string(e.line) + ")");
      }
    }
    section.entries.push_back(IniEntry{std::string(key), std::string(value), n});
  }

  void fail(int n, std::string field, std::string message, std::string value = {}) {
    errors_.push_back(make_error("CONFIG", std::move(message), std::move(field), std::move(value),
                                 ini_where(source_, n)));
  }

  const std::string& source_;
  IniDocument* out_;
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t current_ = kNone;  // index of the section keys go to
  bool skipping_ = false;
  std::map<std::string, size_t> index_;
  std::vector<Error> errors_;
};

}  // namespace

std::string ini_where(const std::string& source, int line) {
  return source + " line " + std::to_string(line);
}

std::vector<Error> parse_ini(std::string_view text, const std::string& source, IniDocument* out) {
  *out = IniDocument{};
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM some editors add
  Reader reader(source, out);
  int n = 0;
  while (!text.empty()) {
    ++n;
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    reader.line(line, n);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return reader.take_errors();
}

}  // namespace repay::settings
