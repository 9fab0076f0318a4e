// SqlOpsStore::read_gauges: counts for /metrics. Items are counted only for batches not yet
// returned (a few per center), through their primary key, so a scrape stays cheap however many
// returned items the database holds.
#include "store/ops_sql.h"

namespace repay::store {
namespace {

Status read_counts(Connection& c, const char* sql, std::vector<ops::CountBy>* out) {
  auto q = c.prepare(sql);
  if (!q) return q.error();
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return ok_status();
    out->push_back({q->text(0), q->text(1), q->integer(2)});
  }
}

}  // namespace

Result<ops::StoreReading> SqlOpsStore::read_gauges() {
  ops::StoreReading r;
  auto c = store_.pool().acquire();
  REPAY_TRY(read_counts(*c, "SELECT center_id, state, COUNT(*) FROM batches GROUP BY 1, 2", &r.batches));
  // Items still packed (store/batch_blocks.h) are PENDING ones without a row yet.
  REPAY_TRY(read_counts(*c,
      "SELECT center_id, state, SUM(n) FROM ("
      "SELECT i.center_id, i.state, COUNT(*) AS n FROM batches b JOIN batch_items i "
      "ON i.center_id = b.center_id AND i.batch_no = b.batch_no "
      "WHERE b.state <> 'RETURNED' GROUP BY 1, 2 UNION ALL "
      "SELECT k.center_id, 'PENDING', SUM(k.items) FROM batches b JOIN batch_blocks k "
      "ON k.center_id = b.center_id AND k.batch_no = b.batch_no "
      "WHERE b.state <> 'RETURNED' GROUP BY 1) GROUP BY 1, 2", &r.items));
  {
    auto q = c->prepare(
        "SELECT b.center_id, b.batch_no, b.state, b.total_count, b.force_fail_at, "
        "(SELECT COUNT(*) FROM batch_items i WHERE i.center_id = b.center_id AND i.batch_no = b.batch_no "
        " AND i.state IN ('PENDING', 'SENDING', 'UNKNOWN')) + "
        "(SELECT COALESCE(SUM(k.items), 0) FROM batch_blocks k WHERE k.center_id = b.center_id "
        " AND k.batch_no = b.batch_no) "
        "FROM batches b WHERE b.state <> 'RETURNED' ORDER BY b.force_fail_at");
    if (!q) return q.error();
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      r.open_batches.push_back({q->text(0), q->text(1), q->text(2), q->integer(3), q->integer(5),
                                from_unix_ms(q->integer(4))});
    }
  }
  REPAY_TRY(read_counts(*c,
      "SELECT state, '', COUNT(*) FROM notifications WHERE state IN ('PENDING', 'GAVE_UP') GROUP BY 1",
      &r.notifications));
  {
    auto q = c->prepare("SELECT MIN(created_at) FROM notifications WHERE state = 'PENDING'");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    if (*row && !q->is_null(0)) r.oldest_pending_notification = from_unix_ms(q->integer(0));
  }
  // Through the partial indexes of the unresolved ones: never a scan of every repayment.
  REPAY_TRY(read_counts(*c,
      "SELECT COALESCE(channel_id, ''), state, COUNT(*) FROM repayments INDEXED BY repayments_to_query "
      "WHERE state IN ('UNKNOWN', 'PENDING') GROUP BY 1, 2", &r.realtime_unresolved));
  REPAY_TRY(read_counts(*c,
      "SELECT COALESCE(channel_id, ''), state, COUNT(*) FROM repayments INDEXED BY repayments_sending "
      "WHERE state = 'SENDING' GROUP BY 1, 2", &r.realtime_unresolved));
  REPAY_TRY(read_counts(*c, "SELECT origin, state, COUNT(*) FROM refunds GROUP BY 1, 2", &r.refunds));
  REPAY_TRY(read_counts(*c,
      "SELECT k.channel_id, k.class, k.count FROM recon_run_counts k "
      "JOIN (SELECT channel_id, MAX(date) AS date FROM recon_run_counts GROUP BY channel_id) l "
      "ON l.channel_id = k.channel_id AND l.date = k.date ORDER BY 1, 2", &r.recon));
  REPAY_TRY(read_counts(*c,
      "SELECT channel_id, '', MAX(date) FROM recon_run_counts GROUP BY channel_id", &r.recon_day));
  return r;
}

}  // namespace repay::store
