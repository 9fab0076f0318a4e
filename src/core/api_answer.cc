#include "core/api_answer.h"

namespace repay {

bool ApiAnswer::not_executed() const {
  // center-api.md: 4001, 4002, 4003, 2007 and 9999 mean the request was not executed.
  return resp_code == codes::kSignatureRejected || resp_code == codes::kUnknownCenter ||
         resp_code == codes::kTooManyRequests || resp_code == codes::kInvalidField ||
         resp_code == codes::kSystemError;
}

}  // namespace repay
