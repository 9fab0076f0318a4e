#include "transport/layout.h"

#include <algorithm>
#include <map>

namespace repay::transport {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

std::vector<InboxFile> complete_files(const std::vector<FolderEntry>& entries) {
  std::map<std::string, const FolderEntry*> all;
  for (const auto& e : entries) {
    if (!e.folder) all.emplace(e.name, &e);
  }
  std::vector<InboxFile> out;
  for (const auto& [name, entry] : all) {
    if (ends_with(name, kFlagSuffix) || ends_with(name, kTempSuffix)) continue;
    auto flag = all.find(flag_name(name));
    if (flag == all.end()) continue;  // files.md: incomplete until NAME.ok
    if (!entry->regular || !flag->second->regular) {
      out.push_back(InboxFile{name, 0, true});
      continue;
    }
    out.push_back(InboxFile{name, entry->size});
  }
  return out;  // std::map iteration: already sorted by name
}

std::string done_suffix(const std::set<std::string>& done, const std::string& name) {
  const std::string flag = flag_name(name);
  if (done.count(name) == 0 && done.count(flag) == 0) return "";
  for (unsigned n = 1;; ++n) {
    std::string suffix = "." + std::to_string(n);
    if (done.count(name + suffix) == 0 && done.count(flag + suffix) == 0) return suffix;
  }
}

Status check_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255 ||
      name.find('/') != std::string::npos || has_control_char(name)) {
    return make_error("IO", "not a plain file name", "name", name);
  }
  return ok_status();
}

Status check_folder(const std::string& folder, const std::string& field) {
  if (folder.empty() || has_control_char(folder)) {
    return make_error("CONFIG", "folder must be a path without control characters", field, folder);
  }
  return ok_status();
}

}  // namespace repay::transport
