// The posting file of mode 2 (files.md, "Posting file, mode 2"): name, strict checker, reader, and
// the matching rules. Streaming: memory stays bounded by the longest line whatever the file's size.
#include "settlement/posting.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/validate.h"

namespace repay::settlement {
namespace {

constexpr size_t kFields = 5;  // H|centerId|date|count|amount and D|txnNo|ref|amount|postTime

struct Problem {
  std::string field;
  std::string value;
  std::string message;
};

// A value fit for an error message: at most 32 code points, control characters shown as '?'.
// (A posting file holds no card, ID or mobile numbers.)
std::string shown(std::string_view v) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < v.size() && chars < 32; ++chars) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    len = std::min(len, v.size() - i);
    if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else {
      out.append(v.substr(i, len));
    }
    i += len;
  }
  return out;
}

size_t split(std::string_view line, std::array<std::string_view, kFields>& out) {
  size_t count = 0, start = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '|') continue;
    if (count < kFields) out[count] = line.substr(start, i - start);
    ++count;
    start = i + 1;
  }
  if (count < kFields) out[count] = line.substr(start);
  return count + 1;
}

Problem problem(std::string field, std::string_view value, std::string message) {
  return Problem{std::move(field), shown(value), std::move(message)};
}

std::optional<Problem> field_count(const char* what, size_t n) {
  return Problem{what, std::to_string(n),
                 "has " + std::to_string(n) + " fields, expected " + std::to_string(kFields)};
}

std::optional<Problem> parse_header(std::string_view line, PostingHeader* h) {
  std::array<std::string_view, kFields> f;
  size_t n = split(line, f);
  if (f[0] != "H") return problem("header.recordType", f[0], "the first line must be the header H");
  if (n != kFields) return field_count("header", n);
  if (!is_party_id(f[1])) return problem("header.centerId", f[1], "not of the form [A-Z0-9]{2,16}");
  h->center_id = f[1];
  auto d = parse_date(f[2]);
  if (!d) return problem("header.date", f[2], "not a date yyyyMMdd");
  h->date = *d;
  auto c = parse_total(f[3]);
  if (!c) return problem("header.count", f[3], "not a count");
  h->count = *c;
  auto a = parse_total(f[4]);
  if (!a) return problem("header.amount", f[4], "not an amount in fen");
  h->amount = *a;
  return std::nullopt;
}

std::optional<Problem> parse_detail(std::string_view line, PostingLine* d) {
  std::array<std::string_view, kFields> f;
  size_t n = split(line, f);
  if (n != kFields) return field_count("fields", n);
  if (f[0] != "D") return problem("recordType", f[0], "a detail line must start with D");
  if (!is_identifier(f[1])) return problem("txnNo", f[1], "not of the form [0-9A-Za-z_-]{1,32}");
  if (!is_identifier(f[2])) return problem("ref", f[2], "not of the form [0-9A-Za-z_-]{1,32}");
  auto a = parse_amount(f[3]);
  if (!a) return problem("amount", f[3], "not an amount in fen (0|[1-9][0-9]{0,10})");
  if (!parse_cst_timestamp(f[4])) return problem("postTime", f[4], "not a timestamp yyyyMMddHHmmss");
  d->txn_no = f[1];
  d->ref = f[2];
  d->amount = *a;
  d->post_time = f[4];
  return std::nullopt;
}

std::string where_line(const std::string& file, int64_t n) {
  return file + " line " + std::to_string(n);
}

class Checker {
 public:
  Checker(const std::string& file, const std::string& center) : file_(file), center_(center) {}

  PostingCheck run(const std::string& path, files::Encoding enc) {
    auto opened = files::LineReader::open(path, enc);
    if (!opened) {
      Error e = opened.error();
      e.where = file_;
      r_.errors = {std::move(e)};
      return std::move(r_);
    }
    files::LineReader& reader = **opened;
    name_ = parse_posting_name(file_);
    if (!name_) {
      add(make_error("F1", "the file name is not POST_<centerId>_<date>.txt", "fileName",
                     shown(file_), file_));
    }
    std::string line;
    int64_t lines = 0;
    for (;;) {
      auto got = reader.next(&line);
      lines = std::max(lines, reader.line_no());
      if (!got) {
        Error e = got.error();
        e.where = where_line(file_, reader.line_no());
        if (e.code == "F1") {
          add(std::move(e));
          continue;
        }
        if (e.code == "IO") {
          r_.errors = {std::move(e)};
          return std::move(r_);
        }
        // common.md: a file not valid in its encoding is rejected as a whole; reading stops.
        encoding_error_ = true;
        add(std::move(e));
        break;
      }
      if (!*got) break;
      if (reader.line_no() == 1) {
        header(line);
      } else {
        detail(line, reader.line_no());
      }
    }
    r_.detail_count = std::max<int64_t>(lines - 1, 0);
    if (lines == 0 && !encoding_error_) {
      add(make_error("F1", "no header line", "header", "", where_line(file_, 1)));
    }
    if (r_.errors.empty()) totals();
    // The encoding decides first: an F4 file is rejected as a whole, whatever else is wrong.
    std::stable_partition(r_.errors.begin(), r_.errors.end(),
                          [](const Error& e) { return e.code == "F4"; });
    return std::move(r_);
  }

 private:
  void add(Error e) {
    if (r_.errors.size() < kMaxPostingErrors) r_.errors.push_back(std::move(e));
  }

  void note(Problem p, int64_t line_no) {
    add(make_error("F1", std::move(p.message), std::move(p.field), std::move(p.value),
                   where_line(file_, line_no)));
  }

