// SqlReviewStore: staff decisions on our refund proposals (domain.md flow 4) and staff's own
// proposals. Each action is one write transaction: review.h's rules, a conditional update of the
// refund, its refund_approvals row and its audit row; nothing changes when it is refused.
#include "core/codes.h"
#include "store/refund_proposal.h"
#include "store/review_sql.h"
#include "store/sql_audit_log.h"
#include "store/sql_realtime_store.h"

namespace repay::store {

using settlement::ApprovalDecision;
using settlement::ProposalRow;
using settlement::ReviewOutcome;

namespace {

constexpr const char* kExpiryActor = "job:review-expiry";

// What an action needs beyond the row: the refund's version and fee.
struct Current {
  ProposalRow row;
  int64_t version = 0;
  Fen fee = 0;
};

Result<std::optional<Current>> read_current(Connection& c, const std::string& refund_no) {
  auto row = read_proposal(c, refund_no);
  if (!row) return row.error();
  if (!row->has_value()) return std::optional<Current>();
  Current cur;
  cur.row = std::move(**row);
  auto q = c.prepare("SELECT version, fee FROM refunds WHERE refund_no = ?");
  if (!q) return q.error();
  q->bind(1, refund_no);
  auto r = q->step();
  if (!r) return r.error();
  cur.version = q->integer(0);
  cur.fee = q->integer(1);
  return std::optional<Current>(std::move(cur));
}

settlement::Proposal rules_view(const ProposalRow& r) {
  return settlement::Proposal{r.state, r.created_by, r.debit_amount, r.created_at, r.approvers};
}

Status record_decision(Connection& c, const std::string& refund_no, const std::string& actor,
                       const char* decision, const std::string& comment, Instant now) {
  auto ins = c.prepare(
      "INSERT INTO refund_approvals(refund_no, actor, decision, comment, at) VALUES (?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  return ins->bind(1, refund_no).bind(2, actor).bind(3, decision).bind(4, comment)
      .bind(5, to_unix_ms(now)).run();
}

std::string with_comment(std::string what, const std::string& comment) {
  if (!comment.empty()) what += ": " + comment;
  return what;
}

// Moves a pending proposal to a final review state (REJECTED, EXPIRED) with one conditional
// update; false when it was no longer pending at that version.
Result<bool> close_pending(Connection& c, const Current& cur, realtime::RefundState state,
                           const std::string& actor, Instant now) {
  const int64_t now_ms = to_unix_ms(now);
  auto up = c.prepare(
      "UPDATE refunds SET state = ?, reviewed_by = ?, finished_at = ?, version = version + 1, "
      "updated_at = ? WHERE refund_no = ? AND state = 'PENDING_REVIEW' AND version = ?");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, realtime::to_text(state)).bind(2, actor).bind(3, now_ms).bind(4, now_ms)
                .bind(5, cur.row.refund_no).bind(6, cur.version).run());
  return c.changes() == 1;
}

// The ceiling re-check at approval (center-api.md, refund; files.md, force-fail). One rule for
// every proposal, whatever its reason: what the original may give back (settlement::refundable_of:
// a SUCCESS repayment's principal; the whole debit the bank took of an original the card center
// was told failed, by its late state DEBITED or its statement line), reserved with one
// conditional update under the same ceiling as the card center's refunds. Returns the fee going
// back with it on the running total (settlement::refund_figures); nullopt: it does not fit (2008).
using Reservation = settlement::RefundFigures;
Result<std::optional<Reservation>> check_ceiling(Connection& c, const Current& cur, bool reserve) {
  const ProposalRow& r = cur.row;
  auto orig = find_refund_original(c, r.center_id, r.orig_txn_no);
  if (!orig) return orig.error();
  if (!orig->has_value()) return std::optional<Reservation>();
  const settlement::Refundable o = settlement::refundable_of((*orig)->facts());
  if (!o.ok) return std::optional<Reservation>();
  if (!reserve) {
    auto q = c.prepare("SELECT reserved FROM refund_ceilings WHERE txn_no = ?");
    if (!q) return q.error();
    q->bind(1, r.orig_txn_no);
    auto row = q->step();
    if (!row) return row.error();
    const Fen reserved = *row ? q->integer(0) : 0;
    if (!settlement::fits_ceiling(r.amount, o.principal, reserved)) return std::optional<Reservation>();
    // A first approval of two: the proposal's figures as they are.
    return std::optional<Reservation>(
        Reservation{r.amount, cur.fee, r.cardholder_fee, r.amount + r.cardholder_fee});
  }
  return reserve_refund_ceiling(c, r.orig_txn_no, r.center_id, o, r.amount);
}

Status audit_refusal(Pool& pool, const std::string& refund_no, const std::string& actor,
                     const std::string& state, const std::string& why, Instant now) {
  auto c = pool.acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "refund", refund_no, state, state, why}));
  return tx.commit();
}

