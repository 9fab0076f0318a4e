// An agreement binds a credit card to a same-name debit card after signing (domain.md, flow 1).
// It records its kind and its channel; debits use that channel. AgreementNo is ours, ProtocolNo
// the quick-pay channel's.
#pragma once

#include <string>

#include "core/clock.h"

namespace repay::signing {

inline constexpr const char* kCollect = "COLLECT";
inline constexpr const char* kQuick = "QUICK";
inline constexpr const char* kActive = "ACTIVE";
inline constexpr const char* kRevoked = "REVOKED";

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
  std::string state;       // kActive or kRevoked
  CardHolder holder;
  std::string mobile;      // quick-pay only
  std::string protocol_no; // quick-pay only
  Instant created_at{};
  Instant updated_at{};
};

}  // namespace repay::signing
