#include "settlement/settle_file.h"

namespace repay::settlement {

std::string settle_file_name(const std::string& center, Date day) {
  return "SETTLE_" + center + "_" + format_date(day) + ".txt";
}

Result<Fen> settle_net_amount(const SettleFigures& f) {
  // files.md: netAmount = repayAmount − refundAmount − heldAmount + releasedAmount.
  auto a = checked_sub(f.repay_amount, f.refund_amount);
  if (a) a = checked_sub(*a, f.held.held_amount);
  if (a) a = checked_add(*a, f.held.released_amount);
  if (!a) return make_error("RANGE", "netAmount overflows", "netAmount");
  return *a;
}

Result<std::string> format_settle_header(const SettleFigures& f) {
  if (f.mode != 1 && f.mode != 2) {
    return make_error("RANGE", "mode is 1 or 2", "mode", std::to_string(f.mode));
  }
  const Fen amounts[] = {f.repay_amount, f.refund_amount, f.held.held_amount,
                         f.held.released_amount};
  const int64_t counts[] = {f.repay_count,    f.refund_count,      f.pending_review,
                            f.exceptions,     f.held.held_count,   f.held.released_count};
  for (Fen a : amounts) {
    if (a < 0) return make_error("RANGE", "an amount is negative", "amount", format_amount(a));
  }
  for (int64_t c : counts) {
    if (c < 0) return make_error("RANGE", "a count is negative", "count", std::to_string(c));
  }
  auto net = settle_net_amount(f);
  if (!net) return net.error();
  std::string s = "H|" + f.center_id + "|" + format_date(f.day) + "|" + std::to_string(f.mode);
  for (const std::string& v :
       {std::to_string(f.repay_count), format_amount(f.repay_amount), std::to_string(f.refund_count),
        format_amount(f.refund_amount), format_amount(*net), std::to_string(f.pending_review),
        std::to_string(f.exceptions), std::to_string(f.held.held_count),
        format_amount(f.held.held_amount), std::to_string(f.held.released_count),
        format_amount(f.held.released_amount)}) {
    s += '|';
    s += v;
  }
  return s;
}

Result<SettleFigures> settle_figures(CenterFilesStore& store, const std::string& center, Date day,
                                     int mode, const HeldFigures& held) {
  SettleFigures f;
  f.center_id = center;
  f.day = day;
  f.mode = mode;
  f.held = held;
  // Mode 1 takes both from the RECON file's figures, as recorded when it was built; mode 2 its
  // refunds (the card center's own refunds of day T: the very refunds a RECON file would list).
  if (mode == 1) {
    auto recon = store.recorded_recon(center, day);
    if (!recon) return recon.error();
    if (!recon->has_value()) {
      return make_error("NOT_READY", "the RECON file of the day is not built yet", "date",
                        format_date(day), center);
    }
    f.repay_count = (*recon)->repay_count;
    f.repay_amount = (*recon)->repay_amount;
    f.refund_count = (*recon)->refund_count;
    f.refund_amount = (*recon)->refund_amount;
  } else if (mode == 2) {
    auto recon = store.recon_totals(center, day);
    if (!recon) return recon.error();
    f.refund_count = recon->refund_count;
    f.refund_amount = recon->refund_amount;
    auto used = store.has_used_posting_file(center, day);
    if (!used) return used.error();
    if (!*used) {
      return make_error("NOT_READY", "the posting file of the day has not been used yet", "date",
                        format_date(day), center);
    }
    auto posted = store.posted_figures(center, day);
    if (!posted) return posted.error();
    f.repay_count = posted->count;
    f.repay_amount = posted->amount;
  } else {
    return make_error("RANGE", "mode is 1 or 2", "mode", std::to_string(mode));
  }
  auto review = store.review_counts(center);
  if (!review) return review.error();
  f.pending_review = review->pending_review;
  f.exceptions = review->exceptions;
  return f;
}

Result<SettleFile> write_settle_file(CenterFilesStore& store, const std::string& center, Date day,
                                     int mode, const HeldFigures& held, files::Encoding enc,
                                     const std::string& dir, Instant now) {
  auto figures = settle_figures(store, center, day, mode, held);
  if (!figures) return figures.error();
  auto header = format_settle_header(*figures);
  if (!header) return header.error();
  // Recorded before it is written: a crash in between rebuilds the same bytes under the same name.
  // Once recorded, the recorded header is the file (files.md, Once).
  auto v = store.record_settle_file(center, day, *header, now);
  if (!v) return v.error();
  SettleFile out;
  out.name = v->file_name;
  out.version = v->version;
  out.created = v->created;
  out.header = v->header;
  auto w = files::LineWriter::create(dir + "/" + out.name, enc);
  if (!w) return w.error();
  REPAY_TRY((*w)->write_line(out.header));
  auto done = (*w)->finish();
  if (!done) return done.error();
  out.done = *done;
  return out;
}

}  // namespace repay::settlement
