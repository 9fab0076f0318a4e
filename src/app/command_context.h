// What the CLI steps (repay batch|notify|refunds|settle|report|staff) open before they act: the
// settings file (checked), the data key and the database (migrated).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/crypto.h"
#include "settings/settings.h"
#include "store/factory.h"

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names

struct CommandContext {
  Settings settings;
  std::unique_ptr<crypto::FieldCipher> cipher;  // before the store, which refers to it
  std::unique_ptr<store::Database> stores;  // database.engine's, from store/factory.h
};

// Prints every problem to stderr ("repay: <error>", each settings problem with its key) and
// returns nullopt when the settings, the key or the database cannot be used.
std::optional<CommandContext> open_for_command(const std::string& config, int connections = 4);

// A staff member's password: the first line of `file`, or of stdin when `file` is empty — never
// the command line, where `ps` shows it. Error IO when there is none.
Result<std::string> read_password_input(const std::string& file);

}  // namespace repay::app
