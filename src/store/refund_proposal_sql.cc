#include "store/refund_proposal.h"

#include "core/ids.h"
#include "store/sequences.h"
#include "store/sql_audit_log.h"

namespace repay::store {

Result<std::optional<std::string>> insert_refund_proposal(Connection& c, const RefundProposal& p,
                                                          Instant now, const std::string& actor) {
  {
    auto q = c.prepare(
        "SELECT 1 FROM refunds WHERE origin = 'US' AND reason = ? AND orig_txn_no = ?");
    if (!q) return q.error();
    q->bind(1, p.reason).bind(2, p.orig_txn_no);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) return std::optional<std::string>();
  }
  auto no = reserve_in(c, "refund_no", 1);
  if (!no) return no.error();
  const std::string refund_no = ids::refund_no(now, *no);
  const int64_t now_ms = to_unix_ms(now);
  auto ins = c.prepare(
      "INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, "
      "orig_batch_no, orig_ref, channel_id, orig_req_sn, amount, fee, cardholder_fee, debit_amount, "
      "state, created_at, created_by, updated_at) VALUES (?, ?, 'US', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, 'PENDING_REVIEW', ?, ?, ?) ON CONFLICT DO NOTHING");
  if (!ins) return ins.error();
  REPAY_TRY(ins->bind(1, refund_no).bind(2, p.center_id).bind(3, p.reason).bind(4, p.orig_txn_no)
                .bind_opt(5, p.orig_source).bind_opt(6, p.orig_batch_no).bind_opt(7, p.orig_ref)
                .bind_opt(8, p.channel_id).bind_opt(9, p.orig_req_sn).bind(10, p.amount)
                .bind(11, p.fee).bind(12, p.cardholder_fee).bind(13, p.debit_amount)
                .bind(14, now_ms).bind(15, actor).bind(16, now_ms).run());
  // The unique key is the guard when another node proposed it meanwhile.
  if (c.changes() != 1) return std::optional<std::string>();
  REPAY_TRY(append_audit(c, AuditRow{0, now, actor, "refund", refund_no, "", "PENDING_REVIEW",
                                     p.reason + ": " + p.why}));
  return std::optional<std::string>(refund_no);
}

}  // namespace repay::store
