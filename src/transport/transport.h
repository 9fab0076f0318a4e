// File exchange with a card center (files.md, "Exchange with card centers"): an inbox we pull
// from and an outbox we publish into, over SFTP or in local folders — one interface for both.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace repay::transport {

struct InboxFile {
  std::string name;   // data file name, e.g. REPAY_CC01_20261122_B001.txt
  uint64_t size = 0;  // bytes, as listed
  // NAME and NAME.ok are there but one of them is not a regular file (a symbolic link, a
  // folder): never read, never followed, never moved; the caller alerts staff.
  bool not_regular = false;
};

class FileTransport {
 public:
  virtual ~FileTransport() = default;

  // Data files of the inbox that are complete: NAME with NAME.ok beside it. A data file without
  // its flag and a flag without its data file are ignored; so are folders (done/) and *.tmp.
  virtual Result<std::vector<InboxFile>> list_complete() = 0;
  // The size of an inbox file now (the size-stable check before reading).
  virtual Result<uint64_t> size_of(const std::string& name) = 0;
  // Copies inbox NAME to local_path (overwriting local_path).
  virtual Status fetch(const std::string& name, const std::string& local_path) = 0;
  // Moves NAME and NAME.ok into inbox/done/ (created when missing). If a file of that name is
  // already in done/, the moved one gets a suffix ".<n>" rather than overwriting it.
  virtual Status mark_done(const std::string& name) = 0;
  // Publishes local_path into the outbox as NAME: uploads NAME.tmp, renames it to NAME, then
  // creates an empty NAME.ok, so the card center never sees a partial file under its final name.
  // Never overwrites: if NAME is already there (a publish interrupted after the rename), only
  // NAME.ok is completed; if NAME.ok is there too, nothing is done (already published).
  virtual Status publish(const std::string& local_path, const std::string& name) = 0;
  // True when the outbox holds NAME.ok (published).
  virtual Result<bool> published(const std::string& name) = 0;
  // "local:/path" or "sftp://user@host:port" — for logs, never with a password.
  virtual std::string describe() const = 0;
};

struct LocalOptions {
  std::string inbox;
  std::string outbox;
};

struct SftpOptions {
  std::string host;
  uint16_t port = 22;
  std::string user;
  std::string password;           // or the key files:
  std::string private_key_file;
  std::string public_key_file;
  std::string known_hosts_file;   // OpenSSH known_hosts; the host key is always checked
  std::string inbox = "inbox";    // folders relative to the login folder, or absolute
  std::string outbox = "outbox";
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds transfer_timeout{600000};
  int retries = 3;                // connection failures retried with backoff, logged
  std::chrono::milliseconds backoff{500};  // doubled per retry
};

std::unique_ptr<FileTransport> make_local_transport(const LocalOptions& options);
std::unique_ptr<FileTransport> make_sftp_transport(const SftpOptions& options);

}  // namespace repay::transport
