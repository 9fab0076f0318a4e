// How a folder setting becomes an sftp:// URL and a path in a libcurl quote command.
//
// A folder is absolute ("/data/cc01/inbox") or relative to the login folder ("inbox"). In URLs a
// relative folder is written "/~/inbox" (libcurl replaces "/~" with the login folder it asked the
// server for, realpath of "."). In quote commands every path is double-quoted, so that names with
// spaces survive; libcurl does not expand "/~/" inside quotes, so a relative folder stays relative
// there and the server resolves it against the same login folder.
#pragma once

#include <cstdint>
#include <string>

namespace repay::transport {

// "sftp://host:port" ("[host]" when the host is an IPv6 literal).
std::string sftp_base_url(const std::string& host, uint16_t port);
// The folder's URL, ending in '/' (libcurl lists a URL ending in '/').
std::string sftp_folder_url(const std::string& base, const std::string& folder);
// The URL of `name` inside `folder`.
std::string sftp_file_url(const std::string& base, const std::string& folder,
                          const std::string& name);
// `folder`/`name` double-quoted for a quote command ('"' and '\' escaped with '\'); `name` may
// be empty for the folder itself.
std::string sftp_quote_path(const std::string& folder, const std::string& name);

}  // namespace repay::transport
