// Errors as values. An Error says what is wrong (a code from spec/codes.md), where (file, line,
// field) and with which value (masked when sensitive); a Result<T> holds a T or an Error.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace repay {

// The fields in the order make_error() takes them. A file an error is about (a path, with its
// line when there is one) is `where`, never `value`.
struct Error {
  std::string code;     // spec/codes.md code ("2007", "F1", ...) or an internal one ("CONFIG", "IO")
  std::string message;  // for people; never holds a full card, ID or mobile number
  std::string field;    // field or settings key, "" when not applicable
  std::string value;    // offending value, already masked when sensitive
  std::string where;    // "file REPAY_X.txt line 3", "settings line 12", a path; "" when not applicable

  std::string to_string() const;  // "<code> <where> field <field> value '<value>': <message>"
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

inline Error make_error(std::string code, std::string message, std::string field = {},
                        std::string value = {}, std::string where = {}) {
  return Error{std::move(code), std::move(message), std::move(field), std::move(value),
               std::move(where)};
}

}  // namespace repay

// Returns the error of a failed Status/Result from the enclosing function.
#define REPAY_TRY(expr)           \
  do {                            \
    auto _st = (expr);            \
    if (!_st) return _st.error(); \
  } while (0)
