// Batch's store: a late fact for a force-failed item inside another capability's transaction
// (store/sql_batch_store.h, record_late_fact): reconciliation's statement that lists it debited.
#include "core/ids.h"
#include "debit/item.h"
#include "store/sql_audit_log.h"
#include "store/sql_batch_store.h"

namespace repay::store {

Result<bool> record_late_fact(Connection& c, const batch::ItemKey& key, const batch::BankFact& fact,
                              Instant now, const std::string& actor) {
  auto sel = c.prepare(
      "SELECT state, forced, COALESCE(late_state, ''), debit_amount, version FROM batch_items "
      "WHERE center_id = ? AND batch_no = ? AND seq = ?");
  if (!sel) return sel.error();
  sel->bind(1, key.center_id).bind(2, key.batch_no).bind(3, key.seq);
  auto row = sel->step();
  if (!row) return row.error();
  if (!*row) return false;
  auto state = debit::item_state_from_text(sel->text(0));
  if (!state) return state.error();
  auto late_state = debit::late_state_from_text(sel->text(2));
  if (!late_state) return late_state.error();
  const batch::ItemView v{*state, sel->integer(1) != 0, *late_state, sel->integer(3)};
  const int64_t version = sel->integer(4);
  sel->reset();
  // A statement's word comes after the force-fail time (files.md: a forced item stays FAILED for
  // the card center; what the bank did is its late state).
  const batch::Transition t = debit::next(v, fact, false);
  if (t.kind != batch::Transition::Kind::kLate) return false;
  auto late = c.prepare(
      "UPDATE batch_items SET late_state = ?, channel_txn_no = COALESCE(?, channel_txn_no), "
      "settle_date = COALESCE(?, settle_date), version = version + 1, updated_at = ? "
      "WHERE center_id = ? AND batch_no = ? AND seq = ? AND version = ?");
  if (!late) return late.error();
  REPAY_TRY(late->bind(1, debit::to_text(t.late_state)).bind_opt(2, fact.channel_txn_no).bind(3, fact.settle_date)
                .bind(4, to_unix_ms(now)).bind(5, key.center_id).bind(6, key.batch_no)
                .bind(7, key.seq).bind(8, version).run());
  if (c.changes() != 1) return false;
  const std::string ref = ids::batch_item_ref(key.center_id, key.batch_no, key.seq);
  REPAY_TRY(append_audit(c, AuditRow{0, now, actor, "batch_item", ref, std::string("FAILED/") + debit::to_text(v.late_state),
                                     std::string("FAILED/") + debit::to_text(t.late_state), t.why + ": " + fact.detail}));
  return true;
}

}  // namespace repay::store
