#include "core/fields.h"

#include "core/codes.h"

namespace repay {

void FieldReader::fail(const std::string& name, const std::string& why) {
  // Only the first problem is reported: center-api.md asks for the field's name in RespMsg.
  // The value is never echoed: it may be a card or ID number.
  if (!error_) error_ = make_error(codes::kInvalidField, why + " " + name, name);
}

std::string FieldReader::required(const std::string& name, FormCheck form) {
  auto it = fields_.find(name);
  if (it == fields_.end() || it->second.empty()) {
    fail(name, "missing field");
    return {};
  }
  if (!form(it->second)) {
    fail(name, "badly formed field");
    return {};
  }
  return it->second;
}

std::optional<std::string> FieldReader::optional(const std::string& name, FormCheck form) {
  auto it = fields_.find(name);
  if (it == fields_.end() || it->second.empty()) return std::nullopt;
  if (!form(it->second)) {
    fail(name, "badly formed field");
    return std::nullopt;
  }
  return it->second;
}

}  // namespace repay
