// Plain HTTP calls to the simulator's own test endpoints (/sim/...), which are not signed.
#pragma once

#include <string>

#include "core/result.h"

namespace repay::stack {

// GET or POST (when `post_body` is non-null); error "HTTP <status>" or "IO".
Result<std::string> http_simple(const std::string& url, const std::string* post_body = nullptr);

}  // namespace repay::stack
