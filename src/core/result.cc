#include "core/result.h"

namespace repay {

std::string Error::to_string() const {
  std::string s = code;
  if (!where.empty()) s += " " + where;
  if (!field.empty()) s += " field " + field;
  if (!value.empty()) s += " value '" + value + "'";
  s += ": " + message;
  return s;
}

}  // namespace repay
