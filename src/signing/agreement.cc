#include "signing/agreement.h"

#include <array>

#include "core/enum_text.h"

namespace repay::signing {

namespace {

constexpr std::array<EnumText<AgreementState>, 2> kAgreementStates{{
    {AgreementState::kActive, "ACTIVE"},
    {AgreementState::kRevoked, "REVOKED"},
}};

}  // namespace

const char* to_text(AgreementState s) { return text_in(kAgreementStates, s); }
Result<AgreementState> agreement_state_from_text(std::string_view text) {
  return parse_in(kAgreementStates, text, "agreement state");
}

}  // namespace repay::signing
