// SqlOutbox: the outbox of notifications to card centers (realtime/outbox.h,
// center-api.md: Notifications). A notification is written in the transaction that makes its
// transaction final; workers lease what is due, in order per key, and record every attempt.
#include "store/notify_sql.h"

#include "store/sql_audit_log.h"
#include "store/sql_outbox.h"

namespace repay::store {

using realtime::Notification;

namespace {

constexpr const char* kColumns =
    "id, center_id, key, url, body_fields, state, attempts, created_at, first_try_at, next_at, "
    "last_result";

Result<Notification> read_row(const Stmt& q) {
  Notification n;
  n.id = q.integer(0);
  n.center_id = q.text(1);
  n.key = q.text(2);
  n.url = q.text(3);
  auto fields = decode_notify_fields(q.text(4));
  if (!fields) {
    auto e = fields.error();
    e.where = "notification " + std::to_string(n.id);
    return e;
  }
  n.fields = std::move(*fields);
  n.state = q.text(5);
  n.attempts = static_cast<int>(q.integer(6));
  n.created_at = from_unix_ms(q.integer(7));
  if (!q.is_null(8)) n.first_try_at = from_unix_ms(q.integer(8));
  n.next_at = from_unix_ms(q.integer(9));
  n.last_result = q.text(10);
  return n;
}

Result<std::vector<Notification>> read_all(Stmt& q) {
  std::vector<Notification> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) break;
    auto n = read_row(q);
    if (!n) return n.error();
    out.push_back(std::move(*n));
  }
  return out;
}

Error not_found(int64_t id) {
  return make_error("NOT_FOUND", "no such notification", "id", std::to_string(id));
}

}  // namespace

std::string encode_notify_fields(const NotifyFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '\n';
    out += name;
    out += '=';
    for (char ch : value) {
      switch (ch) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += ch;
      }
    }
  }
  return out;
}

Result<NotifyFields> decode_notify_fields(std::string_view text) {
  NotifyFields out;
  if (text.empty()) return out;
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return make_error("DB", "notification body line without '='", "body_fields", std::string(line));
    }
    std::string value;
    for (size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] != '\\') {
        value += line[i];
        continue;
      }
      const char next = i + 1 < line.size() ? line[i + 1] : '\0';
      if (next == '\\') value += '\\';
      else if (next == 'n') value += '\n';
      else if (next == 'r') value += '\r';
      else return make_error("DB", "bad escape in notification body", "body_fields", std::string(line));
      ++i;
    }
    out.emplace_back(std::string(line.substr(0, eq)), std::move(value));
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

Status enqueue_notification(Connection& c, const Notification& n) {
  auto q = c.prepare(
      "INSERT INTO notifications(center_id, key, url, body_fields, state, attempts, created_at, "
      "next_at) VALUES (?, ?, ?, ?, 'PENDING', 0, ?, ?)");
  if (!q) return q.error();
  const int64_t created = to_unix_ms(n.created_at);
  // The first try is at once: due as soon as the caller's transaction commits.
  return q->bind(1, n.center_id)
      .bind(2, n.key)
      .bind(3, n.url)
      .bind(4, encode_notify_fields(n.fields))
      .bind(5, created)
      .bind(6, created)
      .run();
}

Result<std::optional<Notification>> find_notification(Connection& c, int64_t id) {
  auto q = c.prepare(std::string("SELECT ") + kColumns + " FROM notifications WHERE id = ?");
  if (!q) return q.error();
  q->bind(1, id);
  auto all = read_all(*q);
  if (!all) return all.error();
  if (all->empty()) return std::optional<Notification>();
  return std::optional<Notification>(std::move(all->front()));
}

Result<bool> lease_notification(Connection& c, int64_t id, Instant now, Instant until) {
  // Guarded by what made it due: under READ COMMITTED another worker's lease (or delivery)
  // committed since the read fails the guard, so exactly one worker takes it.
  auto up = c.prepare(
      "UPDATE notifications SET next_at = ? WHERE id = ? AND state = 'PENDING' AND next_at <= ?");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, to_unix_ms(until)).bind(2, id).bind(3, to_unix_ms(now)).run());
  return c.changes() == 1;
}

