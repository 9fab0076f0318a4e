// What the bundle (store/stores.h) does itself, and the small stores it holds that have no file of
// their own: the audit log, nonces, sequences and ReqSns, the outbox's lookup.
#include "store/stores.h"

#include <chrono>
#include <vector>

#include "core/ids.h"
#include "store/notify_sql.h"

namespace repay::store {

Status append_audit(Connection& c, const AuditRow& row) {
  auto s = c.prepare(
      "INSERT INTO audit(at, actor, entity, entity_id, old_state, new_state, reason) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!s) return s.error();
  return s->bind(1, to_unix_ms(row.at))
      .bind(2, row.actor)
      .bind(3, row.entity)
      .bind(4, row.entity_id)
      .bind_opt(5, row.old_state)
      .bind(6, row.new_state)
      .bind(7, row.reason)
      .run();
}

Result<std::vector<AuditRow>> SqlAuditLog::audit_of(const std::string& entity,
                                                    const std::string& entity_id) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT id, at, actor, entity, entity_id, old_state, new_state, reason FROM audit "
      "WHERE entity = ? AND entity_id = ? ORDER BY id");
  if (!s) return s.error();
  s->bind(1, entity).bind(2, entity_id);
  std::vector<AuditRow> rows;
  for (;;) {
    auto r = s->step();
    if (!r) return r.error();
    if (!*r) break;
    rows.push_back(AuditRow{s->integer(0), from_unix_ms(s->integer(1)), s->text(2), s->text(3),
                            s->text(4), s->text(5), s->text(6), s->text(7)});
  }
  return rows;
}

Result<bool> SqlNonceStore::remember_nonce(const std::string& sender, const std::string& nonce,
                                         Instant now, int memory_seconds,
                                         std::chrono::milliseconds max_wait) {
  // One statement: a new nonce inserts; a nonce seen longer ago than the window is taken anew;
  // a nonce seen within the window changes nothing — a replay.
  if (pool_->write_then_queues() && !pool_->in_write_batch()) {
    // Group commit: written by the writer thread in its next batch, so that this thread (an HTTP
    // one) does not compete with the writer for the write lock; no sync of its own (below).
    // Bounded: while another process holds the write lock the writer waits up to 10 s per batch,
    // and a card center is owed an answer within its realtime_timeout (center-api.md). After
    // max_wait the caller answers 9999 (system error, retry later) and nothing else of the
    // request runs; the nonce may still be stored later (harmless: the request did nothing).
    auto fresh = std::make_shared<std::optional<Result<bool>>>();
    const auto committed = pool_->write_committed(
        [this, fresh, sender, nonce, now, memory_seconds, max_wait] {
          *fresh = remember_nonce(sender, nonce, now, memory_seconds, max_wait);
        },
        max_wait);
    if (!committed) {
      return make_error("BUSY", "nonce not stored within " + std::to_string(max_wait.count()) +
                                    " ms: the database is busy");
    }
    if (!*committed || !*fresh) return make_error("DB", "nonce not stored");
    return **fresh;
  }
  auto c = pool_->acquire();
  // No fsync of its own (docs/performance.md, Real time): in WAL mode a later FULL commit syncs
  // the whole log, nonces written before it included. So the nonce of a request that stored
  // anything (its claim, its fact: committed after the nonce) is as durable as what it stored;
  // one lost to a power loss belongs to a request that stored nothing, which a replay then
  // executes once — as the original would have been. Restored below, on every path.
  // (The writer's connection, lent in its batch, never syncs at its commits.)
  REPAY_TRY(c->relax_durability());
  struct Restore {
    Connection& c;
    ~Restore() { c.restore_durability(); }
  } restore{*c};
  auto s = c->prepare(
      "INSERT INTO nonces(sender, nonce, seen_at) VALUES (?, ?, ?) "
      "ON CONFLICT(sender, nonce) DO UPDATE SET seen_at = excluded.seen_at "
      "WHERE nonces.seen_at < ?");
  if (!s) return s.error();
  const int64_t now_ms = to_unix_ms(now);
  REPAY_TRY(s->bind(1, sender).bind(2, nonce).bind(3, now_ms)
                .bind(4, now_ms - int64_t{memory_seconds} * 1000).run());
  return c->changes() == 1;
}

Status SqlNonceStore::purge_nonces(Instant now, int memory_seconds) {
  auto c = pool_->acquire();
  auto s = c->prepare("DELETE FROM nonces WHERE seen_at < ?");
  if (!s) return s.error();
  return s->bind(1, to_unix_ms(now) - int64_t{memory_seconds} * 1000).run();
}

Result<std::vector<std::string>> reserve_req_sns(Connection& c, int64_t count) {
  std::vector<std::string> out;
  if (count <= 0) return out;
  auto first = reserve_in(c, "req_sn", count);
  if (!first) return first.error();
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out.push_back(ids::req_sn(*first + i));
  return out;
}

Result<int64_t> reserve_in(Connection& c, const std::string& name, int64_t count) {
  {
    auto ins = c.prepare("INSERT INTO sequences(name, next_value) VALUES (?, 1) "
                          "ON CONFLICT(name) DO NOTHING");
    if (!ins) return ins.error();
    REPAY_TRY(ins->bind(1, name).run());
  }
  auto up = c.prepare(
      "UPDATE sequences SET next_value = next_value + ? WHERE name = ? RETURNING next_value");
  if (!up) return up.error();
  up->bind(1, count).bind(2, name);
  auto row = up->step();
  if (!row) return row.error();
  if (!*row) return make_error("DB", "sequence " + name + " vanished");
  int64_t first = up->integer(0) - count;
  REPAY_TRY(up->run());
  return first;
}

Result<int64_t> reserve_sequence(Pool& pool, const std::string& name, int64_t count) {
  auto c = pool.acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto first = reserve_in(*c, name, count);
  if (!first) return first.error();
  REPAY_TRY(tx.commit());
  return *first;
}

Result<std::string> next_req_sn(Pool& pool) {
  auto c = pool.acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto sn = reserve_req_sns(*c, 1);
  if (!sn) return sn.error();
  REPAY_TRY(tx.commit());
  return sn->front();
}

Result<int64_t> Stores::count_rows(const std::string& table) {
  auto c = pool_->acquire();
  auto s = c->prepare("SELECT COUNT(*) FROM " + table);  // table names come from code, not input
  if (!s) return s.error();
  auto r = s->step();
  if (!r) return r.error();
  return s->integer(0);
}

Result<std::optional<realtime::Notification>> SqlOutbox::notification(int64_t id) {
  auto c = pool_->acquire();
  return find_notification(*c, id);
}

}  // namespace repay::store
