// The command line of repay-banksim (docs/simulator.md, Options), parsed with
// Boost.Program_options into values; main() only wires them. Only the binary links
// Boost::program_options: tests use config.h instead.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "simulator/faults.h"

namespace repay::sim {

struct SimOptions {
  bool help = false;
  std::string help_text;
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string port_file;
  std::vector<std::string> channels;  // ID,KIND,MERCHANTID,SECRET_FILE (or env:NAME)
  uint64_t seed = 1;
  size_t book_size = 200;
  std::string book_file;
  std::string book_out;
  std::string notify_base;
  Faults faults;
  int sms_ttl_seconds = 300;
  int cutover_hour = 23;
  int statement_ready_hours = 2;
  int64_t clock_offset_seconds = 0;
  int threads = 2;
  std::string log_level = "info";
};

// Errors: code "CONFIG" with the option named.
Result<SimOptions> parse_options(int argc, const char* const* argv);
}  // namespace repay::sim
