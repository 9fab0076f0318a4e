#include "settlement/center_files.h"

namespace repay::settlement {
namespace {

Error range_error(const char* field, const std::string& value) {
  return make_error("RANGE", "does not fit the form of files.md", field, value);
}

bool fits_amount(Fen f) { return f >= 0 && f <= kMaxAmount; }

}  // namespace

std::string recon_file_name(const std::string& center, Date day) {
  return "RECON_" + center + "_" + format_date(day) + ".txt";
}

Result<std::string> format_recon_header(const std::string& center, Date day, const ReconTotals& t) {
  // common.md, Money: sums in 64-bit integers, checked for overflow.
  auto net = checked_sub(t.repay_amount, t.refund_amount);
  if (!net) return range_error("netAmount", format_amount(t.repay_amount));
  if (t.repay_amount < 0) return range_error("repayAmount", format_amount(t.repay_amount));
  if (t.refund_amount < 0) return range_error("refundAmount", format_amount(t.refund_amount));
  return "H|" + center + "|" + format_date(day) + "|" + std::to_string(t.repay_count) + "|" +
         format_amount(t.repay_amount) + "|" + std::to_string(t.refund_count) + "|" +
         format_amount(t.refund_amount) + "|" + format_amount(*net);
}

Result<std::string> format_recon_line(const ReconLine& l) {
  if (l.source != "B" && l.source != "R") return range_error("source", l.source);
  if (!fits_amount(l.amount) || l.amount == 0) return range_error("amount", format_amount(l.amount));
  if (!fits_amount(l.fee)) return range_error("fee", format_amount(l.fee));
  if (!fits_amount(l.debit_amount)) return range_error("debitAmount", format_amount(l.debit_amount));
  std::string s;
  s.reserve(128);
  s += "D|";
  s += l.txn_no;
  s += l.refund ? "|REFUND|" : "|REPAY|";
  s += l.source;
  s += '|';
  s += l.source == "R" ? std::string() : l.batch_no;  // files.md: batchNo is empty for R
  s += '|';
  s += l.ref;
  s += '|';
  s += format_amount(l.amount);
  s += '|';
  s += format_amount(l.fee);
  s += '|';
  s += format_amount(l.debit_amount);
  s += '|';
  s += format_cst_timestamp(l.finished_at);
  return s;
}

bool add_to_totals(const ReconLine& l, ReconTotals* t) {
  int64_t& count = l.refund ? t->refund_count : t->repay_count;
  Fen& sum = l.refund ? t->refund_amount : t->repay_amount;
  auto s = checked_add(sum, l.amount);
  if (!s) return false;
  sum = *s;
  ++count;
  return true;
}

Result<ReconWritten> write_recon_file(CenterFilesStore& store, const std::string& center, Date day,
                                      files::Encoding enc, const std::string& path, Instant now) {
  auto live = store.recon_totals(center, day);
  if (!live) return live.error();
  auto recorded = store.record_recon_file(center, day, *live, now);
  if (!recorded) return recorded.error();
  const ReconTotals* totals = &recorded->totals;
  auto header = format_recon_header(center, day, *totals);
  if (!header) return header.error();
  auto w = files::LineWriter::create(path, enc);
  if (!w) return w.error();
  REPAY_TRY((*w)->write_line(*header));
  ReconTotals seen;
  REPAY_TRY(store.for_each_recon_line(center, day, [&](const ReconLine& l) -> Status {
    if (!add_to_totals(l, &seen)) return make_error("RECON", "the lines' sum overflows", "amount");
    auto line = format_recon_line(l);
    if (!line) {
      Error e = line.error();
      e.where = "txnNo " + l.txn_no;
      return e;
    }
    return (*w)->write_line(*line);
  }));
  if (!(seen == *totals)) {
    // Never publish a file whose lines disagree with its header.
    return make_error("RECON",
                      "the lines (" + std::to_string(seen.repay_count) + " repayments, " +
                          std::to_string(seen.refund_count) + " refunds) disagree with the header (" +
                          std::to_string(totals->repay_count) + ", " +
                          std::to_string(totals->refund_count) + ")",
                      "center", center, format_date(day));
  }
  auto done = (*w)->finish();
  if (!done) return done.error();
  return ReconWritten{*done, *totals, recorded->created};
}

}  // namespace repay::settlement
