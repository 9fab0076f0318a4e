// The monthly fee statement (files.md, "Fee statement"; domain.md flow 5): only for card centers
// that pay the fee themselves. One D line per day T and channel kind with successful repayments
// or returned fees; feeAmount = Σfee − ΣreturnedFee (may be negative). A force-failed item's
// debit is never billed (nor is its LATE_SUCCESS refund counted).
#pragma once

#include <string>
#include <vector>

#include "files/text.h"
#include "settlement/center_files_ports.h"

namespace repay::settlement {

struct FeeStatement {
  std::string center_id;
  int year = 0;
  int month = 0;
  std::vector<FeeRow> lines;         // by day, then kind (COLLECT before QUICK)
  int64_t count = 0;                 // Σ line counts
  Fen fee_amount = 0;                // Σfee − ΣreturnedFee
};

// FEE_<centerId>_<yyyyMM>.txt
std::string fee_statement_name(const std::string& center, int year, int month);

// Adds up rows of the same (day, kind), drops empty ones, sorts, totals. Errors "RANGE": a day
// outside the month, an unknown kind, a negative figure, an overflow.
Result<FeeStatement> build_fee_statement(const std::string& center, int year, int month,
                                         std::vector<FeeRow> rows);
std::string format_fee_header(const FeeStatement& s);
std::string format_fee_line(const FeeRow& r);

// Writes the month's statement of `center` to `path` in the center's encoding.
// Errors: "RANGE", "IO", "DB".
Result<files::LineWriter::Done> write_fee_statement(CenterFilesStore& store, const std::string& center,
                                                    int year, int month, files::Encoding enc,
                                                    const std::string& path);

}  // namespace repay::settlement
