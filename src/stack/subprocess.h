// Child processes for the demo and the end-to-end tests: start a binary, wait for the port file
// it writes, stop it with SIGTERM (or SIGKILL for crash tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/result.h"

namespace repay::stack {

class Subprocess {
 public:
  Subprocess() = default;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  Subprocess(Subprocess&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Subprocess& operator=(Subprocess&& o) noexcept {
    if (this != &o) {
      if (pid_ > 0) stop(15);
      pid_ = o.pid_;
      o.pid_ = -1;
    }
    return *this;
  }
  ~Subprocess();  // SIGTERM, then SIGKILL after 5 s

  // argv[0] is the program path. stdout and stderr go to `log_file` (appended) when not empty.
  static Result<Subprocess> spawn(const std::vector<std::string>& argv, const std::string& log_file,
                                  const std::vector<std::string>& extra_env = {});

  bool running();
  // Sends `signal`, waits up to `timeout` for the exit; returns the exit status (or -signal).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Waits until `path` holds a port number (written by a server after it listens).
Result<uint16_t> wait_for_port_file(const std::string& path, std::chrono::milliseconds timeout,
                                    Subprocess* watch = nullptr);

}  // namespace repay::stack
