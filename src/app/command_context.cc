#include "app/command_context.h"

#include <fstream>
#include <iostream>

namespace repay::app {

std::optional<CommandContext> open_for_command(const std::string& config, int connections) {
  CommandContext ctx;
  auto errors = load_settings(config, &ctx.settings);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << "repay: " << e.to_string() << "\n";
    return std::nullopt;
  }
  auto cipher = crypto::FieldCipher::from_key_file(ctx.settings.processor.key_file);
  if (!cipher) {
    std::cerr << "repay: " << cipher.error().to_string() << "\n";
    return std::nullopt;
  }
  ctx.cipher = std::make_unique<crypto::FieldCipher>(std::move(*cipher));
  store::StoreOptions options;
  options.engine = ctx.settings.database.engine;
  options.path = ctx.settings.processor.database;
  options.connections = connections;
  auto stores = store::open_stores(options, *ctx.cipher);
  if (!stores) {
    std::cerr << "repay: " << stores.error().to_string() << "\n";
    return std::nullopt;
  }
  ctx.stores = std::move(*stores);
  return ctx;
}

Result<std::string> read_password_input(const std::string& file) {
  std::string line;
  if (file.empty()) {
    if (!std::getline(std::cin, line)) return make_error("IO", "no password on stdin");
  } else {
    std::ifstream in(file);
    if (!in || !std::getline(in, line)) return make_error("IO", "cannot read the password file", "", "", file);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace repay::app
