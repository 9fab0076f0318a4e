#include "settlement/fee_statement.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace repay::settlement {
namespace {

Error range(std::string message, std::string field, std::string value) {
  return make_error("RANGE", std::move(message), std::move(field), std::move(value));
}

std::string year_month(int year, int month) {
  char ym[16];
  std::snprintf(ym, sizeof ym, "%04d%02d", year, month);
  return ym;
}

}  // namespace

std::string fee_statement_name(const std::string& center, int year, int month) {
  return "FEE_" + center + "_" + year_month(year, month) + ".txt";
}

Result<FeeStatement> build_fee_statement(const std::string& center, int year, int month,
                                         std::vector<FeeRow> rows) {
  FeeStatement s;
  s.center_id = center;
  s.year = year;
  s.month = month;
  std::map<std::pair<Date, std::string>, FeeRow> by_key;
  for (auto& r : rows) {
    if (r.day.year() != year || r.day.month() != month) {
      return range("a day outside the month", "date", format_date(r.day));
    }
    if (r.kind != "COLLECT" && r.kind != "QUICK") return range("unknown channel kind", "channelKind", r.kind);
    if (r.count < 0 || r.amount < 0 || r.fee < 0 || r.returned_fee < 0) {
      return range("a negative figure", "date", format_date(r.day));
    }
    auto [it, fresh] = by_key.try_emplace({r.day, r.kind}, r);
    if (fresh) continue;
    FeeRow& t = it->second;
    auto a = checked_add(t.amount, r.amount);
    auto f = checked_add(t.fee, r.fee);
    auto rf = checked_add(t.returned_fee, r.returned_fee);
    if (!a || !f || !rf) return range("a sum overflows", "date", format_date(r.day));
    t.count += r.count;
    t.amount = *a;
    t.fee = *f;
    t.returned_fee = *rf;
  }
  Fen fees = 0, returned = 0;
  for (auto& [key, r] : by_key) {
    // files.md: a line per day and kind that had successful repayments or returned fees.
    if (r.count == 0 && r.returned_fee == 0) continue;
    auto f = checked_add(fees, r.fee);
    auto rf = checked_add(returned, r.returned_fee);
    if (!f || !rf) return range("a sum overflows", "feeAmount", "");
    fees = *f;
    returned = *rf;
    s.count += r.count;
    s.lines.push_back(r);
  }
  auto net = checked_sub(fees, returned);
  if (!net) return range("feeAmount overflows", "feeAmount", "");
  s.fee_amount = *net;
  return s;
}

std::string format_fee_header(const FeeStatement& s) {
  return "H|" + s.center_id + "|" + year_month(s.year, s.month) + "|" + std::to_string(s.count) + "|" +
         format_amount(s.fee_amount);
}

std::string format_fee_line(const FeeRow& r) {
  return "D|" + format_date(r.day) + "|" + r.kind + "|" + std::to_string(r.count) + "|" +
         format_amount(r.amount) + "|" + format_amount(r.fee) + "|" + format_amount(r.returned_fee);
}

Result<files::LineWriter::Done> write_fee_statement(CenterFilesStore& store, const std::string& center,
                                                    int year, int month, files::Encoding enc,
                                                    const std::string& path) {
  auto rows = store.fee_rows(center, year, month);
  if (!rows) return rows.error();
  auto s = build_fee_statement(center, year, month, std::move(*rows));
  if (!s) return s.error();
  auto w = files::LineWriter::create(path, enc);
  if (!w) return w.error();
  REPAY_TRY((*w)->write_line(format_fee_header(*s)));
  for (const auto& r : s->lines) REPAY_TRY((*w)->write_line(format_fee_line(r)));
  return (*w)->finish();
}

}  // namespace repay::settlement
