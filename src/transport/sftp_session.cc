#include "transport/sftp_session.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace repay::transport {
namespace {

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

Slist to_slist(const std::vector<std::string>& items) {
  curl_slist* list = nullptr;
  for (const std::string& s : items) list = curl_slist_append(list, s.c_str());
  return Slist(list);
}

size_t append_to_string(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t write_to_file(char* data, size_t size, size_t count, void* user) {
  return std::fwrite(data, 1, size * count, static_cast<std::FILE*>(user));
}

size_t read_from_file(char* buffer, size_t size, size_t count, void* user) {
  auto* file = static_cast<std::FILE*>(user);
  if (file == nullptr) return 0;  // an empty upload
  size_t n = std::fread(buffer, 1, size * count, file);
  if (n == 0 && std::ferror(file)) return CURL_READFUNC_ABORT;
  return n;
}

// The host key must match known_hosts: CURLKHMATCH_OK only; a mismatch or a missing entry is
// refused (never added to the file).
int check_host_key(CURL*, const curl_khkey*, const curl_khkey*, curl_khmatch match, void* user) {
  *static_cast<int*>(user) = static_cast<int>(match);
  return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

bool connection_level(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSH:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct SftpSession::Request {
  std::string url;
  bool names_only = false;
  std::vector<std::string> quote;
  std::vector<std::string> postquote;
  std::string* body = nullptr;      // listing text
  std::FILE* download = nullptr;    // or the file a download goes to
  bool upload = false;
  std::FILE* upload_from = nullptr;  // nullptr: an empty file
  curl_off_t upload_size = 0;
};

SftpSession::SftpSession(const SftpOptions& options) : options_(options) {
  ensure_curl_global_init();
  easy_ = curl_easy_init();
  if (easy_ == nullptr) return;
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "sftp");
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.transfer_timeout.count()));
  curl_easy_setopt(easy_, CURLOPT_USERNAME, options_.user.c_str());
  long auth = 0;
  if (!options_.password.empty()) {
    curl_easy_setopt(easy_, CURLOPT_PASSWORD, options_.password.c_str());
    auth |= CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD;
  }
  if (!options_.private_key_file.empty()) {
    curl_easy_setopt(easy_, CURLOPT_SSH_PRIVATE_KEYFILE, options_.private_key_file.c_str());
    // Without a public key file libssh2 derives the public key from the private one.
    if (!options_.public_key_file.empty()) {
      curl_easy_setopt(easy_, CURLOPT_SSH_PUBLIC_KEYFILE, options_.public_key_file.c_str());
    }
    auth |= CURLSSH_AUTH_PUBLICKEY;
  }
  curl_easy_setopt(easy_, CURLOPT_SSH_AUTH_TYPES, auth);
  curl_easy_setopt(easy_, CURLOPT_SSH_KNOWNHOSTS, options_.known_hosts_file.c_str());
  curl_easy_setopt(easy_, CURLOPT_SSH_KEYFUNCTION, check_host_key);
  curl_easy_setopt(easy_, CURLOPT_SSH_KEYDATA, &hostkey_match_);
}

SftpSession::~SftpSession() {
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
}

Status SftpSession::perform(Request& r) {
  retryable_ = false;
  if (easy_ == nullptr) return make_error("IO", "cannot create a libcurl handle", "url", r.url);
  Slist quote = to_slist(r.quote);
  Slist postquote = to_slist(r.postquote);
  curl_easy_setopt(easy_, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_DIRLISTONLY, r.names_only ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_QUOTE, quote.get());
  curl_easy_setopt(easy_, CURLOPT_POSTQUOTE, postquote.get());
  curl_easy_setopt(easy_, CURLOPT_UPLOAD, r.upload ? 1L : 0L);
  if (r.upload) {
    curl_easy_setopt(easy_, CURLOPT_READFUNCTION, read_from_file);
    curl_easy_setopt(easy_, CURLOPT_READDATA, r.upload_from);
    curl_easy_setopt(easy_, CURLOPT_INFILESIZE_LARGE, r.upload_size);
  } else if (r.download != nullptr) {
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, write_to_file);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, r.download);
  } else {
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, append_to_string);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, r.body);
  }
  error_buffer_[0] = '\0';
  hostkey_match_ = -1;
  CURLcode code = curl_easy_perform(easy_);
  if (code == CURLE_OK) return ok_status();

  std::string detail = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code);
  const std::string where = options_.user + "@" + options_.host + ":" + std::to_string(options_.port);
  if (code == CURLE_PEER_FAILED_VERIFICATION ||
      (hostkey_match_ >= 0 && hostkey_match_ != CURLKHMATCH_OK)) {
    std::string why = hostkey_match_ == CURLKHMATCH_MISMATCH
                          ? "the host key of " + where + " differs from the one in "
                          : "no host key for " + where + " (as [host]:port) in ";
    return make_error("HOSTKEY", why + options_.known_hosts_file + " (" + detail + ")",
                      "known_hosts_file", options_.known_hosts_file);
  }
  if (code == CURLE_LOGIN_DENIED) {
    return make_error("AUTH", "login refused for " + where + " (" + detail + ")", "user",
                      options_.user);
  }
  retryable_ = connection_level(code);
  return make_error("IO", std::string(curl_easy_strerror(code)) + ": " + detail, "", "", r.url);
}

