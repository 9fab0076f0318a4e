// Return file lines (files.md, "Return file (us -> card center)").
#include "batch/return_file.h"

namespace repay::batch {

std::string return_file_name(const std::string& center_id, const std::string& batch_date,
                             const std::string& batch_no, int rejection) {
  std::string name = "RET_" + center_id + "_" + batch_date + "_" + batch_no;
  if (rejection > 0) name += "_REJ" + std::to_string(rejection);
  return name + ".txt";
}

std::string format_return_header(const ReturnHeader& h) {
  std::string s = "H|";
  s += h.center_id;
  s += '|';
  s += h.batch_no;
  s += '|';
  s += h.batch_date;
  s += '|';
  s += h.file_status;
  for (int64_t v : {h.total_count, h.total_amount, h.success_count, h.success_amount, h.fail_count,
                    h.fail_amount}) {
    s += '|';
    s += format_amount(v);  // counts and amounts alike: plain decimal
  }
  return s;
}

std::string format_return_line(const ReturnLine& l, files::Encoding enc) {
  std::string s = "D|";
  s += std::to_string(l.seq);
  s += '|';
  s += l.item_id;
  for (Fen v : {l.amount, l.fee, l.debit_amount}) {
    s += '|';
    s += format_amount(v);
  }
  s += '|';
  s += l.status;
  s += '|';
  s += l.resp_code;
  s += '|';
  s += files::fit_text(l.resp_msg, enc);  // a bank's message: common.md, cut and cleaned
  s += '|';
  s += l.txn_no;
  s += '|';
  s += l.finish_time;
  return s;
}

}  // namespace repay::batch
