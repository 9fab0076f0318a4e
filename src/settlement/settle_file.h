// The settlement file (files.md, "Settlement file"): one header line per card center and day T,
// what we pay the card center for T. Published once (files.md, Once, and only for a day that is
// over): the header recorded first is the file of the day for good; what is learned about T later
// shows in later days' files (released), never in a second version.
#pragma once

#include <string>

#include "files/text.h"
#include "settlement/center_files_ports.h"
#include "settlement/ports.h"

namespace repay::settlement {

// HeldFigures (settlement/ports.h): successes of day T the channels' statements do not show yet
// (held back) and successes of earlier days held then and confirmed now (released), from
// ReconStore::held_figures() once every channel of the center is reconciled for T; the caller
// passes them in.

struct SettleFigures {
  std::string center_id;
  Date day;
  int mode = 1;                      // 1 or 2
  int64_t repay_count = 0;
  Fen repay_amount = 0;
  int64_t refund_count = 0;
  Fen refund_amount = 0;
  int64_t pending_review = 0;
  int64_t exceptions = 0;
  HeldFigures held;
};

// SETTLE_<centerId>_<date>.txt
std::string settle_file_name(const std::string& center, Date day);

// netAmount = repayAmount - refundAmount - heldAmount + releasedAmount (may be negative); error
// "RANGE" on overflow.
Result<Fen> settle_net_amount(const SettleFigures& f);
// H|centerId|date|mode|repayCount|repayAmount|refundCount|refundAmount|netAmount|
//   pendingReviewCount|exceptionCount|heldCount|heldAmount|releasedCount|releasedAmount
Result<std::string> format_settle_header(const SettleFigures& f);

// The figures of files.md: mode 1, the RECON file's as recorded when it was built (error
// "NOT_READY" before it was); mode 2, the matched lines of day T's
// posting file and the card center's own refunds of day T — error "NOT_READY" while day T's
// posting file has not been used (files.md: that day is not settled).
Result<SettleFigures> settle_figures(CenterFilesStore& store, const std::string& center, Date day,
                                     int mode, const HeldFigures& held);

struct SettleFile {
  std::string name;                  // the name to publish under
  int version = 0;
  bool created = false;              // false: recorded before; the file is rebuilt as recorded
  std::string header;
  files::LineWriter::Done done;
};

// Computes the figures, records the file (record_settle_file: once per center and day) and writes
// what is recorded into folder `dir` under its name. Once recorded, a second call writes the very
// same bytes whatever the figures are now (an interrupted publish completes; publishing a
// published file again is a no-op for the transport). Errors: "NOT_READY", "RANGE", "IO", "DB".
Result<SettleFile> write_settle_file(CenterFilesStore& store, const std::string& center, Date day,
                                     int mode, const HeldFigures& held, files::Encoding enc,
                                     const std::string& dir, Instant now);

}  // namespace repay::settlement
