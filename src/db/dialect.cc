#include "db/dialect.h"

namespace repay::db {

std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  size_t i = 0;
  // Copies from `i` up to and including the first `close` at or after `from` (all when none).
  auto copy_through = [&](size_t from, std::string_view close) {
    const size_t end = sql.find(close, from);
    const size_t stop = end == std::string_view::npos ? sql.size() : end + close.size();
    out.append(sql.substr(i, stop - i));
    i = stop;
  };
  while (i < sql.size()) {
    const char ch = sql[i];
    if (ch == '\'' || ch == '"') {
      // A doubled quote inside ('it''s') ends one quoted run and starts the next: same text.
      copy_through(i + 1, std::string_view(&sql[i], 1));
    } else if (ch == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      copy_through(i + 2, "\n");
    } else if (ch == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      copy_through(i + 2, "*/");
    } else if (ch == '?') {
      out += '$';
      out += std::to_string(++n);
      ++i;
    } else {
      out += ch;
      ++i;
    }
  }
  return out;
}

}  // namespace repay::db
