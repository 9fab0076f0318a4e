#include "batch/returns.h"

#include "batch/return_file.h"
#include "core/codes.h"

namespace repay::batch {

Result<files::LineWriter::Done> write_return_file(BatchStore& store, const BatchSummary& b,
                                                  const std::string& path) {
  files::Encoding enc = files::Encoding::kUtf8;
  files::parse_encoding(b.encoding, &enc);
  auto w = files::LineWriter::create(path, enc);
  if (!w) return w.error();
  ReturnHeader h;
  h.center_id = b.center_id;
  h.batch_no = b.batch_no;
  h.batch_date = b.batch_date;
  h.file_status = "00";
  h.total_count = b.total;
  h.total_amount = b.total_amount;
  h.success_count = b.success;
  h.success_amount = b.success_amount;
  h.fail_count = b.failed;
  h.fail_amount = b.fail_amount;
  REPAY_TRY((*w)->write_line(format_return_header(h)));
  int64_t lines = 0;
  REPAY_TRY(store.for_each_return_line(b.center_id, b.batch_no, [&](const ReturnRow& r) -> Status {
    ReturnLine l;
    l.seq = r.seq;
    l.item_id = r.item_id;
    l.amount = r.amount;
    l.status = r.state == ItemState::kSuccess ? 'S' : 'F';
    if (l.status == 'S') {
      // files.md: for S, fee is the cardholder-borne fee and debitAmount = amount + fee.
      l.fee = r.cardholder_fee;
      l.debit_amount = r.debit_amount;
    }
    l.resp_code = r.resp_code;
    l.resp_msg = std::string(codes::message(r.resp_code));
    l.txn_no = r.txn_no;
    l.finish_time = format_cst_timestamp(r.finished_at);
    ++lines;
    return (*w)->write_line(format_return_line(l, enc));
  }));
  if (lines != b.total) {
    // files.md: one D line for every item. Never publish a file that misses one.
    return make_error("RETURN", "return file would have " + std::to_string(lines) + " lines for " +
                                    std::to_string(b.total) + " items",
                      "batchNo", b.batch_no);
  }
  return (*w)->finish();
}

Result<files::LineWriter::Done> write_rejection_file(const FileRecord& f, files::Encoding enc,
                                                     const std::string& path) {
  auto w = files::LineWriter::create(path, enc);
  if (!w) return w.error();
  ReturnHeader h;
  h.center_id = f.center_id;
  h.batch_no = f.batch_no;
  h.batch_date = f.batch_date;
  h.file_status = f.status;
  // files.md: a rejection's counts and amounts are the header's as received (0 where unreadable).
  h.total_count = f.header_count;
  h.total_amount = f.header_amount;
  REPAY_TRY((*w)->write_line(format_return_header(h)));
  return (*w)->finish();
}

}  // namespace repay::batch