Result<ProposalRow> reread(Connection& c, const std::string& refund_no) {
  auto row = read_proposal(c, refund_no);
  if (!row) return row.error();
  if (!row->has_value()) return make_error(codes::kNoSuchTxn, "no such refund proposal", "refundNo", refund_no);
  return std::move(**row);
}

}  // namespace

Result<ReviewOutcome> SqlReviewStore::approve(const std::string& refund_no,
                                                 const std::string& staff,
                                                 const std::string& comment,
                                                 const std::string& notify_url, Instant now,
                                                 const settlement::ReviewPolicy& policy) {
  if (!settlement::valid_login(staff)) {
    return make_error(codes::kInvalidField, "a staff login is [A-Za-z0-9._-]{1,64}", "staff", staff);
  }
  const std::string actor = settlement::staff_actor(staff);
  std::string refusal_code, refusal_why, refusal_state;
  {
    auto c = store_.pool().acquire();
    WriteTx tx(*c);
    REPAY_TRY(tx.begin());
    auto cur = read_current(*c, refund_no);
    if (!cur) return cur.error();
    if (!cur->has_value()) {
      return make_error(codes::kNoSuchTxn, "no such refund proposal", "refundNo", refund_no);
    }
    const Current& p = **cur;
    const ApprovalDecision d = settlement::decide_approval(rules_view(p.row), actor, now, policy);
    switch (d.kind) {
      case ApprovalDecision::Kind::kRepeat:
        return ReviewOutcome{ReviewOutcome::Kind::kRepeat, d.why, p.row};
      case ApprovalDecision::Kind::kRefused:
        if (d.code == settlement::kProposalExpired) {
          // Past its expiry: it expires now, whether or not the expiry job has run.
          auto closed = close_pending(*c, p, settlement::kExpired, kExpiryActor, now);
          if (!closed) return closed.error();
          if (*closed) {
            REPAY_TRY(append_audit(*c, AuditRow{0, now, kExpiryActor, "refund", refund_no,
                                                realtime::to_text(p.row.state),
                                                realtime::to_text(settlement::kExpired),
                                                "not reviewed within the expiry period"}));
          }
          REPAY_TRY(tx.commit());
        }
        return make_error(d.code, d.why, "refundNo", refund_no);
      case ApprovalDecision::Kind::kRecordOnly:
      case ApprovalDecision::Kind::kApprove:
        break;
    }
    const bool final_approval = d.kind == ApprovalDecision::Kind::kApprove;
    auto fits = check_ceiling(*c, p, final_approval);
    if (!fits) return fits.error();
    if (!fits->has_value()) {
      // Refused; the proposal stays pending (docs/decisions.md, Refund review). The transaction
      // rolls back; the refusal is audited on its own below.
      refusal_code = codes::kRefundNotAllowed;
      refusal_why = "approval refused: over the refundable amount";
      refusal_state = realtime::to_text(p.row.state);
    } else {
      const int64_t now_ms = to_unix_ms(now);
      std::string why;
      if (final_approval) {
        const Reservation& res = **fits;
        std::string reviewers;
        for (const auto& a : p.row.approvers) reviewers += a + ",";
        reviewers += actor;
        auto up = c->prepare(
            "UPDATE refunds SET state = 'APPROVED', fee = ?, cardholder_fee = ?, debit_amount = ?, "
            "reviewed_by = ?, notify_url = COALESCE(notify_url, ?), next_at = ?, "
            "version = version + 1, updated_at = ? "
            "WHERE refund_no = ? AND state = 'PENDING_REVIEW' AND version = ?");
        if (!up) return up.error();
        REPAY_TRY(up->bind(1, res.fee).bind(2, res.cardholder_fee)
                      .bind(3, res.debit_amount).bind(4, reviewers)
                      .bind_opt(5, notify_url).bind(6, now_ms).bind(7, now_ms).bind(8, refund_no)
                      .bind(9, p.version).run());
        if (c->changes() != 1) {
          return make_error(settlement::kNotPending, "the proposal changed meanwhile", "refundNo", refund_no);
        }
        why = p.row.approvers.empty() ? "approved" : "second approval (after " + p.row.approvers.front() + ")";
      } else {
        // A first approval of two: recorded; bump the version so a concurrent decision sees it.
        auto up = c->prepare(
            "UPDATE refunds SET version = version + 1, updated_at = ? "
            "WHERE refund_no = ? AND state = 'PENDING_REVIEW' AND version = ?");
        if (!up) return up.error();
        REPAY_TRY(up->bind(1, now_ms).bind(2, refund_no).bind(3, p.version).run());
        if (c->changes() != 1) {
          return make_error(settlement::kNotPending, "the proposal changed meanwhile", "refundNo", refund_no);
        }
        why = "first approval; a second, different approver is needed";
      }
      REPAY_TRY(record_decision(*c, refund_no, actor, "APPROVE", comment, now));
      const std::string new_state =
          realtime::to_text(final_approval ? settlement::kApproved : settlement::kPendingReview);
      REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "refund", refund_no, realtime::to_text(p.row.state), new_state,
                                          with_comment(why, comment)}));
      auto after = reread(*c, refund_no);
      if (!after) return after.error();
      REPAY_TRY(tx.commit());
      return ReviewOutcome{final_approval ? ReviewOutcome::Kind::kDone : ReviewOutcome::Kind::kWaitingSecond,
                           d.why, std::move(*after)};
    }
  }
  REPAY_TRY(audit_refusal(store_.pool(), refund_no, actor, refusal_state,
                          with_comment(refusal_why, comment), now));
  return make_error(refusal_code, refusal_why, "refundNo", refund_no);
}

