// Using a posting file of mode 2 (files.md, "Posting file, mode 2"): check it, store it with its
// lines matched against our successes, and decide the one-sided successes of every day whose
// grace days it completes. Re-runs are idempotent: the same file is stored once, each TxnNo is
// taken by one posting line for good, and a ONE_SIDED proposal is made once per TxnNo.
#pragma once

#include <string>
#include <vector>

#include "settlement/center_files_ports.h"

namespace repay::settlement {

struct PostingOutcome {
  std::string file_name;
  Date day;                           // the posting file's date
  PostingRecord record;               // status USED or NOT_USED, version
  bool already = false;               // the very same file was used before: nothing new stored
  PostingCounts counts;               // its lines by class (zero when NOT_USED)
  std::vector<Date> days_decided;     // days T whose one-sided successes were decided now
  int64_t one_sided_proposed = 0;     // ONE_SIDED proposals created by this call
};

// Applies the posting file at `path` (its name, the last part of the path, is the name it was
// received under: POST_<centerId>_<date>.txt) for card center `center`.
// Errors — the file is not used, the caller alerts staff and the card center must send it again:
// "F4" (not valid in `enc`), "F1" (form), "F2" (count or amount differ from the lines), each with
// Error.where "<file> line N", field and value; the rejection is recorded in the store (once).
// "IO" (could not be read: try again later, nothing recorded), "DB".
Result<PostingOutcome> apply_posting_file(CenterFilesStore& store, const std::string& center,
                                          const std::string& path, files::Encoding enc,
                                          int grace_days, Instant now);

}  // namespace repay::settlement
