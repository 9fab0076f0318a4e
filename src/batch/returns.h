// Return files (files.md, Return file): built from the store, in seq order, every item S or F —
// for an accepted batch once every item is final (at the force-fail time at the latest), and a
// header-only file for a rejected one. The bytes depend only on the store, so a publish that was
// interrupted rebuilds the very same file.
#pragma once

#include <string>

#include "batch/ports.h"
#include "files/text.h"

namespace repay::batch {

Result<files::LineWriter::Done> write_return_file(BatchStore& store, const BatchSummary& batch,
                                                  const std::string& path);
Result<files::LineWriter::Done> write_rejection_file(const FileRecord& file, files::Encoding enc,
                                                     const std::string& path);

}  // namespace repay::batch
