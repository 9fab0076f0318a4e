// SqlBatchStore: deadlines, return files and batch status (batch/ports.h).
#include "batch/batch_state.h"
#include "batch/force_fail.h"
#include "core/codes.h"
#include "debit/item.h"
#include "store/batch_blocks.h"
#include "store/sql_audit_log.h"
#include "store/sql_batch_store.h"

namespace repay::store {

using batch::BatchSummary;
using batch::FileRecord;
using batch::ItemKey;

namespace {

// The batch's own columns, first in every query of batch summaries: center_id, batch_no,
// batch_date, state, received_at, send_from_at, force_fail_at, encoding, return_file, returned_at.
constexpr const char* kBatchHead =
    "b.center_id, b.batch_no, b.batch_date, b.state, b.received_at, b.send_from_at, "
    "b.force_fail_at, b.encoding, b.return_file, COALESCE(b.returned_at, 0)";
constexpr int kBatchHeadColumns = 10;

Result<BatchSummary> batch_head(const Stmt& q) {
  BatchSummary s;
  s.center_id = q.text(0);
  s.batch_no = q.text(1);
  s.batch_date = q.text(2);
  auto state = batch::batch_state_from_text(q.text(3));
  if (!state) return state.error();
  s.state = *state;
  s.received_at = from_unix_ms(q.integer(4));
  s.send_from_at = from_unix_ms(q.integer(5));
  s.force_fail_at = from_unix_ms(q.integer(6));
  s.encoding = q.text(7);
  s.return_file = q.text(8);
  s.returned_at = from_unix_ms(q.integer(9));
  return s;
}

// "((state = ?7 AND maybe_debited = ?8) OR ...)": the classes of one force-fail outcome, bound
// from parameter `first` on (its state, then 0 or 1).
std::string classes_sql(size_t n, int first) {
  std::string sql;
  for (size_t i = 0; i < n; ++i, first += 2) {
    sql += std::string(i ? " OR " : "") + "(state = ?" + std::to_string(first) +
           " AND maybe_debited = ?" + std::to_string(first + 1) + ")";
  }
  return "(" + sql + ")";
}

void bind_classes(Stmt& s, int first, const std::vector<batch::ItemClass>& classes) {
  for (const auto& k : classes) {
    s.bind(first++, debit::to_text(k.state));
    s.bind(first++, int64_t{k.maybe_debited ? 1 : 0});
  }
}

// One force-fail outcome in a statement: the parameter of its value (its code, or its audit
// reason) and the condition of its classes, whose parameters follow the value's.
struct OutcomeSql {
  int value_param = 0;
  std::string cond;
};
std::vector<OutcomeSql> outcome_sql(const std::vector<batch::ForceFailOutcome>& outcomes, int first) {
  std::vector<OutcomeSql> out;
  for (const auto& o : outcomes) {
    out.push_back(OutcomeSql{first, classes_sql(o.classes.size(), first + 1)});
    first += 1 + 2 * static_cast<int>(o.classes.size());
  }
  return out;
}
// "CASE WHEN <classes of the first> THEN ?v1 WHEN ... END": each item's outcome value.
std::string case_of(const std::vector<OutcomeSql>& os) {
  std::string sql = "CASE";
  for (const auto& o : os) sql += " WHEN " + o.cond + " THEN ?" + std::to_string(o.value_param);
  return sql + " END";
}
// Every outcome's classes: the items the force-fail takes.
std::string any_of(const std::vector<OutcomeSql>& os) {
  std::string sql;
  for (const auto& o : os) sql += (sql.empty() ? "" : " OR ") + o.cond;
  return "(" + sql + ")";
}
void bind_outcome(Stmt& s, const OutcomeSql& o, const std::string& value,
                  const batch::ForceFailOutcome& outcome) {
  s.bind(o.value_param, value);
  bind_classes(s, o.value_param + 1, outcome.classes);
}

}  // namespace

Result<bool> force_fail_batch(Connection& c, const std::string& center,
                              const std::string& batch_no, Instant now, const std::string& actor) {
  const int64_t now_ms = to_unix_ms(now);
  // The batch row first, then its items: the one lock order of every batch write
  // (docs/decisions.md, Rules in their capabilities). Closing it is the OPEN check itself — one
  // conditional update — so two nodes never both force-fail a batch, and a batch closed meanwhile
  // (every item final, or another node) is left alone.
  int64_t ff = 0;
  {
    auto up = c.prepare(
        "UPDATE batches SET state = 'CLOSED', open_items = 0, closed_at = ? WHERE center_id = ? "
        "AND batch_no = ? AND state = 'OPEN' RETURNING force_fail_at");
    if (!up) return up.error();
    up->bind(1, now_ms).bind(2, center).bind(3, batch_no);
    auto row = up->step();
    if (!row) return row.error();
    if (!*row) return false;
    ff = up->integer(0);
    REPAY_TRY(up->run());
  }
  // Items still packed were never sent: rows first, then failed with the others (3002).
  if (auto n = unpack_batch(c, center, batch_no); !n) return n.error();
  // files.md: items not final at the force-fail time are F with 3001 (sent, result unknown) or
  // 3002 (never sent), as batch::force_fail_outcomes says for each class of item; finishTime is
  // the force-fail time. What the bank did with a sent one is still resolved (late_state). One
  // pass over the batch's items for every outcome (its audit rows, then the items): each
  // outcome's classes are one condition, used in the CASEs and, all together, in the WHERE.
  const std::vector<batch::ForceFailOutcome> outcomes = batch::force_fail_outcomes();
  {
    // ?1 now, ?2 actor, ?3 center, ?4 batchNo; then per outcome its reason and its classes.
    const std::vector<OutcomeSql> os = outcome_sql(outcomes, 5);
    auto a = c.prepare(
        "INSERT INTO audit(at, actor, entity, entity_id, old_state, new_state, reason) "
        "SELECT ?1, ?2, 'batch_item', center_id || ':' || batch_no || ':' || seq, state, "
        "'FAILED', " + case_of(os) + " FROM batch_items WHERE center_id = ?3 AND batch_no = ?4 AND " +
        any_of(os));
    if (!a) return a.error();
    a->bind(1, now_ms).bind(2, actor).bind(3, center).bind(4, batch_no);
    for (size_t i = 0; i < os.size(); ++i) bind_outcome(*a, os[i], outcomes[i].why, outcomes[i]);
    REPAY_TRY(a->run());
  }
  {
    // ?1 the force-fail time, ?2 now, ?3 center, ?4 batchNo, ?5 UNRESOLVED; then per outcome its
    // code and its classes. A 3001 item is queried at once, its backoff started afresh
    // (batch/pipeline.h): what the bank did is a new question from now on, and a count run up
    // by claims that crashes cut short would space its queries minutes apart. A 3002 one keeps
    // its next_at (nothing to resolve).
    const std::vector<OutcomeSql> os = outcome_sql(outcomes, 6);
    std::string later;  // the outcomes resolved later, by QUERY
    for (size_t i = 0; i < os.size(); ++i) {
      if (outcomes[i].resolved_later) later += (later.empty() ? "" : " OR ") + os[i].cond;
    }
    if (later.empty()) later = "0 = 1";
    auto up = c.prepare(
        "UPDATE batch_items SET resp_code = " + case_of(os) + ", late_state = CASE WHEN " + later +
        " THEN ?5 END, next_at = CASE WHEN " + later + " THEN ?2 ELSE next_at END, "
        "query_count = CASE WHEN " + later + " THEN 0 ELSE query_count END, "
        "state = 'FAILED', forced = 1, finished_at = ?1, claim_node = NULL, "
        "version = version + 1, updated_at = ?2 WHERE center_id = ?3 AND batch_no = ?4 AND " +
        any_of(os));
    if (!up) return up.error();
    up->bind(1, ff).bind(2, now_ms).bind(3, center).bind(4, batch_no)
        .bind(5, debit::to_text(batch::LateState::kUnresolved));
    for (size_t i = 0; i < os.size(); ++i) bind_outcome(*up, os[i], outcomes[i].code, outcomes[i]);
    REPAY_TRY(up->run());
  }
  REPAY_TRY(append_audit(c, AuditRow{0, now, actor, "batch", center + ":" + batch_no,
                                      "OPEN", "CLOSED", "force-fail time reached"}));
  return true;
}

Result<batch::ForceFailRound> SqlBatchStore::force_fail_due(Instant now, const std::string& actor) {
  std::vector<ItemKey> due;
  {
    auto c = pool_->acquire();
    auto q = c->prepare("SELECT center_id, batch_no FROM batches WHERE state = 'OPEN' AND force_fail_at <= ?");
    if (!q) return q.error();
    q->bind(1, to_unix_ms(now));
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      due.push_back(ItemKey{q->text(0), q->text(1), 0});
    }
  }
  batch::ForceFailRound round;
  for (const auto& b : due) {
    // Each batch on its own (issue 16): one that fails never keeps another from its deadline.
    auto one = [&]() -> Result<bool> {
      auto c = pool_->acquire();
      WriteTx tx(*c);
      REPAY_TRY(tx.begin());
      auto done = force_fail_batch(*c, b.center_id, b.batch_no, now, actor);
      if (!done) return done.error();
      if (!*done) return false;
      REPAY_TRY(tx.commit());
      return true;
    }();
    if (!one) {
      round.failed.emplace_back(b, one.error());
    } else if (*one) {
      round.closed.push_back(b);
    }
  }
  return round;
}

