#include "transport/sftp_paths.h"

namespace repay::transport {
namespace {

// The folder without trailing '/' ("/" stays "/"); "" for the login folder itself.
std::string trimmed(const std::string& folder) {
  std::string f = folder;
  while (f.size() > 1 && f.back() == '/') f.pop_back();
  if (f == ".") f.clear();
  return f;
}

// Percent-encodes everything but unreserved characters and '/'.
std::string url_escape(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The URL path of a folder, without trailing '/'.
std::string folder_url_path(const std::string& folder) {
  std::string f = trimmed(folder);
  if (f == "/") return "";
  if (!f.empty() && f.front() == '/') return url_escape(f);
  return f.empty() ? "/~" : "/~/" + url_escape(f);
}

}  // namespace

std::string sftp_base_url(const std::string& host, uint16_t port) {
  bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return "sftp://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string sftp_folder_url(const std::string& base, const std::string& folder) {
  return base + folder_url_path(folder) + "/";
}

std::string sftp_file_url(const std::string& base, const std::string& folder,
                          const std::string& name) {
  return base + folder_url_path(folder) + "/" + url_escape(name);
}

std::string sftp_quote_path(const std::string& folder, const std::string& name) {
  std::string f = trimmed(folder);
  std::string path;
  if (f.empty()) {
    path = name.empty() ? "." : name;
  } else if (name.empty()) {
    path = f;
  } else {
    path = f == "/" ? "/" + name : f + "/" + name;
  }
  std::string out = "\"";
  for (char c : path) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace repay::transport
