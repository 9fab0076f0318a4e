// A whole local deployment on loopback: the bank simulator and the processor as child processes
// (the real binaries), generated settings, secrets and key in one folder. The demo runs its
// traffic against it and the end-to-end tests start one per test case.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stack/subprocess.h"
#include "core/result.h"

namespace repay::stack {

struct StackCenter {
  StackCenter(std::string id_, std::string encoding_ = "UTF-8")
      : id(std::move(id_)), encoding(std::move(encoding_)) {}
  std::string id;              // centerId
  std::string encoding = "UTF-8";
  bool luhn_check = true;
  bool collect = true;         // uses the COLLECT channel
  bool quick = true;           // uses the QUICK channel
  std::string extra;           // more "key = value" lines for its section
  // Lines that replace the local-folder exchange (`transport = local`, `local_inbox`,
  // `local_outbox` under the stack's folder), e.g. `transport = sftp` and its keys. Empty: local.
  std::string transport;
};

struct StackOptions {
  std::string dir;                     // emptied and created
  std::string repay_bin;               // path of `repay`
  std::string banksim_bin;             // path of `repay-banksim`
  uint64_t seed = 7;
  int book_size = 200;
  std::vector<std::string> banksim_args;  // extra simulator options (faults)
  std::vector<StackCenter> centers = {StackCenter("CC01"), StackCenter("CC02", "GBK")};
  std::string processor_extra;         // more lines for [processor]
  std::string channel_extra;           // more lines for every [channel.*]
  std::string quick_channel_extra;     // more lines for [channel.QUICK01] only
  std::string collect_channel_extra;   // more lines for [channel.COLL01] only
};

class Stack {
 public:
  static Result<std::unique_ptr<Stack>> start(const StackOptions& options);
  ~Stack();

  // Stops and starts the processor again on the same database (SIGTERM, or SIGKILL to crash it).
  Status restart_processor(int signal);
  Status start_processor();
  // Returns the exit status (or -signal); SIGKILL after `timeout` (above the processor's own
  // shutdown_timeout bound, 30 s unless the options' processor_extra set it).
  int stop_processor(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(40));

  // The processor's process id (benchmarks read /proc/<pid>/status); -1 while it is stopped.
  pid_t processor_pid() const { return processor_.pid(); }

  std::string api_url() const;        // http://127.0.0.1:<port>
  std::string admin_url() const;      // the staff console: http://127.0.0.1:<port>
  std::string banksim_url() const;    // http://127.0.0.1:<port>
  std::string center_secret(const std::string& center_id) const;
  const std::string& dir() const { return opt_.dir; }
  std::string settings_file() const { return opt_.dir + "/repay.ini"; }
  std::string database() const { return opt_.dir + "/repay.db"; }
  std::string key_file() const { return opt_.dir + "/repay.key"; }

  // The shared secret of a center or channel of a stack (deterministic per name; demo only).
  static std::string secret_for(const std::string& name);
  static constexpr const char* kCollectChannel = "COLL01";
  static constexpr const char* kQuickChannel = "QUICK01";

 private:
  explicit Stack(StackOptions o) : opt_(std::move(o)) {}
  Status write_settings();

  StackOptions opt_;
  Subprocess banksim_;
  Subprocess processor_;
  uint16_t banksim_port_ = 0;
  uint16_t admin_port_ = 0;  // the staff console: the processor picks it, read back at each start
  uint16_t api_port_ = 0;  // chosen before anything starts: the simulator notifies it
};

// The folder of the running executable (to find the sibling binaries).
std::string self_dir();
// A TCP port on 127.0.0.1 that was free a moment ago.
Result<uint16_t> free_port();

}  // namespace repay::stack
