// The header and detail lines of a batch file (files.md, "Batch file"), read against the field
// forms of common.md. Shared by pass 1 (checks) and pass 2 (reading); internal to src/batch.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "batch/batch_file.h"

namespace repay::batch::lines {

// What is wrong with a line: the field's name and its value, already fit for an error message.
struct Problem {
  std::string field;
  std::string value;
  std::string message;
};

// H|centerId|batchNo|batchDate|totalCount|totalAmount. Fills every field of *h that is well
// formed, even when another is not; the first problem is returned.
std::optional<Problem> parse_header(std::string_view line, BatchHeader* h);

inline constexpr size_t kDetailFields = 11;
// D|seq|itemId|creditCardNo|name|idType|idNo|debitCardNo|agreementNo|amount|memo, as views into
// the line.
struct Detail {
  std::array<std::string_view, kDetailFields> f;
  int64_t seq = 0;
  Fen amount = 0;
};
// Checks every field's form and that seq is `expected_seq` (files.md: no gaps).
std::optional<Problem> parse_detail(std::string_view line, int64_t expected_seq, Detail* d);
// Copies a parsed detail into *out (reusing its strings' storage).
void fill_line(const Detail& d, int64_t line_no, BatchLine* out);

// A value for an error: card and ID numbers masked (common.md, Sensitive data), anything else
// cut to 32 characters with control characters shown as '?'.
enum class Kind { kPlain, kCard, kId };
std::string shown(std::string_view value, Kind kind);

}  // namespace repay::batch::lines
