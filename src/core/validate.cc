// Identifier, number and amount forms of common.md ("Identifiers and field forms", "Money").
// Text forms (UTF-8, names, messages, URLs) are in validate_text.cc.
#include "core/validate.h"

#include "core/clock.h"

namespace repay {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z'); }

template <class Pred>
bool all_of_len(std::string_view s, size_t min, size_t max, Pred p) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (!p(c)) return false;
  }
  return true;
}

bool digits(std::string_view s, size_t min, size_t max) { return all_of_len(s, min, max, is_digit); }

}  // namespace

bool is_party_id(std::string_view s) {
  return all_of_len(s, 2, 16, [](char c) { return is_digit(c) || is_upper(c); });
}

bool is_identifier(std::string_view s) {
  return all_of_len(s, 1, 32, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_card_form(std::string_view s) { return digits(s, 12, 19); }

bool luhn_ok(std::string_view s) {
  if (s.empty()) return false;
  int sum = 0;
  bool dbl = false;  // every second digit from the right is doubled
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (!is_digit(*it)) return false;
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool is_id_type(std::string_view s) {
  return s == "01" || s == "02" || s == "03" || s == "04" || s == "99";
}

bool is_id_no_form(std::string_view s) { return all_of_len(s, 1, 32, is_alnum); }

bool id_value_ok(std::string_view id_type, std::string_view id_no) {
  if (id_type != "01") return true;  // common.md: other types have no value check
  // GB 11643-1999: 17 digits then the check character (a digit or upper-case X only).
  if (id_no.size() != 18 || !digits(id_no.substr(0, 17), 17, 17)) return false;
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (id_no[i] - '0') * kWeights[i];
  if (id_no[17] != kCheck[sum % 11]) return false;
  // Positions 7-14 (1-based) hold the birth date, which must be a real calendar day.
  return parse_date(id_no.substr(6, 8)).has_value();
}

bool is_mobile(std::string_view s) { return s.size() == 11 && s[0] == '1' && digits(s, 11, 11); }

bool is_sms_code(std::string_view s) { return digits(s, 4, 8); }

bool is_nonce(std::string_view s) { return all_of_len(s, 16, 64, is_alnum); }

std::optional<int64_t> parse_amount(std::string_view s) {
  // common.md, Money: 0|[1-9][0-9]{0,10}; at most 11 digits, so no overflow is possible.
  if (!digits(s, 1, 11)) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<int64_t> parse_total(std::string_view s) {
  if (!digits(s, 1, 18)) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<int64_t> parse_signed_amount(std::string_view s) {
  if (!s.empty() && s[0] == '-') {
    auto v = parse_amount(s.substr(1));
    if (!v || *v == 0) return std::nullopt;  // "-0" is not a form the contracts write
    return -*v;
  }
  return parse_amount(s);
}

}  // namespace repay
