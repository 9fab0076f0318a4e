// Reads the fields of an API message against their forms (common.md table). The first field that
// is missing or badly formed decides the answer: 2007 with the field's name (center-api.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace repay {

using FormCheck = bool (*)(std::string_view);

class FieldReader {
 public:
  explicit FieldReader(const std::map<std::string, std::string>& fields) : fields_(fields) {}

  // The field's value; records a 2007 error when absent (or empty) or not of the form.
  std::string required(const std::string& name, FormCheck form);
  // nullopt when absent; records a 2007 error when present but not of the form.
  std::optional<std::string> optional(const std::string& name, FormCheck form);

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  void fail(const std::string& name, const std::string& why);
  const std::map<std::string, std::string>& fields_;
  std::optional<Error> error_;
};

}  // namespace repay
