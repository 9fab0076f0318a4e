// The batch file of files.md ("Batch file (card center -> us)"): its name, header and detail
// lines, and the file-level checks F5, F4, F1, F2 (F3 and F6 need the store and the clock and are
// the intake's). Streaming: a file of any size is read with bounded memory, in two passes — check,
// then read the lines to store them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/money.h"
#include "core/result.h"
#include "files/text.h"

namespace repay::batch {

struct BatchName {
  std::string center_id;
  std::string batch_date;  // yyyyMMdd
  std::string batch_no;
};
// REPAY_<centerId>_<batchDate>_<batchNo>.txt; nullopt when the name does not have that form.
// (batchNo may contain '_': the name is split at the first two '_' after REPAY.)
std::optional<BatchName> parse_batch_name(const std::string& file_name);
// POST_<centerId>_<date>.txt: a mode-2 center's posting file in the same inbox, which the T+1
// jobs take and the batch pull leaves alone (files.md, Exchange with card centers).
bool is_posting_file_name(const std::string& file_name);

struct BatchHeader {
  std::string center_id;
  std::string batch_no;
  std::string batch_date;  // yyyyMMdd
  int64_t total_count = 0;
  Fen total_amount = 0;
};

struct BatchLine {
  int64_t line_no = 0;  // in the file, 1-based (the header is line 1)
  int64_t seq = 0;
  std::string item_id;
  std::string credit_card;
  std::string name;
  std::string id_type;
  std::string id_no;
  std::string debit_card;
  std::string agreement_no;
  Fen amount = 0;
  std::string memo;
};

struct BatchLimits {
  int64_t max_items = 20'000'000;
  int64_t max_bytes = 4LL * 1024 * 1024 * 1024;
};

struct BatchCheck {
  // "00" (passes F5/F4/F1/F2) or "F5", "F4", "F1", "F2"; "IO" when the file could not be read
  // (not a rejection: try again later).
  std::string status = "00";
  Error error;                 // when not "00": code = status, where = "<file> line N", field, value (masked)
  bool header_readable = false;
  BatchHeader header;          // as read (valid when header_readable; when not, the fields
                               // that were well formed are still filled, the others empty/0)
  int64_t detail_count = 0;    // D lines seen
  Fen detail_amount = 0;       // their sum (when all amounts were readable)
};

// Pass 1. Checks in the order of files.md: F5 (more items or bytes than the limits — bytes from
// the file size, items from counting lines), F4 (not valid in the encoding, anywhere in the file),
// F1 (first format error: a line or field badly formed, wrong field count, seq gap, empty line,
// BOM, name not matching the header, centerId not `expected_center`), F2 (totalCount or
// totalAmount differ from the details). Sensitive values in errors are masked.
BatchCheck check_batch_file(const std::string& path, const std::string& file_name,
                            const std::string& expected_center, files::Encoding enc,
                            const BatchLimits& limits);

// Pass 2, for a file that passed pass 1: calls on_line for each detail line in order. Stops at
// the first error returned by on_line and returns it.
Status read_batch_lines(const std::string& path, files::Encoding enc,
                        const std::function<Status(const BatchLine&)>& on_line);

}  // namespace repay::batch
