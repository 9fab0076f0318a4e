// Reading the folder listings libcurl returns for sftp:// URLs ending in '/'. A full listing has
// one "ls -l" style line per entry, as the server formats it (OpenSSH:
// "-rw-r--r--    1 root     root          123 Nov 22 10:00 NAME"); a names-only listing
// (CURLOPT_DIRLISTONLY) has one bare name per line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transport/layout.h"

namespace repay::transport {

struct SftpListing {
  std::vector<FolderEntry> entries;
  std::vector<std::string> unreadable;  // names whose long line could not be read
};

// One name per line, "." and ".." dropped.
std::vector<std::string> parse_name_listing(std::string_view text);

// Joins a names-only listing with a full one: the names are exact (they come bare), the long
// lines give the type (first character '-' is a regular file) and the size (the fifth field).
// A long line is matched to its name by its fields when it has OpenSSH's layout (a month name as
// sixth field; the name follows the eighth field after one space), else by ending in " NAME"
// (the longest such name wins). Names with no readable line are returned in `unreadable` and are
// not entries.
SftpListing parse_listing(std::string_view names_text, std::string_view long_text);

}  // namespace repay::transport