Result<SftpListing> SftpSession::list(const std::string& folder_url,
                                      const std::vector<std::string>& quote) {
  std::string names;
  std::string full;
  Request by_name{folder_url, true, quote, {}, &names};
  REPAY_TRY(perform(by_name));
  Request in_full{folder_url, false, {}, {}, &full};
  REPAY_TRY(perform(in_full));
  return parse_listing(names, full);
}

Status SftpSession::run_quote(const std::string& folder_url,
                              const std::vector<std::string>& commands) {
  std::string ignored;
  Request r{folder_url, true, commands, {}, &ignored};
  return perform(r);
}

Status SftpSession::download(const std::string& file_url, const std::string& local_path) {
  std::FILE* file = std::fopen(local_path.c_str(), "wb");
  if (file == nullptr) return make_error("IO", "cannot create the local file", "", "", local_path);
  Request r;
  r.url = file_url;
  r.download = file;
  Status st = perform(r);
  bool closed = std::fclose(file) == 0;
  if (st && !closed) st = make_error("IO", "cannot write the local file", "", "", local_path);
  if (!st) {
    std::error_code ignored;
    std::filesystem::remove(local_path, ignored);
  }
  return st;
}

Status SftpSession::upload(const std::string& local_path, const std::string& file_url,
                           const std::vector<std::string>& postquote) {
  Request r;
  r.url = file_url;
  r.upload = true;
  r.postquote = postquote;
  if (!local_path.empty()) {
    std::error_code ec;
    auto size = std::filesystem::file_size(local_path, ec);
    if (ec) return make_error("IO", "cannot read the local file: " + ec.message(), "", "", local_path);
    r.upload_from = std::fopen(local_path.c_str(), "rb");
    if (r.upload_from == nullptr) {
      return make_error("IO", "cannot open the local file", "", "", local_path);
    }
    r.upload_size = static_cast<curl_off_t>(size);
  }
  Status st = perform(r);
  if (r.upload_from != nullptr) std::fclose(r.upload_from);
  return st;
}

Status check_sftp_settings(const SftpOptions& options) {
  if (options.known_hosts_file.empty()) {
    return make_error("HOSTKEY", "known_hosts_file is not set: the host key is always checked",
                      "known_hosts_file");
  }
  if (!readable(options.known_hosts_file)) {
    return make_error("HOSTKEY", "cannot read the known_hosts file", "known_hosts_file",
                      options.known_hosts_file);
  }
  if (options.password.empty() && options.private_key_file.empty()) {
    return make_error("AUTH", "neither a password nor a private key file is set",
                      "private_key_file");
  }
  if (!options.private_key_file.empty() && !readable(options.private_key_file)) {
    return make_error("AUTH", "cannot read the private key file", "private_key_file",
                      options.private_key_file);
  }
  if (options.user.empty()) return make_error("AUTH", "user is not set", "user");
  return ok_status();
}

}  // namespace repay::transport
