// SqlConsoleStore: staff accounts, lock-out, sessions and the console's read queries.
#include "store/console_sql.h"

#include "store/sql_audit_log.h"

namespace repay::store {
namespace {

Status audit_staff(Connection& c, Instant now, const std::string& actor, const std::string& login,
                   const std::string& old_state, const std::string& new_state,
                   const std::string& reason) {
  return append_audit(c, AuditRow{0, now, actor, "staff", login, old_state, new_state, reason});
}

// Runs `q` to its end, calling `f` for each row.
template <typename F>
Status each_row(Stmt& q, F&& f) {
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return ok_status();
    f(q);
  }
}

int64_t ymd_of(const std::string& yyyymmdd) {
  return yyyymmdd.empty() ? 0 : std::stoll(yyyymmdd);
}

}  // namespace

Status SqlConsoleStore::add_staff(const std::string& login, const std::string& role,
                                     const std::string& password_hash, const std::string& actor,
                                     Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto q = c->prepare(
      "INSERT INTO staff(login, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT(login) DO NOTHING");
  if (!q) return q.error();
  REPAY_TRY(q->bind(1, login).bind(2, role).bind(3, password_hash).bind(4, to_unix_ms(now))
                .bind(5, to_unix_ms(now)).run());
  if (c->changes() == 0) return make_error("CONFLICT", "a staff account with this login exists", "login", login);
  REPAY_TRY(audit_staff(*c, now, actor, login, "", "ACTIVE", "account created, role " + role));
  return tx.commit();
}

Status SqlConsoleStore::set_password(const std::string& login, const std::string& password_hash,
                                        const std::string& actor, Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto q = c->prepare(
      "UPDATE staff SET password_hash = ?, failed_logins = 0, locked_at = NULL, updated_at = ? "
      "WHERE login = ?");
  if (!q) return q.error();
  REPAY_TRY(q->bind(1, password_hash).bind(2, to_unix_ms(now)).bind(3, login).run());
  if (c->changes() == 0) return make_error("NOT_FOUND", "no staff account with this login", "login", login);
  // Sessions opened with the old password end.
  auto end = c->prepare("DELETE FROM staff_sessions WHERE login = ?");
  if (!end) return end.error();
  REPAY_TRY(end->bind(1, login).run());
  REPAY_TRY(audit_staff(*c, now, actor, login, "", "ACTIVE", "password set"));
  return tx.commit();
}

Status SqlConsoleStore::unlock(const std::string& login, const std::string& actor, Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto q = c->prepare(
      "UPDATE staff SET failed_logins = 0, locked_at = NULL, updated_at = ? WHERE login = ?");
  if (!q) return q.error();
  REPAY_TRY(q->bind(1, to_unix_ms(now)).bind(2, login).run());
  if (c->changes() == 0) return make_error("NOT_FOUND", "no staff account with this login", "login", login);
  REPAY_TRY(audit_staff(*c, now, actor, login, "LOCKED", "ACTIVE", "unlocked"));
  return tx.commit();
}

Status SqlConsoleStore::refused(const std::string& login, const std::string& what, Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(audit_staff(*c, now, "staff:" + login, login, "", "REFUSED", what));
  return tx.commit();
}

namespace {
const char* kStaffColumns =
    "login, role, password_hash, failed_logins, COALESCE(locked_at, -1), created_at FROM staff";
StaffAccount staff_of(Stmt& q) {
  StaffAccount a;
  a.login = q.text(0);
  a.role = q.text(1);
  a.password_hash = q.text(2);
  a.failed_logins = static_cast<int>(q.integer(3));
  a.locked = q.integer(4) >= 0;
  if (a.locked) a.locked_at = from_unix_ms(q.integer(4));
  a.created_at = from_unix_ms(q.integer(5));
  return a;
}
}  // namespace

