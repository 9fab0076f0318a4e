// The return file of files.md ("Return file (us -> card center)"): one header, one D line per item
// in seq order, every status S or F. Built from the store when every item is final or at the
// force-fail time; for a rejected file, a header only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/money.h"
#include "core/result.h"
#include "files/text.h"

namespace repay::batch {

// RET_<centerId>_<batchDate>_<batchNo>.txt, or ..._REJ<n>.txt for the n-th rejection.
std::string return_file_name(const std::string& center_id, const std::string& batch_date,
                             const std::string& batch_no, int rejection = 0);

struct ReturnHeader {
  std::string center_id;
  std::string batch_no;
  std::string batch_date;
  std::string file_status;  // "00" or F1..F6
  int64_t total_count = 0;
  Fen total_amount = 0;
  int64_t success_count = 0;
  Fen success_amount = 0;
  int64_t fail_count = 0;
  Fen fail_amount = 0;
};

struct ReturnLine {
  int64_t seq = 0;
  std::string item_id;
  Fen amount = 0;
  Fen fee = 0;           // S: cardholder-borne fee; F: 0
  Fen debit_amount = 0;  // S: amount + fee; F: 0
  char status = 'F';     // 'S' or 'F'
  std::string resp_code;
  std::string resp_msg;  // fitted by the writer (64 chars, no '|', GBK-safe)
  std::string txn_no;    // empty when never sent
  std::string finish_time;  // yyyyMMddHHmmss CST
};

std::string format_return_header(const ReturnHeader& h);
std::string format_return_line(const ReturnLine& l, files::Encoding enc);

}  // namespace repay::batch