  void header(std::string_view line) {
    PostingHeader& h = r_.header;
    if (auto p = parse_header(line, &h)) return note(std::move(*p), 1);
    r_.header_readable = true;
    auto mismatch = [&](const char* field, const std::string& value, std::string msg) {
      add(make_error("F1", std::move(msg), field, shown(value), where_line(file_, 1)));
    };
    // files.md: the name matches the header, and the centerId is this account's.
    if (name_ && name_->center_id != h.center_id) {
      mismatch("header.centerId", h.center_id, "differs from the file name's " + name_->center_id);
    } else if (name_ && name_->date != h.date) {
      mismatch("header.date", format_date(h.date),
               "differs from the file name's " + format_date(name_->date));
    } else if (h.center_id != center_) {
      mismatch("header.centerId", h.center_id, "not this account's card center " + center_);
    }
  }

  void detail(std::string_view line, int64_t line_no) {
    if (auto p = parse_detail(line, &d_)) return note(std::move(*p), line_no);
    if (overflow_) return;
    if (auto s = checked_add(r_.detail_amount, d_.amount)) {
      r_.detail_amount = *s;
    } else {
      overflow_ = true;  // a sum that overflows cannot match the header
    }
  }

  void totals() {
    const PostingHeader& h = r_.header;
    const std::string where = where_line(file_, 1);
    if (h.count != r_.detail_count) {
      add(make_error("F2",
                     "the header says " + std::to_string(h.count) + " lines, the file has " +
                         std::to_string(r_.detail_count),
                     "header.count", std::to_string(h.count), where));
    } else if (overflow_ || h.amount != r_.detail_amount) {
      add(make_error("F2",
                     "the header says " + format_amount(h.amount) + " fen, the lines add up to " +
                         (overflow_ ? std::string("more than int64 holds")
                                    : format_amount(r_.detail_amount)),
                     "header.amount", format_amount(h.amount), where));
    }
  }

  const std::string& file_;
  const std::string& center_;
  std::optional<PostingName> name_;
  PostingCheck r_;
  PostingLine d_;
  bool overflow_ = false;
  bool encoding_error_ = false;
};

}  // namespace

std::optional<PostingName> parse_posting_name(const std::string& file_name) {
  std::string_view s = file_name;
  constexpr std::string_view kPrefix = "POST_";
  constexpr std::string_view kSuffix = ".txt";
  if (!s.starts_with(kPrefix) || !s.ends_with(kSuffix)) return std::nullopt;
  s = s.substr(kPrefix.size(), s.size() - kPrefix.size() - kSuffix.size());
  size_t a = s.find('_');
  if (a == std::string_view::npos) return std::nullopt;
  std::string_view center = s.substr(0, a);
  auto date = parse_date(s.substr(a + 1));
  if (!is_party_id(center) || !date) return std::nullopt;
  return PostingName{std::string(center), *date};
}

std::string posting_file_name(const std::string& center, Date date) {
  return "POST_" + center + "_" + format_date(date) + ".txt";
}

PostingCheck check_posting_file(const std::string& path, const std::string& file_name,
                                const std::string& expected_center, files::Encoding enc) {
  return Checker(file_name, expected_center).run(path, enc);
}

Status read_posting_lines(const std::string& path, files::Encoding enc,
                          const std::function<Status(const PostingLine&)>& on_line) {
  auto opened = files::LineReader::open(path, enc);
  if (!opened) return opened.error();
  files::LineReader& reader = **opened;
  std::string line;
  PostingLine d;
  for (;;) {
    auto got = reader.next(&line);
    if (!got) return got.error();
    if (!*got) return ok_status();
    const int64_t n = reader.line_no();
    if (n == 1) continue;  // the header, checked in pass 1
    // The file passed pass 1; the forms are read again because the values are taken from them.
    if (auto p = parse_detail(line, &d)) {
      return make_error("F1", std::move(p->message), std::move(p->field), std::move(p->value),
                        "line " + std::to_string(n));
    }
    d.line_no = n;
    REPAY_TRY(on_line(d));
  }
}

PostingClass classify_posting_line(const PostingLine& line, const std::optional<OurSuccess>& ours,
                                   bool taken) {
  // files.md: a line whose txnNo is not a success of ours is an exception; each txnNo counts once
  // (a repeated txnNo line is an exception); an amount that differs from ours is an exception.
  if (!ours) return PostingClass::kNotOurs;
  if (taken) return PostingClass::kDuplicate;
  if (ours->one_sided_proposed) return PostingClass::kAfterOneSided;
  if (line.amount != ours->amount) return PostingClass::kAmountDiffers;
  return PostingClass::kMatched;
}

const char* posting_class_name(PostingClass c) {
  switch (c) {
    case PostingClass::kMatched: return "MATCHED";
    case PostingClass::kAmountDiffers: return "AMOUNT_DIFFERS";
    case PostingClass::kDuplicate: return "DUPLICATE";
    case PostingClass::kNotOurs: return "NOT_OURS";
    case PostingClass::kAfterOneSided: return "AFTER_ONE_SIDED";
  }
  return "?";
}

bool one_sided_due(Date day_t, int grace_days, const std::function<bool(Date)>& have_file) {
  for (int i = 0; i <= grace_days; ++i) {
    if (!have_file(day_t + boost::gregorian::days(i))) return false;
  }
  return true;
}

std::vector<Date> days_completed_by(Date file_day, int grace_days) {
  std::vector<Date> out;
  for (int i = grace_days; i >= 0; --i) out.push_back(file_day - boost::gregorian::days(i));
  return out;
}

}  // namespace repay::settlement
