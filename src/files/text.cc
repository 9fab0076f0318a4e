// Encodings by name and '|' splitting (common.md, "Files: text and lines").
#include "files/text.h"

#include <cstring>

namespace repay::files {

bool parse_encoding(std::string_view s, Encoding* out) {
  if (s == "UTF-8") {
    *out = Encoding::kUtf8;
  } else if (s == "GBK" || s == "GB18030") {
    *out = Encoding::kGbk;  // common.md: GB18030 is accepted as a superset of GBK
  } else {
    return false;
  }
  return true;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t bar = line.find('|', start);
    if (bar == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, bar - start));
    start = bar + 1;
  }
}

}  // namespace repay::files
