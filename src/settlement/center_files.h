// The reconciliation file of mode 1 (files.md, "Reconciliation file, mode 1"): every success of
// the card center with day T (batch and real time) and every successful refund of its own with
// day T; never a force-failed item, its late debit or its LATE_SUCCESS refund, never a refund we
// started (whatever its reason). Published every day, with zero counts on a day without activity.
#pragma once

#include <string>

#include "files/text.h"
#include "settlement/center_files_ports.h"

namespace repay::settlement {

// RECON_<centerId>_<date>.txt
std::string recon_file_name(const std::string& center, Date day);

// H|centerId|date|repayCount|repayAmount|refundCount|refundAmount|netAmount, netAmount =
// repayAmount - refundAmount (may be negative). Error "RANGE" when a figure does not fit its form.
Result<std::string> format_recon_header(const std::string& center, Date day, const ReconTotals& t);
// D|txnNo|type|source|batchNo|ref|amount|fee|debitAmount|finishTime. Error "RANGE" when a value
// does not fit its form (lessons.md: check that a value fits before writing it).
Result<std::string> format_recon_line(const ReconLine& l);

// Adds a line to running totals; false on overflow.
bool add_to_totals(const ReconLine& l, ReconTotals* t);

struct ReconWritten {
  files::LineWriter::Done done;
  ReconTotals totals;        // the header's figures (as recorded)
  bool created = false;      // false: the figures were recorded before (the file was built before)
};

// Writes day T's RECON file of `center` to `path` in the center's encoding, streaming: the header
// from the recorded figures (record_recon_file: recon_totals() the first time, for good), then
// the lines; the lines must add up to the header, else nothing is published (error "RECON": a
// store that disagrees with itself, or day T's transactions changed after the file was built).
// The bytes depend only on the store, so an interrupted publish rebuilds the very same file.
// Errors: "RECON", "RANGE", "IO", "DB".
Result<ReconWritten> write_recon_file(CenterFilesStore& store, const std::string& center, Date day,
                                      files::Encoding enc, const std::string& path, Instant now);

}  // namespace repay::settlement
