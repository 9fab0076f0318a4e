// SqlOpsStore::day_records: what the daily report needs of one CST day. Batches by their
// batchDate (with all their items), real-time repayments, refunds and exceptions by creation time.
#include "store/ops_sql.h"

namespace repay::store {
namespace {

Instant at_or_zero(Stmt& q, int col) { return q.is_null(col) ? Instant{} : from_unix_ms(q.integer(col)); }

}  // namespace

Result<report::DayRecords> SqlOpsStore::day_records(Date day, const std::string& center) {
  report::DayRecords d;
  const int64_t from = to_unix_ms(cst_day_start(day));
  const int64_t to = to_unix_ms(cst_day_start(day + boost::gregorian::days(1)));
  auto c = store_.pool().acquire();
  {
    auto q = c->prepare(
        "SELECT center_id, batch_no, state, total_count, total_amount, received_at, force_fail_at, "
        "returned_at FROM batches WHERE batch_date = ?1 AND (?2 = '' OR center_id = ?2) "
        "ORDER BY center_id, batch_no");
    if (!q) return q.error();
    q->bind(1, format_date(day)).bind(2, center);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      report::BatchRecord b;
      b.center_id = q->text(0);
      b.batch_no = q->text(1);
      b.state = q->text(2);
      b.total_count = q->integer(3);
      b.total_amount = q->integer(4);
      b.received_at = from_unix_ms(q->integer(5));
      b.force_fail_at = from_unix_ms(q->integer(6));
      b.returned_at = at_or_zero(*q, 7);
      d.batches.push_back(std::move(b));
    }
  }
  auto read_items = [&](const char* sql, char source, auto bind) -> Status {
    auto q = c->prepare(sql);
    if (!q) return q.error();
    bind(*q);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) return ok_status();
      report::ItemRecord i;
      i.center_id = q->text(0);
      i.source = source;
      i.batch_no = q->text(1);
      i.state = q->text(2);
      i.resp_code = q->text(3);
      i.amount = q->integer(4);
      i.fee = q->integer(5);
      i.debit_amount = q->integer(6);
      i.forced = q->integer(7) != 0;
      i.finished_at = at_or_zero(*q, 8);
      d.items.push_back(std::move(i));
    }
  };
  REPAY_TRY(read_items(
      "SELECT i.center_id, i.batch_no, i.state, COALESCE(i.resp_code, ''), i.amount, i.fee, "
      "i.debit_amount, i.forced, i.finished_at FROM batches b JOIN batch_items i "
      "ON i.center_id = b.center_id AND i.batch_no = b.batch_no "
      "WHERE b.batch_date = ?1 AND (?2 = '' OR b.center_id = ?2)",
      'B', [&](Stmt& q) { q.bind(1, format_date(day)).bind(2, center); }));
  REPAY_TRY(read_items(
      "SELECT center_id, '', state, COALESCE(resp_code, ''), amount, fee, debit_amount, 0, "
      "finished_at FROM repayments WHERE created_at >= ?1 AND created_at < ?2 "
      "AND (?3 = '' OR center_id = ?3)",
      'R', [&](Stmt& q) { q.bind(1, from).bind(2, to).bind(3, center); }));
  {
    auto q = c->prepare(
        "SELECT center_id, origin, state, amount FROM refunds WHERE created_at >= ?1 AND created_at < ?2 "
        "AND (?3 = '' OR center_id = ?3)");
    if (!q) return q.error();
    q->bind(1, from).bind(2, to).bind(3, center);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      d.refunds.push_back({q->text(0), q->text(1), q->text(2), q->integer(3)});
    }
  }
  {
    auto q = c->prepare(
        "SELECT COALESCE(center_id, ''), kind FROM exceptions WHERE created_at >= ?1 AND created_at < ?2 "
        "AND (?3 = '' OR center_id = ?3)");
    if (!q) return q.error();
    q->bind(1, from).bind(2, to).bind(3, center);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      d.exceptions.push_back({q->text(0), q->text(1)});
    }
  }
  return d;
}

}  // namespace repay::store