Result<std::vector<StaffAccount>> SqlConsoleStore::list_staff() {
  auto c = store_.pool().acquire();
  auto q = c->prepare(std::string("SELECT ") + kStaffColumns + " ORDER BY login");
  if (!q) return q.error();
  std::vector<StaffAccount> out;
  REPAY_TRY(each_row(*q, [&](Stmt& s) { out.push_back(staff_of(s)); }));
  return out;
}

Result<std::optional<StaffAccount>> SqlConsoleStore::staff(const std::string& login) {
  auto c = store_.pool().acquire();
  auto q = c->prepare(std::string("SELECT ") + kStaffColumns + " WHERE login = ?");
  if (!q) return q.error();
  q->bind(1, login);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StaffAccount>();
  return std::optional<StaffAccount>(staff_of(*q));
}

Result<bool> SqlConsoleStore::login_failed(const std::string& login, int max_failures,
                                              Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  // One conditional update: concurrent failures cannot both stay under the limit.
  auto q = c->prepare(
      "UPDATE staff SET failed_logins = failed_logins + 1, "
      "locked_at = CASE WHEN locked_at IS NULL AND failed_logins + 1 >= ?1 THEN ?2 ELSE locked_at END, "
      "updated_at = ?2 WHERE login = ?3 RETURNING failed_logins, COALESCE(locked_at, -1)");
  if (!q) return q.error();
  q->bind(1, static_cast<int64_t>(max_failures)).bind(2, to_unix_ms(now)).bind(3, login);
  auto row = q->step();
  if (!row) return row.error();
  bool locked = false;
  if (*row) {
    const int64_t failures = q->integer(0);
    const int64_t locked_at = q->integer(1);
    locked = locked_at >= 0;
    REPAY_TRY(q->step());  // finishes the statement
    const bool just_locked = locked && locked_at == to_unix_ms(now) && failures == max_failures;
    REPAY_TRY(audit_staff(*c, now, "staff:" + login, login, "", just_locked ? "LOCKED" : "LOGIN_FAILED",
                          "failed login " + std::to_string(failures) + " of " +
                              std::to_string(max_failures)));
  } else {
    REPAY_TRY(append_audit(*c, AuditRow{0, now, "console", "staff", "(unknown)", "",
                                        "LOGIN_FAILED", "login with an unknown name"}));
  }
  REPAY_TRY(tx.commit());
  return locked;
}

namespace {

// A password accepted: the failure count starts again; refused (LOCKED) when the account is locked.
Status reset_failures(Connection& c, const std::string& login, Instant now) {
  auto q = c.prepare(
      "UPDATE staff SET failed_logins = 0, updated_at = ? WHERE login = ? AND locked_at IS NULL");
  if (!q) return q.error();
  REPAY_TRY(q->bind(1, to_unix_ms(now)).bind(2, login).run());
  if (c.changes() == 0) return make_error("LOCKED", "the account is locked", "login", login);
  return ok_status();
}

}  // namespace

Status SqlConsoleStore::login_succeeded(const std::string& login, const std::string& token_hash,
                                           const std::string& csrf, Instant now,
                                           Instant expires_at) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(reset_failures(*c, login, now));
  auto s = c->prepare(
      "INSERT INTO staff_sessions(token_hash, login, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
  if (!s) return s.error();
  REPAY_TRY(s->bind(1, token_hash).bind(2, login).bind(3, csrf).bind(4, to_unix_ms(now))
                .bind(5, to_unix_ms(expires_at)).run());
  REPAY_TRY(audit_staff(*c, now, "staff:" + login, login, "", "LOGIN", "logged in to the console"));
  return tx.commit();
}

Status SqlConsoleStore::password_accepted(const std::string& login, const std::string& what,
                                             Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(reset_failures(*c, login, now));
  REPAY_TRY(audit_staff(*c, now, "staff:" + login, login, "", "AUTHENTICATED", what));
  return tx.commit();
}

