// Batch intake (files.md, Batch file: checks in order, item checks): a complete file fetched from
// a card center's inbox becomes a stored batch — or a recorded rejection — before anything else.
#pragma once

#include <functional>
#include <string>

#include "batch/batch_file.h"
#include "batch/ports.h"
#include "batch/timing.h"
#include "core/clock.h"
#include "core/fee.h"
#include "files/text.h"

namespace repay::batch {

// What intake needs to know of the card center.
struct BatchCenter {
  std::string center_id;
  files::Encoding encoding = files::Encoding::kUtf8;
  bool luhn_check = true;
  Fen per_item_limit = 5'000'000;
  BatchLimits limits;
  CenterTiming timing;
  FeeRule fee_collect;
  FeeRule fee_quick;
};

struct IntakeResult {
  enum class Kind { kAccepted, kRejected, kSkipped };
  Kind kind = Kind::kSkipped;
  std::string batch_no;
  std::string status;   // "00" or F1..F6; "" when skipped
  Error error;          // for a rejection
  int64_t items = 0;
  int64_t rejected_items = 0;
  std::string return_file;  // the file to publish for a rejection
};

// Keyed hash of a sensitive value (FieldCipher::lookup_hash), to compare with an agreement's.
using Hasher = std::function<std::string(const std::string&)>;

// Stores the file at `path` (named `file_name` in the inbox, received at `received_at`).
// Re-running it for the same file is a no-op (kSkipped). Errors only for I/O or store failures —
// then nothing is left half-stored (a batch left LOADING is discarded on the next try).
Result<IntakeResult> intake_file(BatchStore& store, const BatchCenter& center, const Hasher& hash,
                                 const std::string& path, const std::string& file_name,
                                 Instant received_at);

}  // namespace repay::batch
