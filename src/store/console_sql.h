// The console's port (console/ports.h) in SQL over the engine seam (store/db.h): staff accounts
// and their lock-out, sessions, exceptions with resolution notes, reconciliation results per day and channel, and the
// audit trail. Staff changes and resolutions append audit rows (entity "staff" or "exception") in
// the same transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "console/ports.h"
#include "store/stores.h"

namespace repay::store {

// The port's vocabulary, by its short names for the SQL files.
using console::AuditQuery;
using console::ExceptionNote;
using console::ExceptionRow;
using console::ReconDay;
using console::ReconResultRow;
using console::StaffAccount;
using console::StaffSession;

class SqlConsoleStore final : public console::ConsoleStore {
 public:
  // `store` outlives this object.
  explicit SqlConsoleStore(Stores& store) : store_(store) {}

  // console::ConsoleStore
  Status add_staff(const std::string& login, const std::string& role,
                   const std::string& password_hash, const std::string& actor,
                   Instant now) override;
  Status set_password(const std::string& login, const std::string& password_hash,
                      const std::string& actor, Instant now) override;
  Status unlock(const std::string& login, const std::string& actor, Instant now) override;
  Status refused(const std::string& login, const std::string& what, Instant now) override;
  Result<std::vector<StaffAccount>> list_staff() override;
  Result<std::optional<StaffAccount>> staff(const std::string& login) override;
  Result<bool> login_failed(const std::string& login, int max_failures, Instant now) override;
  Status login_succeeded(const std::string& login, const std::string& token_hash,
                         const std::string& csrf, Instant now, Instant expires_at) override;
  Status password_accepted(const std::string& login, const std::string& what,
                           Instant now) override;
  Result<std::optional<StaffSession>> session(const std::string& token_hash,
                                              Instant now) override;
  Status logout(const std::string& token_hash, const std::string& login, Instant now) override;
  Status purge_sessions(Instant now) override;
  Result<std::vector<ExceptionRow>> exceptions(const std::string& state, int limit) override;
  Status add_exception_note(int64_t id, const std::string& login, const std::string& note,
                            bool resolve, Instant now) override;
  Result<std::vector<ReconDay>> recon_days(const std::string& channel, const std::string& date,
                                           int limit) override;
  Result<std::vector<ReconResultRow>> recon_results(const std::string& channel,
                                                    const std::string& date, int limit) override;
  Result<std::vector<AuditRow>> audit(const AuditQuery& q) override;

 private:
  Stores& store_;
};

}  // namespace repay::store