Result<std::optional<StaffSession>> SqlConsoleStore::session(const std::string& token_hash,
                                                                Instant now) {
  auto c = store_.pool().acquire();
  auto q = c->prepare(
      "SELECT s.login, a.role, s.csrf, s.expires_at FROM staff_sessions s JOIN staff a ON "
      "a.login = s.login WHERE s.token_hash = ? AND s.expires_at > ? AND a.locked_at IS NULL");
  if (!q) return q.error();
  q->bind(1, token_hash).bind(2, to_unix_ms(now));
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<StaffSession>();
  return std::optional<StaffSession>(
      StaffSession{q->text(0), q->text(1), q->text(2), from_unix_ms(q->integer(3))});
}

Status SqlConsoleStore::logout(const std::string& token_hash, const std::string& login,
                                  Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto q = c->prepare("DELETE FROM staff_sessions WHERE token_hash = ?");
  if (!q) return q.error();
  REPAY_TRY(q->bind(1, token_hash).run());
  REPAY_TRY(audit_staff(*c, now, "staff:" + login, login, "", "LOGOUT", "logged out"));
  return tx.commit();
}

Status SqlConsoleStore::purge_sessions(Instant now) {
  auto c = store_.pool().acquire();
  auto q = c->prepare("DELETE FROM staff_sessions WHERE expires_at <= ?");
  if (!q) return q.error();
  return q->bind(1, to_unix_ms(now)).run();
}

Result<std::vector<ExceptionRow>> SqlConsoleStore::exceptions(const std::string& state, int limit) {
  auto c = store_.pool().acquire();
  auto q = c->prepare(
      "SELECT id, kind, COALESCE(center_id, ''), COALESCE(channel_id, ''), ref, detail, state, "
      "created_at FROM exceptions WHERE (?1 = '' OR state = ?1) ORDER BY id DESC LIMIT ?2");
  if (!q) return q.error();
  q->bind(1, state).bind(2, static_cast<int64_t>(limit));
  std::vector<ExceptionRow> out;
  REPAY_TRY(each_row(*q, [&](Stmt& s) {
    out.push_back(ExceptionRow{s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                               s.text(6), from_unix_ms(s.integer(7)), {}});
  }));
  auto n = c->prepare(
      "SELECT at, login, note, resolved FROM exception_notes WHERE exception_id = ? ORDER BY id");
  if (!n) return n.error();
  for (auto& e : out) {
    n->reset().bind(1, e.id);
    REPAY_TRY(each_row(*n, [&](Stmt& s) {
      e.notes.push_back(ExceptionNote{from_unix_ms(s.integer(0)), s.text(1), s.text(2), s.integer(3) != 0});
    }));
  }
  return out;
}

Status SqlConsoleStore::add_exception_note(int64_t id, const std::string& login,
                                              const std::string& note, bool resolve, Instant now) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  std::string state;
  {
    auto q = c->prepare("SELECT state FROM exceptions WHERE id = ?");
    if (!q) return q.error();
    q->bind(1, id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return make_error("NOT_FOUND", "no such exception", "id", std::to_string(id));
    state = q->text(0);
  }
  if (resolve) {
    auto u = c->prepare("UPDATE exceptions SET state = 'RESOLVED' WHERE id = ? AND state = 'OPEN'");
    if (!u) return u.error();
    REPAY_TRY(u->bind(1, id).run());
    if (c->changes() == 0) {
      return make_error("REVIEW_STATE", "the exception is not open", "id", std::to_string(id));
    }
  }
  auto ins = c->prepare(
      "INSERT INTO exception_notes(exception_id, at, login, note, resolved) VALUES (?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  REPAY_TRY(ins->bind(1, id).bind(2, to_unix_ms(now)).bind(3, login).bind(4, note)
                .bind(5, static_cast<int64_t>(resolve ? 1 : 0)).run());
  REPAY_TRY(append_audit(*c, AuditRow{0, now, "staff:" + login, "exception", std::to_string(id), state,
                                      resolve ? "RESOLVED" : state, note}));
  return tx.commit();
}

