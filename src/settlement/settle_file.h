// The settlement file (files.md, "Settlement file"): one header line per card center and day T,
// what we pay the card center for T. Versioned (docs/decisions.md, Settlement files): a re-run
// with the same figures gives the same file; different figures give a new version under a new
// name (SETTLE_<centerId>_<date>_V<n>.txt), never an overwritten file.
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

// SETTLE_<centerId>_<date>.txt for version 1, SETTLE_<centerId>_<date>_V<n>.txt for n >= 2.
std::string settle_file_name(const std::string& center, Date day, int version);

// netAmount = repayAmount - refundAmount - heldAmount + releasedAmount (may be negative); error
// "RANGE" on overflow.
Result<Fen> settle_net_amount(const SettleFigures& f);
// H|centerId|date|mode|repayCount|repayAmount|refundCount|refundAmount|netAmount|
//   pendingReviewCount|exceptionCount|heldCount|heldAmount|releasedCount|releasedAmount
Result<std::string> format_settle_header(const SettleFigures& f);

// The figures of files.md: mode 1, the RECON file's; mode 2, the matched lines of day T's
// posting file and the card center's own refunds of day T — error "NOT_READY" while day T's
// posting file has not been used (files.md: that day is not settled).
Result<SettleFigures> settle_figures(CenterFilesStore& store, const std::string& center, Date day,
                                     int mode, const HeldFigures& held);

struct SettleFile {
  std::string name;                  // the name to publish under
  int version = 0;
  bool new_version = false;          // false: these figures were recorded before (same bytes)
  std::string header;
  files::LineWriter::Done done;
};

// Computes the figures, records the version (record_settle_version) and writes the file into
// folder `dir` under its versioned name. Publishing it again when it was already published is a
// no-op for the transport (never overwrites). Errors: "NOT_READY", "RANGE", "IO", "DB".
Result<SettleFile> write_settle_file(CenterFilesStore& store, const std::string& center, Date day,
                                     int mode, const HeldFigures& held, files::Encoding enc,
                                     const std::string& dir, Instant now);

}  // namespace repay::settlement
