#include "simulator/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/validate.h"

namespace repay::sim {

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error("CONFIG", "expected address:port", "listen", listen);
  }
  std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos ||
      std::stoi(port) > 65535) {
    return make_error("CONFIG", "bad port", "listen", listen);
  }
  return std::pair{listen.substr(0, colon), static_cast<uint16_t>(std::stoi(port))};
}

Result<ChannelConfig> parse_channel(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string p; std::getline(ss, p, ',');) parts.push_back(p);
  auto bad = [&](const char* why) { return make_error("CONFIG", why, "channel", spec); };
  if (parts.size() != 4) return bad("expected ID,KIND,MERCHANTID,SECRET_FILE");
  ChannelConfig c;
  c.spec.id = parts[0];
  if (!is_party_id(c.spec.id)) return bad("channelId must be [A-Z0-9]{2,16}");
  if (parts[1] == "COLLECT") c.spec.kind = ChannelKind::kCollect;
  else if (parts[1] == "QUICK") c.spec.kind = ChannelKind::kQuick;
  else return bad("KIND must be COLLECT or QUICK");
  c.spec.merchant_id = parts[2];
  if (!is_identifier(c.spec.merchant_id)) return bad("MerchantId must be [0-9A-Za-z_-]{1,32}");
  auto secrets = load_secrets(parts[3]);
  if (!secrets.ok()) return secrets.error();
  c.secrets = std::move(*secrets);
  return c;
}

Result<std::vector<std::string>> load_secrets(const std::string& ref) {
  std::vector<std::string> secrets;
  if (ref.rfind("env:", 0) == 0) {
    const char* v = std::getenv(ref.substr(4).c_str());
    if (!v || !*v) return make_error("CONFIG", "secret variable unset or empty", "secret", ref);
    secrets.emplace_back(v);
    return secrets;
  }
  std::ifstream in(ref);
  if (!in) return make_error("CONFIG", "cannot read the secret file", "secret", ref);
  std::string line;
  while (secrets.size() < 2 && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) secrets.push_back(line);
  }
  if (secrets.empty()) return make_error("CONFIG", "the secret file is empty", "secret", ref);
  return secrets;
}

}  // namespace repay::sim