Result<ReviewOutcome> SqlReviewStore::reject(const std::string& refund_no,
                                                const std::string& staff,
                                                const std::string& comment, Instant now) {
  if (!settlement::valid_login(staff)) {
    return make_error(codes::kInvalidField, "a staff login is [A-Za-z0-9._-]{1,64}", "staff", staff);
  }
  const std::string actor = settlement::staff_actor(staff);
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto cur = read_current(*c, refund_no);
  if (!cur) return cur.error();
  if (!cur->has_value()) {
    return make_error(codes::kNoSuchTxn, "no such refund proposal", "refundNo", refund_no);
  }
  const Current& p = **cur;
  if (p.row.state == settlement::kRejected) {
    // lessons.md: a repeat returns the original's answer and does nothing.
    auto q = c->prepare(
        "SELECT 1 FROM refund_approvals WHERE refund_no = ? AND actor = ? AND decision = 'REJECT'");
    if (!q) return q.error();
    q->bind(1, refund_no).bind(2, actor);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) return ReviewOutcome{ReviewOutcome::Kind::kRepeat, "already rejected by " + actor, p.row};
  }
  const auto d = settlement::decide_rejection(rules_view(p.row), actor, comment);
  if (!d.ok) return make_error(d.code, d.why, "refundNo", refund_no);
  auto closed = close_pending(*c, p, settlement::kRejected, actor, now);
  if (!closed) return closed.error();
  if (!*closed) return make_error(settlement::kNotPending, "the proposal changed meanwhile", "refundNo", refund_no);
  // A pending proposal holds no share of the ceiling (it is reserved at approval): nothing to give back.
  REPAY_TRY(record_decision(*c, refund_no, actor, "REJECT", comment, now));
  REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "refund", refund_no, realtime::to_text(p.row.state),
                                      realtime::to_text(settlement::kRejected), with_comment("rejected", comment)}));
  auto after = reread(*c, refund_no);
  if (!after) return after.error();
  REPAY_TRY(tx.commit());
  return ReviewOutcome{ReviewOutcome::Kind::kDone, "rejected", std::move(*after)};
}

