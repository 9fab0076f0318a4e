#include "channel/channel_statement.h"

#include <algorithm>

#include "channel/channel_curl.h"
#include "channel/channel_message.h"

namespace repay::channel {
namespace {

constexpr size_t kMaxStatementBytes = size_t{256} << 20;
// A statement may be large: it gets at least this long, whatever request_timeout says.
constexpr std::chrono::milliseconds kMinStatementTimeout{60000};

}  // namespace

Result<std::string> fetch_statement_on(CURL* easy, const ChannelEndpoint& endpoint, Date date,
                                       const Clock& clock) {
  if (endpoint.secrets.empty()) return make_error("IO", "no secret configured for the channel");
  CurlExchange x(kMaxStatementBytes);
  x.request = build_statement_request(endpoint, date, clock);
  if (!prepare_easy(easy, endpoint, x, std::max(endpoint.request_timeout, kMinStatementTimeout))) {
    return make_error("IO", std::string("statement request: ") + x.error_buffer);
  }
  CURLcode rc = curl_easy_perform(easy);
  std::string why = finish_exchange(easy, rc, x);
  if (!why.empty()) return make_error("IO", "statement: " + why);
  if (x.answer.status == 404) return make_error("NOT_READY", "statement not ready (HTTP 404)");
  if (x.answer.status != 200) {
    return make_error("IO", "statement: HTTP " + std::to_string(x.answer.status));
  }
  if (auto bad = check_answer_signature(endpoint, x.answer.headers, x.answer.body, clock);
      !bad.empty()) {
    return make_error("IO", "statement: " + bad);
  }
  return std::move(x.answer.body);
}

}  // namespace repay::channel
