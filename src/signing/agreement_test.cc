// signing::AgreementState and its text (agreement.h), pure.
#include "signing/agreement.h"

#include <doctest/doctest.h>

#include <string>

namespace repay::signing {
namespace {

// The texts are the agreements table's values: each reads back as itself; any other text is an
// error that names it, never a guess.
TEST_CASE("agreement state: text and back, and a text that is none of them") {
  for (AgreementState s : {AgreementState::kActive, AgreementState::kRevoked}) {
    auto back = agreement_state_from_text(to_text(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
  CHECK(std::string(to_text(AgreementState::kActive)) == "ACTIVE");
  for (const char* bad : {"", "active", "SIGNED"}) {
    auto r = agreement_state_from_text(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().value == bad);
  }
}

}  // namespace
}  // namespace repay::signing
