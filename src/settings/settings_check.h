// Internal to the settings: the cross-key checks with the line of every key, so that an error
// found after reading (a channel of the wrong kind, a missing secret) still says where it is.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "settings/settings.h"

namespace repay::settings {

// Where each key and section was read. Keys are full names: "center.CC01.return_deadline";
// sections are "center.CC01".
struct SettingsLines {
  std::string source;                // the file, for `where`
  std::map<std::string, int> lines;  // key or section -> line
  std::set<std::string> reported;    // keys whose value was already reported bad: not checked again
  std::map<std::string, std::string> written;  // key -> its value as written in the file

  // "<source> line <n>" of the key, else of its section, else just the source.
  std::string where(const std::string& key) const;
};

std::vector<Error> check_settings(const Settings& s, const SettingsLines& lines);

}  // namespace repay::settings
