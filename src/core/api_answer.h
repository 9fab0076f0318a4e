// What a use-case answers to a card-center call (center-api.md): a RespCode, its message and the
// answer fields. The API adapter turns it into HTTP and a signed <Response>.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/codes.h"

namespace repay {

struct ApiAnswer {
  std::string resp_code = codes::kSuccess;
  std::string resp_msg;  // empty: the code's default message
  std::vector<std::pair<std::string, std::string>> fields;  // after RespCode/RespMsg, in order

  // The request was not executed (center-api.md: "answers that did nothing"): nothing stored,
  // the ReqNo not used.
  bool not_executed() const;

  static ApiAnswer of(std::string code, std::string msg = {}) {
    ApiAnswer a;
    a.resp_code = std::move(code);
    a.resp_msg = std::move(msg);
    return a;
  }
  ApiAnswer& with(std::string name, std::string value) {
    fields.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace repay