Result<std::vector<ReconDay>> SqlConsoleStore::recon_days(const std::string& channel,
                                                             const std::string& date, int limit) {
  auto c = store_.pool().acquire();
  auto q = c->prepare(
      "SELECT channel_id, date, runs, outcomes, last_at FROM recon_runs WHERE (?1 = '' OR "
      "channel_id = ?1) AND (?2 = 0 OR date = ?2) ORDER BY date DESC, channel_id LIMIT ?3");
  if (!q) return q.error();
  q->bind(1, channel).bind(2, ymd_of(date)).bind(3, static_cast<int64_t>(limit));
  std::vector<ReconDay> out;
  REPAY_TRY(each_row(*q, [&](Stmt& s) {
    out.push_back(ReconDay{s.text(0), std::to_string(s.integer(1)), s.integer(2), s.integer(3),
                           from_unix_ms(s.integer(4)), {}});
  }));
  auto n = c->prepare(
      "SELECT class, count FROM recon_run_counts WHERE channel_id = ? AND date = ? AND count > 0 "
      "ORDER BY class");
  if (!n) return n.error();
  for (auto& d : out) {
    n->reset().bind(1, d.channel_id).bind(2, ymd_of(d.date));
    REPAY_TRY(each_row(*n, [&](Stmt& s) { d.counts[s.text(0)] = s.integer(1); }));
  }
  return out;
}

Result<std::vector<ReconResultRow>> SqlConsoleStore::recon_results(const std::string& channel,
                                                                      const std::string& date,
                                                                      int limit) {
  auto c = store_.pool().acquire();
  auto q = c->prepare(
      "SELECT req_sn, class, COALESCE(type, ''), COALESCE(channel_txn_no, ''), action, line_no, "
      "our_amount, bank_amount FROM recon_results WHERE channel_id = ? AND date = ? "
      "ORDER BY class, req_sn LIMIT ?");
  if (!q) return q.error();
  q->bind(1, channel).bind(2, ymd_of(date)).bind(3, static_cast<int64_t>(limit));
  std::vector<ReconResultRow> out;
  REPAY_TRY(each_row(*q, [&](Stmt& s) {
    ReconResultRow r;
    r.req_sn = s.text(0);
    r.klass = s.text(1);
    r.type = s.text(2);
    r.channel_txn_no = s.text(3);
    r.action = s.text(4);
    r.line_no = s.integer(5);
    if (!s.is_null(6)) r.our_amount = s.integer(6);
    if (!s.is_null(7)) r.bank_amount = s.integer(7);
    out.push_back(std::move(r));
  }));
  return out;
}

Result<std::vector<AuditRow>> SqlConsoleStore::audit(const AuditQuery& a) {
  auto c = store_.pool().acquire();
  auto q = c->prepare(
      "SELECT id, at, actor, entity, entity_id, COALESCE(old_state, ''), new_state, reason FROM audit "
      "WHERE (?1 = '' OR entity = ?1) AND (?2 = '' OR entity_id = ?2) AND (?3 = '' OR actor = ?3 OR "
      "substr(actor, 1, length(?3)) = ?3) AND (?4 < 0 OR at >= ?4) AND (?5 < 0 OR at < ?5) "
      "ORDER BY id DESC LIMIT ?6");
  if (!q) return q.error();
  q->bind(1, a.entity).bind(2, a.entity_id).bind(3, a.actor)
      .bind(4, a.from ? to_unix_ms(*a.from) : int64_t{-1})
      .bind(5, a.to ? to_unix_ms(*a.to) : int64_t{-1})
      .bind(6, static_cast<int64_t>(a.limit));
  std::vector<AuditRow> out;
  REPAY_TRY(each_row(*q, [&](Stmt& s) {
    out.push_back(AuditRow{s.integer(0), from_unix_ms(s.integer(1)), s.text(2), s.text(3), s.text(4),
                           s.text(5), s.text(6), s.text(7)});
  }));
  return out;
}

}  // namespace repay::store
