#include "store/settle_jobs_sql.h"

#include "store/sql_audit_log.h"

namespace repay::store {
namespace {

// Makes sure the job's row exists, inside the caller's write transaction.
Status ensure_row(Connection& c, const settlement::JobKey& k) {
  auto s = c.prepare(
      "INSERT INTO settle_jobs(job, subject, period) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  if (!s) return s.error();
  return s->bind(1, k.job).bind(2, k.subject).bind(3, k.period).run();
}

}  // namespace

Result<settlement::JobRecord> SqlJobStore::job(const settlement::JobKey& k) {
  auto c = pool_.acquire();
  auto s = c->prepare(
      "SELECT done_at IS NOT NULL, alerted_at IS NOT NULL, attempts, next_at, last_error, detail "
      "FROM settle_jobs WHERE job = ? AND subject = ? AND period = ?");
  if (!s) return s.error();
  s->bind(1, k.job).bind(2, k.subject).bind(3, k.period);
  auto row = s->step();
  if (!row) return row.error();
  settlement::JobRecord r;
  if (!*row) return r;
  r.done = s->integer(0) != 0;
  r.alerted = s->integer(1) != 0;
  r.attempts = static_cast<int>(s->integer(2));
  r.next_at = from_unix_ms(s->integer(3));
  r.last_error = s->text(4);
  r.detail = s->text(5);
  return r;
}

Status SqlJobStore::job_failed(const settlement::JobKey& k, const std::string& error,
                                  Instant next_at, Instant now) {
  auto c = pool_.acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(ensure_row(*c, k));
  auto s = c->prepare(
      "UPDATE settle_jobs SET attempts = attempts + 1, last_error = ?, next_at = ?, updated_at = ? "
      "WHERE job = ? AND subject = ? AND period = ? AND done_at IS NULL");
  if (!s) return s.error();
  REPAY_TRY(s->bind(1, error).bind(2, to_unix_ms(next_at)).bind(3, to_unix_ms(now)).bind(4, k.job)
                .bind(5, k.subject).bind(6, k.period).run());
  return tx.commit();
}

Status SqlJobStore::job_done(const settlement::JobKey& k, const std::string& detail, Instant now) {
  auto c = pool_.acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(ensure_row(*c, k));
  auto s = c->prepare(
      "UPDATE settle_jobs SET attempts = attempts + 1, done_at = ?, detail = ?, last_error = '', "
      "updated_at = ? WHERE job = ? AND subject = ? AND period = ? AND done_at IS NULL");
  if (!s) return s.error();
  REPAY_TRY(s->bind(1, to_unix_ms(now)).bind(2, detail).bind(3, to_unix_ms(now)).bind(4, k.job)
                .bind(5, k.subject).bind(6, k.period).run());
  return tx.commit();
}

Result<bool> SqlJobStore::job_alerted(const settlement::JobKey& k, const settlement::JobAlert& a,
                                         Instant now) {
  auto c = pool_.acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(ensure_row(*c, k));
  auto s = c->prepare(
      "UPDATE settle_jobs SET alerted_at = ?, updated_at = ? WHERE job = ? AND subject = ? AND "
      "period = ? AND alerted_at IS NULL");
  if (!s) return s.error();
  REPAY_TRY(s->bind(1, to_unix_ms(now)).bind(2, to_unix_ms(now)).bind(3, k.job).bind(4, k.subject)
                .bind(5, k.period).run());
  if (c->changes() != 1) return false;
  auto e = c->prepare(
      "INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) "
      "VALUES (?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?)");
  if (!e) return e.error();
  REPAY_TRY(e->bind(1, a.kind).bind(2, a.center_id).bind(3, a.channel_id)
                .bind(4, k.job + " " + k.subject + " " + k.period).bind(5, a.detail)
                .bind(6, to_unix_ms(now)).run());
  REPAY_TRY(append_audit(*c, AuditRow{0, now, "job:settle", "job", k.job + " " + k.subject + " " + k.period,
                                      "", "ALERTED", a.kind + ": " + a.detail}));
  REPAY_TRY(tx.commit());
  return true;
}

Result<Date> SqlJobStore::first_day(Instant now) {
  auto c = pool_.acquire();
  {
    auto s = c->prepare(
        "INSERT INTO settle_jobs(job, subject, period, detail, done_at) VALUES ('START', '*', '*', ?, ?) "
        "ON CONFLICT DO NOTHING");
    if (!s) return s.error();
    REPAY_TRY(s->bind(1, format_date(cst_date(now))).bind(2, to_unix_ms(now)).run());
  }
  auto s = c->prepare("SELECT detail FROM settle_jobs WHERE job = 'START' AND subject = '*' AND period = '*'");
  if (!s) return s.error();
  auto row = s->step();
  if (!row) return row.error();
  auto d = parse_date(s->text(0));
  if (!*row || !d) return make_error("DB", "settle_jobs START row unreadable", "detail", s->text(0));
  return *d;
}

}  // namespace repay::store
