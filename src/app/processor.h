// The running processor: wires settings, the store, the channel client, the use-cases and the
// API server. main() only parses the command line and calls this.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "settings/settings.h"
#include "core/clock.h"
#include "core/result.h"

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names

class Processor {
 public:
  // Resolves secrets, opens the key file and the database (migrating it), builds everything.
  // Nothing listens yet.
  static Result<std::unique_ptr<Processor>> create(const Settings& settings, const Clock& clock);
  ~Processor();

  // Starts the channel client and the API listener. Error names the listener's address.
  Status start();
  uint16_t api_port() const;
  uint16_t admin_port() const;  // the staff console (processor.admin_*)
  // Stops taking requests, lets in-flight ones finish (bounded), stops everything.
  void stop();

 private:
  struct Impl;
  explicit Processor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace repay::app
