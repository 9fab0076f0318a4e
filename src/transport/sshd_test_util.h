// Test-only: a real OpenSSH sshd on loopback, as ../shared/testing.md describes — fresh ed25519
// host and client keys in a temp folder, a free port, stopped by the pid in its pid file. The
// login user is the one running the tests (root). Header-only so that it stays out of the library.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "transport/transport.h"

namespace repay::transport::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::string make_temp_dir(const char* prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

// A port nothing listens on right now (bound to 0, read back, closed).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool port_accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class Sshd {
 public:
  Sshd() { start(); }
  ~Sshd() {
    stop();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;

  // Empty when sshd runs; else why it does not.
  const std::string& failure() const { return failure_; }
  const std::string& dir() const { return dir_; }
  uint16_t port() const { return port_; }
  std::string inbox() const { return dir_ + "/inbox"; }
  std::string outbox() const { return dir_ + "/outbox"; }
  std::string log() const { return read_text(dir_ + "/sshd.log"); }

  // Options that log in as the current user with the authorised client key.
  SftpOptions options() const {
    SftpOptions o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.user = "root";
    o.private_key_file = dir_ + "/client_key";
    o.public_key_file = dir_ + "/client_key.pub";
    o.known_hosts_file = dir_ + "/known_hosts";
    o.inbox = inbox();
    o.outbox = outbox();
    o.connect_timeout = std::chrono::milliseconds(5000);
    o.transfer_timeout = std::chrono::milliseconds(30000);
    o.retries = 1;
    o.backoff = std::chrono::milliseconds(10);
    return o;
  }

  // A fresh ed25519 key pair `name` and `name`.pub in the fixture folder; false on failure.
  bool keygen(const std::string& name) const {
    std::string cmd = "ssh-keygen -q -t ed25519 -N '' -C repay-test -f '" + dir_ + "/" + name +
                      "' >>'" + dir_ + "/keygen.log' 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  // A known_hosts line for this server with the public key in `pub_file`.
  std::string known_hosts_line(const std::string& pub_file) const {
    std::string key = read_text(pub_file);
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    return "[127.0.0.1]:" + std::to_string(port_) + " " + key + "\n";
  }

 private:
  void start() {
    dir_ = make_temp_dir("repay-sshd-");
    if (dir_.empty()) return fail("cannot create a temp folder");
    std::filesystem::create_directories(inbox());
    std::filesystem::create_directories(outbox());
    if (!keygen("host_key") || !keygen("client_key")) {
      return fail("ssh-keygen failed: " + read_text(dir_ + "/keygen.log"));
    }
    write_text(dir_ + "/authorized_keys", read_text(dir_ + "/client_key.pub"));
    std::error_code ec;
    std::filesystem::create_directories("/run/sshd", ec);  // sshd's privilege separation folder
    port_ = free_port();
    if (port_ == 0) return fail("no free port");
    write_text(dir_ + "/known_hosts", known_hosts_line(dir_ + "/host_key.pub"));
    write_text(dir_ + "/sshd_config",
               "ListenAddress 127.0.0.1\n"
               "Port " + std::to_string(port_) + "\n"
               "HostKey " + dir_ + "/host_key\n"
               "PidFile " + dir_ + "/sshd.pid\n"
               "AuthorizedKeysFile " + dir_ + "/authorized_keys\n"
               "PasswordAuthentication no\n"
               "PubkeyAuthentication yes\n"
               "PermitRootLogin prohibit-password\n"
               "StrictModes no\n"
               "UsePAM no\n"
               "Subsystem sftp internal-sftp\n");
    if (::access("/usr/sbin/sshd", X_OK) != 0) return fail("/usr/sbin/sshd is not installed");
    std::string cmd = "/usr/sbin/sshd -f '" + dir_ + "/sshd_config' -E '" + dir_ +
                      "/sshd.log' >>'" + dir_ + "/sshd.out' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      return fail("sshd did not start: " + read_text(dir_ + "/sshd.out") + log());
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(port_accepts(port_) && pid() > 0)) {
      if (std::chrono::steady_clock::now() > deadline) {
        return fail("sshd does not accept connections on port " + std::to_string(port_) + ": " +
                    log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  pid_t pid() const {
    std::string text = read_text(dir_ + "/sshd.pid");
    return text.empty() ? 0 : static_cast<pid_t>(std::atol(text.c_str()));
  }

  void stop() {
    pid_t p = dir_.empty() ? 0 : pid();
    if (p <= 0) return;
    ::kill(p, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::kill(p, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::string stat = read_text("/proc/" + std::to_string(p) + "/stat");
      if (stat.find(") Z") != std::string::npos) break;  // exited, waiting for its reaper
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void fail(const std::string& why) { failure_ = why.empty() ? "unknown failure" : why; }

  std::string dir_;
  uint16_t port_ = 0;
  std::string failure_;
};

}  // namespace repay::transport::testing