Result<std::vector<std::string>> SqlReviewStore::expire_due(Instant now,
                                                               const settlement::ReviewPolicy& policy) {
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  // expires_at(created_at) <= now  <=>  created_at <= now - expiry.
  settlement::Proposal probe;
  probe.created_at = Instant{};
  const int64_t cutoff = to_unix_ms(now) - to_unix_ms(settlement::expires_at(probe, policy));
  std::vector<std::string> due;
  {
    auto q = c->prepare(
        "SELECT refund_no FROM refunds WHERE origin = 'US' AND state = 'PENDING_REVIEW' "
        "AND created_at <= ? ORDER BY created_at");
    if (!q) return q.error();
    q->bind(1, cutoff);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      due.push_back(q->text(0));
    }
  }
  std::vector<std::string> out;
  for (const auto& no : due) {
    auto cur = read_current(*c, no);
    if (!cur) return cur.error();
    if (!cur->has_value() || !settlement::is_expired(rules_view((*cur)->row), now, policy)) continue;
    auto closed = close_pending(*c, **cur, settlement::kExpired, kExpiryActor, now);
    if (!closed) return closed.error();
    if (!*closed) continue;
    REPAY_TRY(append_audit(*c, AuditRow{0, now, kExpiryActor, "refund", no,
                                        realtime::to_text(settlement::kPendingReview),
                                        realtime::to_text(settlement::kExpired), "not reviewed within the expiry period"}));
    out.push_back(no);
  }
  REPAY_TRY(tx.commit());
  return out;
}

Result<ProposalRow> SqlReviewStore::propose(const settlement::NewProposal& n, Instant now) {
  if (!settlement::valid_login(n.staff)) {
    return make_error(codes::kInvalidField, "a staff login is [A-Za-z0-9._-]{1,64}", "staff", n.staff);
  }
  if (n.amount <= 0 || n.amount > kMaxAmount) {
    return make_error(codes::kInvalidAmount, "the amount must be 1 to 99999999999 fen", "amount",
                      std::to_string(n.amount));
  }
  if (n.comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    return make_error(settlement::kCommentNeeded, "a proposal needs a comment saying why", "comment");
  }
  const std::string actor = settlement::staff_actor(n.staff);
  auto c = store_.pool().acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto orig = find_refund_original(*c, n.center_id, n.orig_txn_no);
  if (!orig) return orig.error();
  if (!orig->has_value()) {
    return make_error(codes::kNoSuchTxn, "no such repayment of this card center", "txnNo", n.orig_txn_no);
  }
  const RefundOriginal& o = **orig;
  // center-api.md, refund: only a SUCCESS repayment (a force-failed item is not one: its late
  // debit is LATE_SUCCESS's business).
  if (o.state != "SUCCESS") {
    return make_error(codes::kRefundNotAllowed, "the repayment is not a success", "txnNo", n.orig_txn_no);
  }
  Fen reserved = 0, fee_reserved = 0;
  {
    auto q = c->prepare("SELECT reserved, fee_reserved FROM refund_ceilings WHERE txn_no = ?");
    if (!q) return q.error();
    q->bind(1, n.orig_txn_no);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) {
      reserved = q->integer(0);
      fee_reserved = q->integer(1);
    }
  }
  // A first look: approval checks and reserves again at its own moment.
  const settlement::Refundable refundable = settlement::refundable_of(o.facts());
  if (!settlement::fits_ceiling(n.amount, refundable.principal, reserved)) {
    return make_error(codes::kRefundNotAllowed, "over the refundable amount", "amount",
                      std::to_string(n.amount));
  }
  // The fee is recomputed at approval on the running total then; this is its estimate now.
  const settlement::RefundFigures money =
      settlement::refund_figures(refundable, n.amount, reserved, fee_reserved);
  RefundProposal rp;
  rp.center_id = n.center_id;
  rp.reason = "OTHER";
  rp.orig_txn_no = n.orig_txn_no;
  rp.orig_source = o.source;
  rp.orig_batch_no = o.batch_no;
  rp.orig_ref = o.ref;
  rp.channel_id = o.channel_id;
  rp.orig_req_sn = o.req_sn;
  rp.amount = money.amount;
  rp.fee = money.fee;
  rp.cardholder_fee = money.cardholder_fee;
  rp.debit_amount = money.debit_amount;
  rp.why = n.comment;
  auto made = insert_refund_proposal(*c, rp, now, actor);
  if (!made) return made.error();
  if (!made->has_value()) {
    // One proposal per reason and TxnNo (refunds_proposal), OTHER included.
    return make_error(codes::kDuplicate, "an OTHER proposal of this repayment exists already",
                      "txnNo", n.orig_txn_no);
  }
  const std::string refund_no = **made;
  auto after = reread(*c, refund_no);
  if (!after) return after.error();
  REPAY_TRY(tx.commit());
  return std::move(*after);
}

}  // namespace repay::store
