#include "api/api_metrics.h"

#include <chrono>

#include "core/message_log.h"
#include "ops/metrics.h"

namespace repay::api {

std::string resp_code_of(const std::string& body) {
  const std::string open = "<RespCode>";
  size_t a = body.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = body.find("</RespCode>", a);
  if (b == std::string::npos || b - a > 8) return "";
  return body.substr(a, b - a);
}

server::Respond observed(server::Respond inner, const std::string& center, const std::string& tx_code,
                         const std::string& body) {
  log::message("center", center, "in", tx_code, body);
  auto started = std::chrono::steady_clock::now();
  return [inner = std::move(inner), center, tx_code, started](server::HttpResponse r) {
    auto& m = ops::metrics();
    m.inc("repay_api_answers_total", {{"center", center},
                                      {"tx_code", tx_code},
                                      {"resp_code", resp_code_of(r.body)},
                                      {"http_status", std::to_string(r.status)}});
    auto elapsed = std::chrono::steady_clock::now() - started;
    m.observe("repay_api_request_seconds", {{"tx_code", tx_code}},
              std::chrono::duration<double>(elapsed).count());
    log::message("center", center, "out", std::to_string(r.status), r.body);
    inner(std::move(r));
  };
}

}  // namespace repay::api
