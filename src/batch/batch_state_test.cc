// batch::BatchState and its text (batch_state.h), pure.
#include "batch/batch_state.h"

#include <doctest/doctest.h>

#include <string>

namespace repay::batch {
namespace {

// The texts are the batches table's values: each reads back as itself; any other text is an
// error that names it, never a guess.
TEST_CASE("batch state: text and back, and a text that is none of them") {
  for (BatchState s : {BatchState::kLoading, BatchState::kOpen, BatchState::kClosed, BatchState::kReturned}) {
    auto back = batch_state_from_text(to_text(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
  CHECK(std::string(to_text(BatchState::kOpen)) == "OPEN");
  CHECK(std::string(to_text(BatchState::kReturned)) == "RETURNED");
  for (const char* bad : {"", "open", "CLOSING"}) {
    auto r = batch_state_from_text(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().value == bad);
  }
}

}  // namespace
}  // namespace repay::batch