Result<std::vector<BatchSummary>> SqlBatchStore::summaries(Connection& c, std::string_view where,
                                                         const std::vector<std::string>& args) {
  auto q = c.prepare(
      std::string("SELECT ") + kBatchHead + ", "
      // One pass over each batch's items (it was seven: docs/performance.md, Deadline).
      // The totals from the header (an accepted file's are the details'): items still packed
      // (store/batch_blocks.h) have no row yet.
      "b.total_count, b.total_amount, "
      "COALESCE(SUM(i.state = 'SUCCESS'), 0), "
      "COALESCE(SUM(CASE WHEN i.state = 'SUCCESS' THEN i.amount ELSE 0 END), 0), "
      "COALESCE(SUM(i.state = 'FAILED' OR i.state = 'REJECTED'), 0), "
      "COALESCE(SUM(CASE WHEN i.state = 'FAILED' OR i.state = 'REJECTED' THEN i.amount ELSE 0 END), 0), "
      "COALESCE(SUM(i.forced = 1), 0) "
      "FROM batches b LEFT JOIN batch_items i ON i.center_id = b.center_id AND i.batch_no = b.batch_no "
      "WHERE " + std::string(where) +
      " GROUP BY b.center_id, b.batch_no ORDER BY b.force_fail_at, b.center_id, b.batch_no");
  if (!q) return q.error();
  for (size_t i = 0; i < args.size(); ++i) q->bind(static_cast<int>(i + 1), args[i]);
  std::vector<BatchSummary> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto head = batch_head(*q);
    if (!head) return head.error();
    BatchSummary s = std::move(*head);
    constexpr int h = kBatchHeadColumns;
    s.total = q->integer(h);
    s.total_amount = q->integer(h + 1);
    s.success = q->integer(h + 2);
    s.success_amount = q->integer(h + 3);
    s.failed = q->integer(h + 4);
    s.fail_amount = q->integer(h + 5);
    s.forced = q->integer(h + 6);
    s.open = s.total - s.success - s.failed;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<BatchSummary>> SqlBatchStore::returns_due() {
  auto c = pool_->acquire();
  return summaries(*c, "b.state = 'CLOSED'", {});
}

Result<std::vector<BatchSummary>> SqlBatchStore::batches(const std::string& center, bool open_only) {
  auto c = pool_->acquire();
  std::string where = open_only ? "b.state IN ('OPEN', 'CLOSED')" : "1 = 1";
  if (center.empty()) return summaries(*c, where, {});
  return summaries(*c, where + " AND b.center_id = ?", {center});
}

Result<std::vector<BatchSummary>> SqlBatchStore::returned_batches(Instant since, int limit) {
  auto c = pool_->acquire();
  auto q = c->prepare(
      std::string("SELECT ") + kBatchHead + ", b.total_count, b.total_amount FROM batches b "
      "WHERE b.state = 'RETURNED' AND b.returned_at >= ? "
      "ORDER BY b.returned_at DESC, b.center_id, b.batch_no LIMIT ?");
  if (!q) return q.error();
  q->bind(1, to_unix_ms(since)).bind(2, static_cast<int64_t>(limit));
  std::vector<BatchSummary> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto head = batch_head(*q);
    if (!head) return head.error();
    BatchSummary s = std::move(*head);
    s.total = q->integer(kBatchHeadColumns);
    s.total_amount = q->integer(kBatchHeadColumns + 1);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::optional<BatchSummary>> SqlBatchStore::batch(const std::string& center,
                                                       const std::string& batch_no) {
  auto c = pool_->acquire();
  auto r = summaries(*c, "b.center_id = ? AND b.batch_no = ?", {center, batch_no});
  if (!r) return r.error();
  if (r->empty()) return std::optional<BatchSummary>();
  return std::optional<BatchSummary>(r->front());
}

Result<std::vector<FileRecord>> SqlBatchStore::rejections_due() {
  auto c = pool_->acquire();
  auto q = c->prepare(
      "SELECT center_id, file_name, sha256, size, received_at, status, batch_no, batch_date, "
      "header_count, header_amount, error, return_file FROM batch_files "
      "WHERE status <> '00' AND returned_at IS NULL ORDER BY id");
  if (!q) return q.error();
  std::vector<FileRecord> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    FileRecord f;
    f.center_id = q->text(0);
    f.file_name = q->text(1);
    f.sha256 = q->text(2);
    f.size = static_cast<uint64_t>(q->integer(3));
    f.received_at = from_unix_ms(q->integer(4));
    f.status = q->text(5);
    f.batch_no = q->text(6);
    f.batch_date = q->text(7);
    f.header_count = q->integer(8);
    f.header_amount = q->integer(9);
    f.error = q->text(10);
    f.return_file = q->text(11);
    out.push_back(std::move(f));
  }
  return out;
}

Status SqlBatchStore::for_each_return_line(const std::string& center, const std::string& batch_no,
                                         const std::function<Status(const batch::ReturnRow&)>& f) {
  auto c = pool_->acquire();
  auto q = c->prepare(
      "SELECT seq, item_id, amount, cardholder_fee, debit_amount, state, resp_code, "
      "COALESCE(txn_no, ''), COALESCE(finished_at, 0) FROM batch_items WHERE center_id = ? AND "
      "batch_no = ? ORDER BY seq");
  if (!q) return q.error();
  q->bind(1, center).bind(2, batch_no);
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    batch::ReturnRow r;
    r.seq = q->integer(0);
    r.item_id = q->text(1);
    r.amount = q->integer(2);
    r.cardholder_fee = q->integer(3);
    r.debit_amount = q->integer(4);
    const std::string state = q->text(5);
    r.resp_code = q->text(6);
    r.txn_no = q->text(7);
    r.finished_at = from_unix_ms(q->integer(8));
    auto parsed = debit::item_state_from_text(state);
    if (!parsed || !debit::is_final(*parsed)) {
      return make_error("RETURN", "item " + std::to_string(r.seq) + " is not final (" + state + ")",
                        "seq", std::to_string(r.seq));
    }
    r.state = *parsed;
    REPAY_TRY(f(r));
  }
  return ok_status();
}

