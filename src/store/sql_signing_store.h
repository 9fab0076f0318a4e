// Signing's store (tables `signing_requests`, `agreements`, `quick_applications`): the
// SigningStore port. Sensitive numbers are encrypted with the FieldCipher before they reach SQL.
// Definitions: store/signing_sql.cc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "signing/ports.h"
#include "store/db.h"
#include "store/sequences.h"

namespace repay::store {

class SqlSigningStore final : public signing::SigningStore {
 public:
  // `pool` and `cipher` outlive this object.
  SqlSigningStore(Pool& pool, const crypto::FieldCipher& cipher) : pool_(&pool), cipher_(cipher) {}

  Result<signing::Claim> claim(const std::string& center, const std::string& req_no,
                               const std::string& tx_code, const std::string& canonical,
                               Instant now, std::chrono::milliseconds stale_after) override;
  Status release(const std::string& center, const std::string& req_no,
                 const std::string& token) override;
  Result<signing::SigningRecord> finish(const signing::SigningOutcome& o) override;
  Result<std::optional<signing::Agreement>> active_agreement(const std::string& center,
                                                             const std::string& credit_card,
                                                             const std::string& debit_card,
                                                             const std::string& kind) override;
  Result<std::optional<signing::Agreement>> agreement(const std::string& agreement_no) override;
  Result<std::optional<signing::QuickApplication>> application(
      const std::string& center, const std::string& apply_req_no) override;
  Result<int> take_sms_try(const std::string& center, const std::string& apply_req_no,
                           int max_tries) override;
  Status give_back_sms_try(const std::string& center, const std::string& apply_req_no) override;
  Result<std::string> next_req_sn() override;
  Result<std::string> next_agreement_no(Instant now) override;

 private:
  Result<std::optional<signing::Agreement>> read_agreement(Connection& c, std::string_view where,
                                                           const std::vector<std::string>& args);
  Result<int64_t> reserve_sequence(const std::string& name, int64_t count) {
    return store::reserve_sequence(*pool_, name, count);
  }

  Pool* pool_;
  const crypto::FieldCipher& cipher_;
};

}  // namespace repay::store
