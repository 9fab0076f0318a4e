#include "batch/batch_state.h"

#include <array>

#include "core/enum_text.h"

namespace repay::batch {

namespace {

constexpr std::array<EnumText<BatchState>, 4> kBatchStates{{
    {BatchState::kLoading, "LOADING"},
    {BatchState::kOpen, "OPEN"},
    {BatchState::kClosed, "CLOSED"},
    {BatchState::kReturned, "RETURNED"},
}};

}  // namespace

const char* to_text(BatchState s) { return text_in(kBatchStates, s); }
Result<BatchState> batch_state_from_text(std::string_view text) {
  return parse_in(kBatchStates, text, "batch state");
}

}  // namespace repay::batch
