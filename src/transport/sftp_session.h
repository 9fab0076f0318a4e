// libcurl requests over one SSH connection (one easy handle; libcurl keeps the connection open
// between the requests of one session). Turns libcurl's codes into Errors:
//   "AUTH"     the server refused the login (key or password) — a configuration error;
//   "HOSTKEY"  the server's host key is not the one in known_hosts, or is not there at all;
//   "IO"       anything else, with libcurl's message and the remote path.
// Connection-level failures (cannot connect, timeout, SSH session errors) are "IO" with
// retryable() true. The host key is always checked against known_hosts_file; no setting turns the
// check off. Not thread-safe: one session per operation.
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "transport/sftp_listing.h"
#include "transport/transport.h"

namespace repay::transport {

class SftpSession {
 public:
  explicit SftpSession(const SftpOptions& options);
  ~SftpSession();
  SftpSession(const SftpSession&) = delete;
  SftpSession& operator=(const SftpSession&) = delete;

  // Runs `quote` commands (libcurl quote syntax; a leading '*' ignores the command's failure),
  // then lists the folder at `folder_url` (ending in '/'), names-only and in full.
  Result<SftpListing> list(const std::string& folder_url, const std::vector<std::string>& quote = {});
  // Runs quote commands alone (with a names-only listing of `folder_url` as the transfer).
  Status run_quote(const std::string& folder_url, const std::vector<std::string>& commands);
  // Downloads `file_url` into local_path (created or truncated; removed again on failure).
  Status download(const std::string& file_url, const std::string& local_path);
  // Uploads local_path (an empty file when local_path is empty) to `file_url`, creating or
  // truncating it, then runs `postquote` commands.
  Status upload(const std::string& local_path, const std::string& file_url,
                const std::vector<std::string>& postquote = {});

  // True when the last failure was at the connection level (worth retrying).
  bool retryable() const { return retryable_; }

 private:
  struct Request;
  Status perform(Request& request);

  const SftpOptions& options_;
  CURL* easy_ = nullptr;
  bool retryable_ = false;
  int hostkey_match_ = -1;  // the last curl_khmatch the key callback saw
  char error_buffer_[256] = {};
};

// Checks the settings that need no connection: known_hosts_file set and readable ("HOSTKEY"),
// a password or a readable private key file ("AUTH").
Status check_sftp_settings(const SftpOptions& options);

}  // namespace repay::transport
