// The folder layout every transport shares (files.md, "Exchange with card centers"): which inbox
// entries are complete data files, how a name is suffixed in inbox/done/, and which names are
// acceptable at all. Pure: no file system, no network.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "transport/transport.h"

namespace repay::transport {

inline constexpr std::string_view kFlagSuffix = ".ok";
inline constexpr std::string_view kTempSuffix = ".tmp";
inline constexpr std::string_view kDoneFolder = "done";

// One entry of a folder listing.
struct FolderEntry {
  std::string name;
  uint64_t size = 0;
  bool regular = false;  // a regular file (not a folder, link or device)
  bool folder = false;   // a folder (done/): never a data file, not reported
};

// The complete data files among `entries`, sorted by name: regular NAME (not *.ok, not *.tmp)
// with a regular NAME.ok beside it. A flag without its data file is ignored. A NAME with its
// NAME.ok where either is not a regular file (a symbolic link: never followed) is listed with
// not_regular set, so that it is reported, never read.
std::vector<InboxFile> complete_files(const std::vector<FolderEntry>& entries);

// "" when neither NAME nor NAME.ok is in `done`, else ".<n>" with the smallest n >= 1 for which
// neither NAME.<n> nor NAME.ok.<n> is there: the pair keeps one suffix and nothing is overwritten.
std::string done_suffix(const std::set<std::string>& done, const std::string& name);

// Accepts a plain file name: not empty, not "." or "..", no '/', no control character, at most
// 255 bytes. Error code "IO" naming the field `name`.
Status check_file_name(const std::string& name);

// Accepts a configured folder: not empty, no control character (they would break SFTP quote
// commands). Error code "CONFIG" naming the field `field`.
Status check_folder(const std::string& folder, const std::string& field);

inline std::string flag_name(const std::string& name) { return name + std::string(kFlagSuffix); }
inline std::string temp_name(const std::string& name) { return name + std::string(kTempSuffix); }

}  // namespace repay::transport
