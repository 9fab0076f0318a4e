// A batch's state (files.md): LOADING while its items are stored, OPEN once sendable, CLOSED
// when every item is final (or at its force-fail time), RETURNED once its return file is
// published. Its text is the SQL column's value and what the console, the CLI and reports show;
// domain code compares the enum (docs/decisions.md, States as enum class).
#pragma once

#include <string_view>

#include "core/result.h"

namespace repay::batch {

enum class BatchState { kLoading, kOpen, kClosed, kReturned };
const char* to_text(BatchState s);  // "LOADING", "OPEN", "CLOSED", "RETURNED"
Result<BatchState> batch_state_from_text(std::string_view text);

}  // namespace repay::batch