Result<std::vector<Notification>> SqlOutbox::due_notifications(Instant now, int max,
                                                                 std::chrono::milliseconds lease) {
  if (max <= 0) return std::vector<Notification>();
  auto c = pool_->acquire();
  // One write transaction: a notification is leased by exactly one worker, whichever node it
  // runs on.
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  // In order per key: only the oldest PENDING notification of a key may be tried, even when it
  // waits for its next retry; one that gave up no longer holds back the later ones.
  auto q = c->prepare(
      std::string("SELECT ") + kColumns + " FROM notifications n "
      "WHERE n.state = 'PENDING' AND n.next_at <= ? AND NOT EXISTS (SELECT 1 FROM notifications o "
      "WHERE o.key = n.key AND o.state = 'PENDING' AND o.id < n.id) "
      "ORDER BY n.next_at, n.id LIMIT ?");
  if (!q) return q.error();
  q->bind(1, to_unix_ms(now)).bind(2, static_cast<int64_t>(max));
  auto due = read_all(*q);
  if (!due) return due.error();
  const Instant until = now + lease;
  std::vector<Notification> leased;
  for (auto& n : *due) {
    auto took = lease_notification(*c, n.id, now, until);
    if (!took) return took.error();
    if (!*took) continue;  // leased or settled by another worker since the read
    n.next_at = until;
    leased.push_back(std::move(n));
  }
  REPAY_TRY(tx.commit());
  return leased;
}

Status SqlOutbox::record_attempt(int64_t id, bool delivered, const std::string& result,
                                   std::optional<Instant> next, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t now_ms = to_unix_ms(now);
  {
    // Only a PENDING notification changes state: one an operator or another worker has settled
    // meanwhile keeps its state, but the attempt is counted and kept in the history.
    auto up = c->prepare(
        "UPDATE notifications SET attempts = attempts + 1, "
        "first_try_at = COALESCE(first_try_at, ?1), last_result = ?2, "
        "state = CASE WHEN state <> 'PENDING' THEN state WHEN ?3 THEN 'DELIVERED' "
        "WHEN ?4 IS NULL THEN 'GAVE_UP' ELSE 'PENDING' END, "
        "next_at = CASE WHEN state = 'PENDING' AND NOT ?3 AND ?4 IS NOT NULL THEN ?4 ELSE next_at END, "
        "delivered_at = CASE WHEN state = 'PENDING' AND ?3 THEN ?1 ELSE delivered_at END "
        "WHERE id = ?5");
    if (!up) return up.error();
    up->bind(1, now_ms).bind(2, result).bind(3, static_cast<int64_t>(delivered ? 1 : 0));
    if (next) up->bind(4, to_unix_ms(*next));
    else up->bind_null(4);
    REPAY_TRY(up->bind(5, id).run());
    if (c->changes() == 0) return not_found(id);
  }
  {
    auto ins = c->prepare(
        "INSERT INTO notification_attempts(notification_id, at, result) VALUES (?, ?, ?)");
    if (!ins) return ins.error();
    REPAY_TRY(ins->bind(1, id).bind(2, now_ms).bind(3, result).run());
  }
  return tx.commit();
}

Result<std::vector<Notification>> SqlOutbox::list_notifications(const std::string& center,
                                                                  const std::string& state,
                                                                  int limit) {
  auto c = pool_->acquire();
  auto q = c->prepare(std::string("SELECT ") + kColumns + " FROM notifications "
                      "WHERE (?1 = '' OR center_id = ?1) AND (?2 = '' OR state = ?2) "
                      "ORDER BY id DESC LIMIT ?3");
  if (!q) return q.error();
  q->bind(1, center).bind(2, state).bind(3, static_cast<int64_t>(limit > 0 ? limit : -1));
  return read_all(*q);
}

Result<std::vector<std::pair<Instant, std::string>>> SqlOutbox::attempts_of(int64_t id) {
  auto c = pool_->acquire();
  auto q = c->prepare(
      "SELECT at, result FROM notification_attempts WHERE notification_id = ? ORDER BY at, rowid");
  if (!q) return q.error();
  q->bind(1, id);
  std::vector<std::pair<Instant, std::string>> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.emplace_back(from_unix_ms(q->integer(0)), q->text(1));
  }
  return out;
}

Status SqlOutbox::retry_notification(int64_t id, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  std::string old_state;
  // The update is conditional on the state read, so that the audit row says what changed: a
  // worker may settle the notification between the two statements (READ COMMITTED); then it is
  // read again.
  for (bool changed = false; !changed;) {
    {
      auto q = c->prepare("SELECT state FROM notifications WHERE id = ?");
      if (!q) return q.error();
      q->bind(1, id);
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) return not_found(id);
      old_state = q->text(0);
    }
    if (old_state == "DELIVERED") {
      return make_error("STATE", "the notification was delivered; nothing to retry", "id",
                        std::to_string(id));
    }
    // Attempts are kept: a notification that had given up gets one more try, and gives up
    // again (with a new alert) if that fails.
    auto up = c->prepare(
        "UPDATE notifications SET state = 'PENDING', next_at = ? WHERE id = ? AND state = ?");
    if (!up) return up.error();
    REPAY_TRY(up->bind(1, to_unix_ms(now)).bind(2, id).bind(3, old_state).run());
    changed = c->changes() == 1;
  }
  REPAY_TRY(append_audit(*c, AuditRow{0, now, "staff", "notification", std::to_string(id),
                                      old_state, "PENDING", "retry by an operator"}));
  return tx.commit();
}

}  // namespace repay::store
