// files.md "Statement": one header, then D lines; counts and sums checked, every field checked.
#include "settlement/statement.h"

#include <algorithm>
#include <cstring>

#include "core/validate.h"

namespace repay::settlement {
namespace {

constexpr size_t kChunk = 1 << 20;

class Errors {
 public:
  Errors(const std::string& file, size_t max) : file_(file), max_(max) {}
  void add(const std::string& code, int64_t line, const std::string& field,
           std::string_view value, const std::string& why) {
    if (list_.size() > max_) return;
    if (list_.size() == max_) {
      list_.push_back(make_error(code, "more errors not listed", "", "", where(line)));
      return;
    }
    list_.push_back(make_error(code, why, field, std::string(value), where(line)));
  }
  void add(Error e) {
    if (list_.size() >= max_) return;
    if (e.where.rfind("file ", 0) != 0) e.where = "file " + file_ + (e.where.empty() ? "" : " " + e.where);
    list_.push_back(std::move(e));
  }
  std::vector<Error> take() { return std::move(list_); }
  bool empty() const { return list_.empty(); }

 private:
  std::string where(int64_t line) const { return "file " + file_ + " line " + std::to_string(line); }
  std::string file_;
  size_t max_;
  std::vector<Error> list_;
};

}  // namespace

const char* txn_type_name(TxnType t) { return t == TxnType::kDebit ? "DEBIT" : "REFUND"; }

std::string_view TextArena::keep(std::string_view s) {
  if (s.size() > cap_ - used_) {
    size_t n = s.size() > kChunk ? s.size() : kChunk;
    chunks_.push_back(std::make_unique<char[]>(n));
    used_ = 0;
    cap_ = n;
  }
  char* p = chunks_.back().get() + used_;
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  used_ += s.size();
  return std::string_view(p, s.size());
}

std::string statement_file_name(const std::string& channel_id, Date date) {
  return "STMT_" + channel_id + "_" + format_date(date) + ".txt";
}

std::vector<Error> read_statement(files::LineReader& in, const std::string& file_name,
                                  const std::string& channel_id, Date date, Statement* out,
                                  size_t max_errors) {
  Errors errors(file_name, max_errors);
  Statement st;
  std::string line;
  bool header_seen = false;
  bool header_ok = false;
  int64_t header_count = 0;
  Fen header_debit = 0, header_refund = 0;
  int64_t count = 0;
  Fen debit_sum = 0, refund_sum = 0;
  bool overflow = false;
  for (;;) {
    auto more = in.next(&line);
    if (!more) {
      errors.add(more.error());
      if (more.error().code == "F1") continue;  // the reader goes on after a format error
      return errors.take();                     // F4, IO: stop
    }
    if (!*more) break;
    const int64_t n = in.line_no();
    const auto f = files::split_fields(line);
    if (!header_seen) {
      header_seen = true;
      // H|<channelId>|<date>|<count>|<debitAmount>|<refundAmount>
      if (f[0] != "H" || f.size() != 6) {
        errors.add("F1", n, "header", line.substr(0, 64),
                   f[0] != "H" ? "the first line must be the header H|..."
                               : "the header has " + std::to_string(f.size()) + " fields, 6 expected");
        continue;
      }
      header_ok = true;
      if (!is_party_id(f[1])) {
        errors.add("F1", n, "channelId", f[1], "not of the form [A-Z0-9]{2,16}");
        header_ok = false;
      } else if (f[1] != channel_id) {
        errors.add("F1", n, "channelId", f[1], "statement of another channel (expected " + channel_id + ")");
        header_ok = false;
      }
      auto d = parse_date(f[2]);
      if (!d) {
        errors.add("F1", n, "date", f[2], "not a date yyyyMMdd");
        header_ok = false;
      } else if (*d != date) {
        errors.add("F1", n, "date", f[2], "statement of another day (expected " + format_date(date) + ")");
        header_ok = false;
      }
      // Counts and sums of the day (common.md: sums are checked 64-bit integers), not amounts
      // of one transaction: a day above 99,999,999,999 fen is read whole.
      auto c = parse_total(f[3]);
      if (!c) {
        errors.add("F1", n, "count", f[3], "not a count");
        header_ok = false;
      }
      auto da = parse_total(f[4]);
      if (!da) {
        errors.add("F1", n, "debitAmount", f[4], "not a sum 0|[1-9][0-9]{0,17}");
        header_ok = false;
      }
      auto ra = parse_total(f[5]);
      if (!ra) {
        errors.add("F1", n, "refundAmount", f[5], "not a sum 0|[1-9][0-9]{0,17}");
        header_ok = false;
      }
      if (header_ok) {
        header_count = *c;
        header_debit = *da;
        header_refund = *ra;
        st.channel_id = std::string(f[1]);
        st.date = *d;
        st.lines.reserve(static_cast<size_t>(std::min<int64_t>(header_count, 50'000'000)));
      }
      continue;
    }
    // D|<channelTxnNo>|<reqSn>|<type>|<amount>|<txnTime>
    ++count;
    if (f[0] != "D" || f.size() != 6) {
      errors.add("F1", n, f[0] == "H" ? "header" : "line", line.substr(0, 64),
                 f[0] == "H" ? "a second header line"
                 : f[0] != "D" ? "a detail line must start with D"
                               : "the line has " + std::to_string(f.size()) + " fields, 6 expected");
      continue;
    }
    bool good = true;
    if (!is_identifier(f[1])) {
      errors.add("F1", n, "channelTxnNo", f[1], "not of the form [0-9A-Za-z_-]{1,32}");
      good = false;
    }
    if (!is_identifier(f[2])) {
      errors.add("F1", n, "reqSn", f[2], "not of the form [0-9A-Za-z_-]{1,32}");
      good = false;
    }
    TxnType type = TxnType::kDebit;
    if (f[3] == "DEBIT") {
      type = TxnType::kDebit;
    } else if (f[3] == "REFUND") {
      type = TxnType::kRefund;
    } else {
      errors.add("F1", n, "type", f[3], "neither DEBIT nor REFUND");
      good = false;
    }
    auto amount = parse_amount(f[4]);
    if (!amount || *amount == 0) {
      // common.md: 0 is never a valid repayment or refund amount.
      errors.add("F1", n, "amount", f[4], amount ? "amount 0" : "not an amount 0|[1-9][0-9]{0,10}");
      good = false;
    }
    if (!parse_cst_timestamp(f[5])) {
      errors.add("F1", n, "txnTime", f[5], "not a timestamp yyyyMMddHHmmss");
      good = false;
    }
    if (!good) continue;
    Fen& sum = type == TxnType::kDebit ? debit_sum : refund_sum;
    auto s = checked_add(sum, *amount);
    if (!s) overflow = true;
    else sum = *s;
    StatementLine l;
    l.channel_txn_no = st.keep(f[1]);
    l.req_sn = st.keep(f[2]);
    l.amount = *amount;
    l.line_no = static_cast<uint32_t>(n);
    l.type = type;
    st.lines.push_back(l);
  }
  if (!header_seen) {
    errors.add("F1", 1, "header", "", "empty statement: a header line is required");
  }
  if (header_ok && errors.empty()) {
    // files.md: count is the number of D lines, the amounts their sums by type.
    if (header_count != count) {
      errors.add("F2", 1, "count", std::to_string(header_count),
                 "header count differs from the " + std::to_string(count) + " detail lines");
    }
    if (overflow) {
      errors.add("F2", 1, "debitAmount", "", "the sum of the details overflows");
    } else {
      if (header_debit != debit_sum) {
        errors.add("F2", 1, "debitAmount", format_amount(header_debit),
                   "header differs from the sum of DEBIT lines " + format_amount(debit_sum));
      }
      if (header_refund != refund_sum) {
        errors.add("F2", 1, "refundAmount", format_amount(header_refund),
                   "header differs from the sum of REFUND lines " + format_amount(refund_sum));
      }
    }
  }
  if (!errors.empty()) return errors.take();
  st.count = header_count;
  st.debit_amount = header_debit;
  st.refund_amount = header_refund;
  *out = std::move(st);
  return {};
}

}  // namespace repay::settlement
