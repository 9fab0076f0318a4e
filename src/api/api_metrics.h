// What the card-center API tells the metrics (ops/metrics.h) and the message log
// (core/message_log.h): every request in, every answer out, answers counted by code.
#pragma once

#include <string>

#include "server/http_server.h"

namespace repay::api {

// Logs the incoming body (when message logging is on) and returns a Respond that, before calling
// `inner`, counts repay_api_answers_total{center,tx_code,resp_code,http_status}, observes
// repay_api_request_seconds{tx_code} and logs the answer. `center` and `tx_code` must already be
// bounded to known values (a caller's made-up ids never become labels).
server::Respond observed(server::Respond inner, const std::string& center, const std::string& tx_code,
                         const std::string& body);

// The RespCode of an answer body ("" when it has none).
std::string resp_code_of(const std::string& body);

}  // namespace repay::api
