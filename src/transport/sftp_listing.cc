#include "transport/sftp_listing.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

namespace repay::transport {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

struct LongLine {
  char type = '?';
  std::optional<uint64_t> size;
  std::string_view name;  // by fields; empty unless the line has OpenSSH's layout
};

bool is_month(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
         });
}

LongLine read_long_line(std::string_view line) {
  LongLine out;
  out.type = line.front();
  size_t pos = 0;
  bool month = false;
  for (int field = 0; field < 8; ++field) {
    size_t begin = line.find_first_not_of(' ', pos);
    if (begin == std::string_view::npos) return out;
    size_t end = line.find(' ', begin);
    if (field == 4) {
      std::string_view digits = line.substr(begin, end - begin);
      uint64_t size = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
      if (ec == std::errc() && p == digits.data() + digits.size()) out.size = size;
    }
    if (field == 5) month = is_month(line.substr(begin, end - begin));
    if (end == std::string_view::npos) return out;
    pos = end;
  }
  if (!month) return out;
  // OpenSSH puts exactly one space before the name; a symbolic link's line ends " -> target".
  out.name = line.substr(pos + 1);
  if (out.type == 'l') {
    size_t arrow = out.name.find(" -> ");
    if (arrow != std::string_view::npos) out.name = out.name.substr(0, arrow);
  }
  return out;
}

bool ends_with_name(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line.substr(line.size() - name.size()) == name &&
         line[line.size() - name.size() - 1] == ' ';
}

}  // namespace

std::vector<std::string> parse_name_listing(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : lines_of(text)) {
    if (line == "." || line == "..") continue;
    out.emplace_back(line);
  }
  return out;
}

SftpListing parse_listing(std::string_view names_text, std::string_view long_text) {
  const std::vector<std::string> names = parse_name_listing(names_text);
  const std::set<std::string, std::less<>> wanted(names.begin(), names.end());
  std::map<std::string, FolderEntry, std::less<>> found;
  for (std::string_view line : lines_of(long_text)) {
    LongLine l = read_long_line(line);
    std::string_view name = l.name;
    if (wanted.count(name) == 0) {
      name = {};
      for (const std::string& n : wanted) {
        if (ends_with_name(line, n) && n.size() > name.size()) name = n;
      }
    }
    if (name.empty() || !l.size) continue;
    found.insert_or_assign(std::string(name), FolderEntry{std::string(name), *l.size, l.type == '-', l.type == 'd'});
  }
  SftpListing out;
  for (const std::string& n : names) {
    auto it = found.find(n);
    if (it == found.end()) {
      out.unreadable.push_back(n);
    } else {
      out.entries.push_back(it->second);
    }
  }
  return out;
}

}  // namespace repay::transport
