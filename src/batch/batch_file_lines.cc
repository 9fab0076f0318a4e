// Header and detail lines of a batch file against the forms of common.md.
#include "batch/batch_file_lines.h"

#include <algorithm>

#include "core/clock.h"
#include "core/mask.h"
#include "core/validate.h"

namespace repay::batch::lines {
namespace {

constexpr size_t kHeaderFields = 6;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits on '|' into `out`; returns the number of fields, counting on past N without storing.
template <size_t N>
size_t split(std::string_view line, std::array<std::string_view, N>& out) {
  // A plain loop: fields are short, so a memchr call per field costs more than it saves.
  size_t count = 0;
  size_t start = 0;
  const char* p = line.data();
  for (size_t i = 0; i < line.size(); ++i) {
    if (p[i] != '|') continue;
    if (count < N) out[count] = line.substr(start, i - start);
    ++count;
    start = i + 1;
  }
  if (count < N) out[count] = line.substr(start);
  return count + 1;
}

// 0|[1-9][0-9]{0,max_digits-1}; max_digits <= 18 so the value fits int64.
std::optional<int64_t> parse_decimal(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// common.md: leading or trailing spaces are a format error, never trimmed.
bool padded(std::string_view s) { return !s.empty() && (s.front() == ' ' || s.back() == ' '); }

// seq: [1-9][0-9]{0,8}
std::optional<int64_t> parse_seq(std::string_view s) {
  if (s.empty() || s[0] == '0') return std::nullopt;
  return parse_decimal(s, 9);
}

Problem problem(std::string field, std::string_view value, Kind kind, std::string message) {
  return Problem{std::move(field), shown(value, kind), std::move(message)};
}

Problem field_count(const char* field, size_t n, size_t want) {
  return Problem{field, std::to_string(n),
                 "has " + std::to_string(n) + " fields, expected " + std::to_string(want)};
}

}  // namespace

std::string shown(std::string_view value, Kind kind) {
  if (kind == Kind::kCard) return mask_card(value);
  if (kind == Kind::kId) return mask_id(value);
  // A long run of digits may be a card number in the wrong place: never shown in full.
  size_t run = 0;
  for (char c : value) {
    run = is_digit(c) ? run + 1 : 0;
    if (run >= 12) return mask_card(value);
  }
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < value.size() && chars < 32; ++chars) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    len = std::min(len, value.size() - i);
    if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else {
      out.append(value.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::optional<Problem> parse_header(std::string_view line, BatchHeader* h) {
  std::array<std::string_view, kHeaderFields> f;
  size_t n = split(line, f);
  if (f[0] != "H")
    return problem("header.recordType", f[0], Kind::kPlain, "the first line must be the header H");
  if (n != kHeaderFields) return field_count("header", n, kHeaderFields);
  std::optional<Problem> first;
  auto fail = [&](const char* field, std::string_view v, const char* msg) {
    if (!first) first = problem(field, v, Kind::kPlain, msg);
  };
  if (is_party_id(f[1])) {
    h->center_id = f[1];
  } else {
    fail("header.centerId", f[1], "not of the form [A-Z0-9]{2,16}");
  }
  if (is_identifier(f[2])) {
    h->batch_no = f[2];
  } else {
    fail("header.batchNo", f[2], "not of the form [0-9A-Za-z_-]{1,32}");
  }
  if (parse_date(f[3])) {
    h->batch_date = f[3];
  } else {
    fail("header.batchDate", f[3], "not a date yyyyMMdd");
  }
  if (auto c = parse_decimal(f[4], 18)) {
    h->total_count = *c;
  } else {
    fail("header.totalCount", f[4], "not a count");
  }
  // The total of many items may exceed the per-item maximum: up to 18 digits (fits int64).
  if (auto a = parse_decimal(f[5], 18)) {
    h->total_amount = *a;
  } else {
    fail("header.totalAmount", f[5], "not an amount in fen");
  }
  return first;
}

std::optional<Problem> parse_detail(std::string_view line, int64_t expected_seq, Detail* d) {
  auto& f = d->f;
  size_t n = split(line, f);
  if (n != kDetailFields) return field_count("fields", n, kDetailFields);
  if (f[0] != "D")
    return problem("recordType", f[0], Kind::kPlain, "a detail line must start with D");
  auto seq = parse_seq(f[1]);
  if (!seq) return problem("seq", f[1], Kind::kPlain, "not of the form [1-9][0-9]{0,8}");
  if (*seq != expected_seq) {
    return problem("seq", f[1], Kind::kPlain, "seq gap: expected " + std::to_string(expected_seq));
  }
  d->seq = *seq;
  if (!is_identifier(f[2]))
    return problem("itemId", f[2], Kind::kPlain, "not of the form [0-9A-Za-z_-]{1,32}");
  if (!is_card_form(f[3]))
    return problem("creditCardNo", f[3], Kind::kCard, "not of the form [0-9]{12,19}");
  if (!is_name(f[4]) || padded(f[4]))
    return problem("name", f[4], Kind::kPlain,
                   "not 1-64 characters without control characters and outer spaces");
  if (!is_id_type(f[5])) return problem("idType", f[5], Kind::kPlain, "not one of 01 02 03 04 99");
  if (!is_id_no_form(f[6]))
    return problem("idNo", f[6], Kind::kId, "not of the form [0-9A-Za-z]{1,32}");
  if (!is_card_form(f[7]))
    return problem("debitCardNo", f[7], Kind::kCard, "not of the form [0-9]{12,19}");
  if (!is_identifier(f[8]))
    return problem("agreementNo", f[8], Kind::kPlain, "not of the form [0-9A-Za-z_-]{1,32}");
  auto amount = parse_amount(f[9]);
  if (!amount) return problem("amount", f[9], Kind::kPlain, "not of the form 0|[1-9][0-9]{0,10}");
  d->amount = *amount;
  if (!is_text64(f[10]) || padded(f[10])) {
    return problem("memo", f[10], Kind::kPlain,
                   "over 64 characters, a control character or an outer space");
  }
  return std::nullopt;
}

void fill_line(const Detail& d, int64_t line_no, BatchLine* out) {
  out->line_no = line_no;
  out->seq = d.seq;
  out->item_id.assign(d.f[2]);
  out->credit_card.assign(d.f[3]);
  out->name.assign(d.f[4]);
  out->id_type.assign(d.f[5]);
  out->id_no.assign(d.f[6]);
  out->debit_card.assign(d.f[7]);
  out->agreement_no.assign(d.f[8]);
  out->amount = d.amount;
  out->memo.assign(d.f[10]);
}

}  // namespace repay::batch::lines