Status SqlBatchStore::mark_returned(const std::string& center, const std::string& batch_no,
                                  const std::string& file_name, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto up = c->prepare(
      "UPDATE batches SET state = 'RETURNED', return_file = ?, returned_at = ? WHERE center_id = ? "
      "AND batch_no = ? AND state = 'CLOSED'");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, file_name).bind(2, to_unix_ms(now)).bind(3, center).bind(4, batch_no).run());
  if (c->changes() == 1) {
    REPAY_TRY(append_audit(*c, AuditRow{0, now, "job:return", "batch", center + ":" + batch_no,
                                        "CLOSED", "RETURNED", "return file " + file_name + " published"}));
  }
  return tx.commit();
}

Status SqlBatchStore::mark_rejection_returned(const std::string& center, const std::string& file_name,
                                            const std::string& sha256, Instant now) {
  auto c = pool_->acquire();
  auto up = c->prepare(
      "UPDATE batch_files SET returned_at = ? WHERE center_id = ? AND file_name = ? AND sha256 = ? "
      "AND returned_at IS NULL");
  if (!up) return up.error();
  return up->bind(1, to_unix_ms(now)).bind(2, center).bind(3, file_name).bind(4, sha256).run();
}

Result<int64_t> SqlBatchStore::finished_since(const std::string& center, const std::string& batch_no,
                                            Instant since) {
  auto c = pool_->acquire();
  auto q = c->prepare(
      "SELECT COUNT(*) FROM batch_items WHERE center_id = ? AND batch_no = ? AND finished_at >= ?");
  if (!q) return q.error();
  q->bind(1, center).bind(2, batch_no).bind(3, to_unix_ms(since));
  auto row = q->step();
  if (!row) return row.error();
  return q->integer(0);
}

}  // namespace repay::store
