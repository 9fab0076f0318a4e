// An agreement binds a credit card to a same-name debit card after signing (domain.md, flow 1).
// It records its kind and its channel; debits use that channel. AgreementNo is ours, ProtocolNo
// the quick-pay channel's.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace repay::signing {

inline constexpr const char* kCollect = "COLLECT";
inline constexpr const char* kQuick = "QUICK";

// An agreement is ACTIVE from signing until unsign makes it REVOKED (center-api.md). Its text is
// the agreements table's value; domain code compares the enum (docs/decisions.md, States as
// enum class).
enum class AgreementState { kActive, kRevoked };
const char* to_text(AgreementState s);  // "ACTIVE", "REVOKED"
Result<AgreementState> agreement_state_from_text(std::string_view text);

struct CardHolder {
  std::string credit_card;
  std::string debit_card;
  std::string name;
  std::string id_type;
  std::string id_no;
};

struct Agreement {
  std::string agreement_no;
  std::string center_id;
  std::string kind;        // kCollect or kQuick
  std::string channel_id;
  AgreementState state = AgreementState::kActive;
  CardHolder holder;
  std::string mobile;      // quick-pay only
  std::string protocol_no; // quick-pay only
  Instant created_at{};
  Instant updated_at{};
};

}  // namespace repay::signing
