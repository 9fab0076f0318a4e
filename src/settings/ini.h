// A small INI reader for the settings file (docs/settings.md): `[section]` headers, `key = value`
// lines, `#` or `;` comments on their own line. It keeps every line number so that settings
// errors can say where they are. It knows nothing of the keys: settings.cc gives them meaning.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace repay::settings {

struct IniEntry {
  std::string key;
  std::string value;  // verbatim, spaces around '=' trimmed
  int line = 0;
};

struct IniSection {
  std::string name;               // "processor", "center.CC01", ...
  int line = 0;                   // of its header
  std::vector<IniEntry> entries;  // in file order, a repeated key only once (the first)
};

struct IniDocument {
  std::vector<IniSection> sections;  // in file order, a repeated section only once (merged)
};

// Splits `text` into sections and entries. Problems (a line that is neither a header, a
// `key = value` nor a comment; a key outside any section; a repeated section or key) become
// Errors with code "CONFIG" and where "<source> line <n>"; reading goes on after each, so all of
// them are returned. A repeated section's keys join the first one's.
std::vector<Error> parse_ini(std::string_view text, const std::string& source, IniDocument* out);

// "<source> line <n>": the `where` of every settings error.
std::string ini_where(const std::string& source, int line);

}  // namespace repay::settings
