// What the staff console (src/console/) keeps and reads in the SQLite store: staff accounts and
// their lock-out, sessions, exceptions with resolution notes, reconciliation results per day and
// channel, and the audit trail. Staff changes and resolutions append audit rows (entity "staff"
// or "exception") in the same transaction. Nothing here returns a full card, ID or mobile number:
// the tables read hold none (the audit and exceptions hold references and masked values only).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "store/stores.h"

namespace repay::store {

struct StaffAccount {
  std::string login;
  std::string role;           // viewer, reviewer, admin
  std::string password_hash;  // console/password.h format
  int failed_logins = 0;      // consecutive, since the last success or unlock
  bool locked = false;
  Instant locked_at{};
  Instant created_at{};
};

struct StaffSession {
  std::string login;
  std::string role;
  std::string csrf;
  Instant expires_at{};
};

struct ExceptionNote {
  Instant at{};
  std::string login;
  std::string note;
  bool resolved = false;
};

struct ExceptionRow {
  int64_t id = 0;
  std::string kind, center_id, channel_id, ref, detail, state;
  Instant created_at{};
  std::vector<ExceptionNote> notes;
};

struct ReconDay {
  std::string channel_id;
  std::string date;  // yyyyMMdd
  int64_t runs = 0;
  int64_t outcomes = 0;
  Instant last_at{};
  std::map<std::string, int64_t> counts;  // class -> count (non-zero only)
};

struct ReconResultRow {
  std::string req_sn, klass, type, channel_txn_no, action;
  int64_t line_no = 0;
  std::optional<Fen> our_amount, bank_amount;
};

struct AuditQuery {
  std::string entity;     // "" any
  std::string entity_id;  // "" any
  std::string actor;      // "" any; a prefix ("staff:") matches too
  std::optional<Instant> from, to;  // [from, to)
  int limit = 200;
};

class SqliteConsoleStore {
 public:
  // `store` outlives this object.
  explicit SqliteConsoleStore(Stores& store) : store_(store) {}

  // Staff accounts. `actor` is who did it ("cli:<user>" or "staff:<login>"), for the audit row.
  // add: error CONFLICT when the login exists.
  Status add_staff(const std::string& login, const std::string& role,
                   const std::string& password_hash, const std::string& actor, Instant now);
  // A new password also unlocks the account. Error NOT_FOUND when unknown.
  Status set_password(const std::string& login, const std::string& password_hash,
                      const std::string& actor, Instant now);
  Status unlock(const std::string& login, const std::string& actor, Instant now);
  // An action of a logged-in staff member that was refused (maker-checker, role, CSRF token, ...):
  // an audit row (entity "staff", new state REFUSED) saying what and why.
  Status refused(const std::string& login, const std::string& what, Instant now);
  Result<std::vector<StaffAccount>> list_staff();
  Result<std::optional<StaffAccount>> staff(const std::string& login);

  // Counts a failed login (one conditional update) and locks the account when the count reaches
  // `max_failures`; returns whether it is locked now. Unknown logins: false, nothing stored but
  // an audit row (so that probing shows in the trail).
  Result<bool> login_failed(const std::string& login, int max_failures, Instant now);
  // A successful login: failures reset, a session stored, both audited.
  Status login_succeeded(const std::string& login, const std::string& token_hash,
                         const std::string& csrf, Instant now, Instant expires_at);
  // A staff member's password accepted outside the console (the `repay refunds` CLI, `what` says
  // for which command): failures reset, audited. Error LOCKED when the account is locked.
  Status password_accepted(const std::string& login, const std::string& what, Instant now);
  // The session of a token hash if it has not expired (and its account is not locked).
  Result<std::optional<StaffSession>> session(const std::string& token_hash, Instant now);
  Status logout(const std::string& token_hash, const std::string& login, Instant now);
  // Forgets expired sessions.
  Status purge_sessions(Instant now);

  // Exceptions, newest first ("" state: any; OPEN, RESOLVED).
  Result<std::vector<ExceptionRow>> exceptions(const std::string& state, int limit);
  // Adds a note; with `resolve` the exception becomes RESOLVED (only from OPEN). Error NOT_FOUND
  // when unknown, REVIEW_STATE when resolving one already resolved.
  Status add_exception_note(int64_t id, const std::string& login, const std::string& note,
                            bool resolve, Instant now);

  // Reconciliation runs per day and channel, newest day first ("" = any).
  Result<std::vector<ReconDay>> recon_days(const std::string& channel, const std::string& date,
                                           int limit);
  // The listed outcomes of the latest run (everything but plain matches).
  Result<std::vector<ReconResultRow>> recon_results(const std::string& channel,
                                                    const std::string& date, int limit);

  // Audit trail, newest first.
  Result<std::vector<AuditRow>> audit(const AuditQuery& q);

 private:
  Stores& store_;
};

}  // namespace repay::store
