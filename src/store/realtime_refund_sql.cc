// SqlRealtimeStore: refunds of the card center (realtime/ports.h) and the real-time resolver's work.
#include "core/codes.h"
#include "core/ids.h"
#include "core/money.h"
#include "realtime/answers.h"
#include "realtime/facts.h"
#include "store/realtime_lease.h"
#include "store/sequences.h"
#include "store/sql_audit_log.h"
#include "store/sql_outbox.h"
#include "store/sql_realtime_store.h"

namespace repay::store {

using realtime::RefundClaim;
using realtime::RefundView;

namespace {

const char* kRefundColumns =
    "COALESCE(refund_no, ''), center_id, origin, reason, COALESCE(req_no, ''), orig_txn_no, state, "
    "COALESCE(resp_code, ''), amount, cardholder_fee, debit_amount, COALESCE(finished_at, 0), "
    "answered_processing, COALESCE(channel_id, ''), COALESCE(req_sn, ''), COALESCE(orig_req_sn, ''), "
    "query_count, COALESCE(notify_url, ''), fee, version";

Result<RefundView> refund_of(Stmt& s) {
  RefundView v;
  v.refund_no = s.text(0);
  v.center_id = s.text(1);
  v.origin = s.text(2);
  v.reason = s.text(3);
  v.req_no = s.text(4);
  v.orig_txn_no = s.text(5);
  auto state = realtime::refund_state_from_text(s.text(6));
  if (!state) return state.error();
  v.state = *state;
  v.resp_code = s.text(7);
  v.amount = s.integer(8);
  v.cardholder_fee = s.integer(9);
  v.debit_amount = s.integer(10);
  v.finished_at = s.integer(11) ? from_unix_ms(s.integer(11)) : Instant{};
  v.answered_processing = s.integer(12) != 0;
  v.channel_id = s.text(13);
  v.req_sn = s.text(14);
  v.orig_req_sn = s.text(15);
  v.query_count = static_cast<int>(s.integer(16));
  v.notify_url = s.text(17);
  return v;
}

}  // namespace

Result<std::optional<RefundOriginal>> find_refund_original(Connection& c, const std::string& center,
                                                           const std::string& txn_no) {
  auto r = c.prepare(
      "SELECT state, COALESCE(channel_id, ''), COALESCE(req_sn, ''), req_no, amount, fee, "
      "cardholder_fee, debit_amount FROM repayments WHERE center_id = ? AND txn_no = ?");
  if (!r) return r.error();
  r->bind(1, center).bind(2, txn_no);
  auto row = r->step();
  if (!row) return row.error();
  std::optional<RefundOriginal> o;
  if (*row) {
    o = RefundOriginal{"R", r->text(0), r->text(1), r->text(2), "", r->text(3), r->integer(4),
                       r->integer(5), r->integer(6), false, r->integer(7), "", -1};
  } else {
    auto b = c.prepare(
        "SELECT state, COALESCE(channel_id, ''), COALESCE(req_sn, ''), batch_no, seq, amount, fee, "
        "cardholder_fee, forced, debit_amount, COALESCE(late_state, '') FROM batch_items "
        "WHERE center_id = ? AND txn_no = ?");
    if (!b) return b.error();
    b->bind(1, center).bind(2, txn_no);
    row = b->step();
    if (!row) return row.error();
    if (!*row) return std::optional<RefundOriginal>();
    o = RefundOriginal{"B", b->text(0), b->text(1), b->text(2), b->text(3),
                       b->text(3) + ":" + std::to_string(b->integer(4)), b->integer(5), b->integer(6),
                       b->integer(7), b->integer(8) != 0, b->integer(9), b->text(10), -1};
  }
  if (o->state != "SUCCESS" && !o->req_sn.empty()) {
    // The bank's word on a debit we hold failed: the statement line reconciliation kept.
    auto q = c.prepare("SELECT amount FROM bank_debits WHERE channel_id = ? AND req_sn = ?");
    if (!q) return q.error();
    q->bind(1, o->channel_id).bind(2, o->req_sn);
    auto got = q->step();
    if (!got) return got.error();
    if (*got) o->bank_debited = q->integer(0);
  }
  return o;
}

Result<std::optional<settlement::RefundFigures>> reserve_refund_ceiling(
    Connection& c, const std::string& txn_no, const std::string& center,
    const settlement::Refundable& o, Fen amount) {
  using Out = std::optional<settlement::RefundFigures>;
  if (!o.ok) return Out();
  // The ceiling row is there once a refund of the original was asked for, whether it fitted or
  // not (the console and `repay refunds show` print it).
  {
    auto ins = c.prepare(
        "INSERT INTO refund_ceilings(txn_no, center_id, amount, fee, cardholder_fee) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(txn_no) DO NOTHING");
    if (!ins) return ins.error();
    REPAY_TRY(ins->bind(1, txn_no).bind(2, center).bind(3, o.principal).bind(4, o.fee)
                  .bind(5, o.cardholder_fee).run());
  }
  // settlement::fits_ceiling's other half (0 < amount, amount within the principal) needs no
  // reserved total; the ceiling itself is the update's guard below.
  if (!settlement::fits_ceiling(amount, o.principal, 0)) return Out();
  // The ceiling is one conditional update (lessons.md: Hyperswitch #13182), its guard evaluated on
  // the row as this update finds it — never on a value read before — so concurrent refunds never
  // pass it together, and one that fits is never refused for having lost a race (under READ
  // COMMITTED the guard is evaluated again once a concurrent writer of the row commits). It
  // returns what was reserved before it, on which the fee is computed.
  Fen reserved = 0, fee_reserved = 0;
  {
    auto up = c.prepare(
        "UPDATE refund_ceilings SET reserved = reserved + ?1 WHERE txn_no = ?2 "
        "AND reserved >= 0 AND reserved + ?1 <= amount AND reserved + ?1 <= ?3 "
        "RETURNING reserved - ?1, fee_reserved");
    if (!up) return up.error();
    up->bind(1, amount).bind(2, txn_no).bind(3, o.principal);
    auto row = up->step();
    if (!row) return row.error();
    if (!*row) return Out();
    reserved = up->integer(0);
    fee_reserved = up->integer(1);
    REPAY_TRY(up->run());
  }
  // files.md, Fees of refunds: on the running total (settlement::refund_figures). The row is this
  // transaction's since the update above, so what it read is still what the row holds.
  const settlement::RefundFigures f = settlement::refund_figures(o, amount, reserved, fee_reserved);
  auto fee = c.prepare("UPDATE refund_ceilings SET fee_reserved = fee_reserved + ? WHERE txn_no = ?");
  if (!fee) return fee.error();
  REPAY_TRY(fee->bind(1, f.fee).bind(2, txn_no).run());
  return Out(f);
}

Status release_refund_ceiling(Connection& c, const std::string& txn_no, Fen amount, Fen fee) {
  auto rel = c.prepare(
      "UPDATE refund_ceilings SET reserved = reserved - ?, fee_reserved = fee_reserved - ? "
      "WHERE txn_no = ?");
  if (!rel) return rel.error();
  return rel->bind(1, amount).bind(2, fee).bind(3, txn_no).run();
}

Status raise_contradiction(Connection& c, const std::string& center, const std::string& channel,
                           const std::string& ref, const std::string& detail, int64_t now_ms) {
  // One per call and text, however often the channel repeats it (a notification, each QUERY).
  // Two writers that both found none: the open one's unique key keeps the second out.
  auto ex = c.prepare(
      "INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) "
      "SELECT 'BANK_CONTRADICTS', ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM exceptions "
      "WHERE kind = 'BANK_CONTRADICTS' AND ref = ?3 AND detail = ?4) "
      "ON CONFLICT (kind, ref, detail) WHERE kind = 'BANK_CONTRADICTS' AND state = 'OPEN' DO NOTHING");
  if (!ex) return ex.error();
  return ex->bind(1, center).bind_opt(2, channel).bind(3, ref).bind(4, detail).bind(5, now_ms).run();
}

Result<std::optional<RefundView>> SqlRealtimeStore::read_refund(Connection& c, std::string_view where,
                                                           const std::vector<std::string>& args) {
  auto s = c.prepare(std::string("SELECT ") + kRefundColumns + " FROM refunds WHERE " + std::string(where));
  if (!s) return s.error();
  for (size_t i = 0; i < args.size(); ++i) s->bind(static_cast<int>(i + 1), args[i]);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<RefundView>();
  auto v = refund_of(*s);
  if (!v) return v.error();
  return std::optional<RefundView>(std::move(*v));
}

Result<RefundClaim> SqlRealtimeStore::claim_refund(const realtime::NewRefund& n, Instant now,
                                              const std::string& node) {
  const std::string fingerprint = cipher_.lookup_hash(n.canonical);
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  RefundClaim out;
  // The ReqNo's first claim, when there is one: what a replay is answered.
  auto first_claim = [&]() -> Result<std::optional<RefundClaim>> {
    auto existing = c->prepare("SELECT fingerprint FROM refunds WHERE center_id = ? AND req_no = ?");
    if (!existing) return existing.error();
    existing->bind(1, n.center_id).bind(2, n.req_no);
    auto row = existing->step();
    if (!row) return row.error();
    if (!*row) return std::optional<RefundClaim>();
    RefundClaim first;
    if (existing->text(0) != fingerprint) {
      first.kind = RefundClaim::Kind::kConflict;
      return std::optional<RefundClaim>(first);
    }
    auto v = read_refund(*c, "center_id = ? AND req_no = ?", {n.center_id, n.req_no});
    if (!v) return v.error();
    first.kind = RefundClaim::Kind::kExisting;
    first.view = **v;
    return std::optional<RefundClaim>(first);
  };
  // Another claim of this ReqNo committed since the check below (the insert did nothing): it is
  // the first, and this one answers what it got; its reservation, RefundNo and ReqSn are rolled
  // back with this transaction.
  auto lost_to_first = [&]() -> Result<RefundClaim> {
    auto first = first_claim();
    if (!first) return first.error();
    if (!first->has_value()) return make_error("DB", "claim of a ReqNo vanished", "reqNo", n.req_no);
    return **first;
  };
  {
    auto first = first_claim();
    if (!first) return first.error();
    if (first->has_value()) return **first;
  }
  const int64_t now_ms = to_unix_ms(now);
  auto refuse = [&](const char* code) -> Result<RefundClaim> {
    auto ins = c->prepare(
        "INSERT INTO refunds(center_id, origin, req_no, fingerprint, orig_txn_no, amount, "
        "debit_amount, state, resp_code, created_at, created_by, finished_at, updated_at) "
        "VALUES (?, 'CENTER', ?, ?, ?, ?, 0, 'REFUSED', ?, ?, ?, ?, ?) "
        "ON CONFLICT (center_id, req_no) WHERE req_no IS NOT NULL DO NOTHING");
    if (!ins) return ins.error();
    REPAY_TRY(ins->bind(1, n.center_id).bind(2, n.req_no).bind(3, fingerprint).bind(4, n.orig_txn_no)
                  .bind(5, n.amount).bind(6, code).bind(7, now_ms)
                  .bind(8, "api:" + n.center_id + ":" + n.req_no).bind(9, now_ms).bind(10, now_ms).run());
    if (c->changes() != 1) return lost_to_first();
    auto v = read_refund(*c, "center_id = ? AND req_no = ?", {n.center_id, n.req_no});
    if (!v) return v.error();
    REPAY_TRY(tx.commit());
    RefundClaim r;
    r.view = **v;
    return r;
  };
  if (!n.reject_code.empty()) return refuse(n.reject_code.c_str());
  auto orig = find_refund_original(*c, n.center_id, n.orig_txn_no);
  if (!orig) return orig.error();
  if (!orig->has_value()) return refuse(codes::kNoSuchTxn);
  const RefundOriginal& o = **orig;
  // center-api.md: only a SUCCESS repayment of the same card center can be refunded (a
  // force-failed batch item is not a success).
  if (o.state != "SUCCESS") return refuse(codes::kRefundNotAllowed);
  auto reserved = reserve_refund_ceiling(*c, n.orig_txn_no, n.center_id,
                                         settlement::refundable_of(o.facts()), n.amount);
  if (!reserved) return reserved.error();
  if (!reserved->has_value()) return refuse(codes::kRefundNotAllowed);
  const Fen fee_k = (*reserved)->fee;
  const Fen to_card_fee = (*reserved)->cardholder_fee;
  auto no = reserve_in(*c, "refund_no", 1);
  if (!no) return no.error();
  auto sn = reserve_req_sns(*c, 1);
  if (!sn) return sn.error();
  const std::string refund_no = ids::refund_no(now, *no);
  auto ins = c->prepare(
      "INSERT INTO refunds(refund_no, center_id, origin, req_no, fingerprint, orig_txn_no, "
      "orig_source, orig_batch_no, orig_ref, channel_id, orig_req_sn, amount, fee, cardholder_fee, "
      "debit_amount, notify_url, state, req_sn, claim_node, created_at, created_by, updated_at) "
      "VALUES (?, ?, 'CENTER', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'SENDING', ?, ?, ?, ?, ?) "
      "ON CONFLICT (center_id, req_no) WHERE req_no IS NOT NULL DO NOTHING");
  if (!ins) return ins.error();
  REPAY_TRY(ins->bind(1, refund_no).bind(2, n.center_id).bind(3, n.req_no).bind(4, fingerprint)
                .bind(5, n.orig_txn_no).bind(6, o.source).bind_opt(7, o.batch_no).bind(8, o.ref)
                .bind(9, o.channel_id).bind(10, o.req_sn).bind(11, n.amount).bind(12, fee_k)
                .bind(13, to_card_fee).bind(14, n.amount + to_card_fee).bind_opt(15, n.notify_url)
                .bind(16, sn->front()).bind(17, node).bind(18, now_ms)
                .bind(19, "api:" + n.center_id + ":" + n.req_no).bind(20, now_ms).run());
  if (c->changes() != 1) return lost_to_first();
  REPAY_TRY(append_audit(*c, AuditRow{0, now, "api:" + n.center_id + ":" + n.req_no, "refund",
                                      refund_no, "", "SENDING", "the card center's refund of " + n.orig_txn_no}));
  auto v = read_refund(*c, "refund_no = ?", {refund_no});
  if (!v) return v.error();
  REPAY_TRY(tx.commit());
  out.kind = RefundClaim::Kind::kNew;
  out.view = **v;
  return out;
}

Result<RefundView> SqlRealtimeStore::apply_refund_fact(const std::string& refund_no,
                                                  const debit::BankFact& fact, Instant retry_at,
                                                  Instant now, const std::string& actor) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto before = read_refund(*c, "refund_no = ?", {refund_no});
  if (!before) return before.error();
  if (!before->has_value()) return make_error("DB", "no such refund", "refundNo", refund_no);
  const RefundView v = **before;
  int64_t version = 0;
  Fen fee = 0;
  {
    auto q = c->prepare("SELECT version, fee FROM refunds WHERE refund_no = ?");
    if (!q) return q.error();
    q->bind(1, refund_no);
    auto row = q->step();
    if (!row) return row.error();
    version = q->integer(0);
    fee = q->integer(1);
  }
  const int64_t now_ms = to_unix_ms(now);
  realtime::Step step;
  // Only refunds on their way to or at the bank take facts; a proposal under review does not.
  if (auto state = realtime::at_bank(v.state)) step = realtime::next_step(*state, v.debit_amount, fact);
  const debit::Transition& t = step.t;
  if (!step.exception.empty()) {
    REPAY_TRY(raise_contradiction(*c, v.center_id, v.channel_id, "RF:" + refund_no, step.exception, now_ms));
  }
  if (t.kind == debit::Transition::Kind::kApply) {
    const bool final_now = t.state == debit::ItemState::kSuccess || t.state == debit::ItemState::kFailed;
    auto up = c->prepare(
        "UPDATE refunds SET state = ?, resp_code = COALESCE(?, resp_code), "
        "channel_txn_no = COALESCE(?, channel_txn_no), settle_date = COALESCE(?, settle_date), "
        "finished_at = ?, next_at = ?, claim_node = NULL, version = version + 1, updated_at = ? "
        "WHERE refund_no = ? AND version = ?");
    if (!up) return up.error();
    up->bind(1, debit::to_text(t.state)).bind_opt(2, t.resp_code).bind_opt(3, fact.channel_txn_no)
        .bind_opt(4, fact.settle_date);
    if (final_now) up->bind(5, now_ms);
    else up->bind_null(5);
    REPAY_TRY(up->bind(6, to_unix_ms(retry_at)).bind(7, now_ms).bind(8, refund_no).bind(9, version).run());
    if (c->changes() == 1) {
      REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "refund", refund_no, realtime::to_text(v.state),
                                          debit::to_text(t.state), t.why}));
      // A failed refund no longer counts against the ceiling: the card center's, and our
      // approved proposals, whatever their reason (each reserves its share at approval).
      // Not one whose success of another amount was refused (step.exception): money may have
      // gone back to the card, so its share stays counted until staff have looked.
      if (t.state == debit::ItemState::kFailed && step.exception.empty() &&
          (v.origin == "CENTER" || v.origin == "US")) {
        REPAY_TRY(release_refund_ceiling(*c, v.orig_txn_no, v.amount, fee));
      }
      if (final_now) {
        auto after = read_refund(*c, "refund_no = ?", {refund_no});
        if (!after) return after.error();
        // center-api.md: when any refund of the card center becomes final, it is notified.
        if (!(*after)->notify_url.empty()) {
          realtime::Notification note;
          note.center_id = v.center_id;
          note.key = "REFUND:" + refund_no;
          note.url = (*after)->notify_url;
          note.fields = realtime::refund_notification(**after);
          note.created_at = now;
          REPAY_TRY(enqueue_notification(*c, note));
        }
      }
    }
  } else if (v.state == realtime::RefundState::kUnknown || v.state == realtime::RefundState::kPending) {
    auto up = c->prepare("UPDATE refunds SET next_at = ? WHERE refund_no = ? AND version = ?");
    if (!up) return up.error();
    REPAY_TRY(up->bind(1, to_unix_ms(retry_at)).bind(2, refund_no).bind(3, version).run());
  }
  auto after = read_refund(*c, "refund_no = ?", {refund_no});
  if (!after) return after.error();
  REPAY_TRY(tx.commit());
  return **after;
}

Result<RefundView> SqlRealtimeStore::answer_refund_processing(const std::string& refund_no, Instant now) {
  auto c = pool_->acquire();
  auto up = c->prepare(
      "UPDATE refunds SET answered_processing = 1, updated_at = ? WHERE refund_no = ? AND "
      "state IN ('PENDING', 'SENDING', 'UNKNOWN', 'APPROVED')");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, to_unix_ms(now)).bind(2, refund_no).run());
  auto v = read_refund(*c, "refund_no = ?", {refund_no});
  if (!v) return v.error();
  if (!v->has_value()) return make_error("DB", "no such refund", "refundNo", refund_no);
  return **v;
}

Result<std::optional<RefundView>> SqlRealtimeStore::refund_by_req_no(const std::string& center,
                                                                const std::string& req_no) {
  auto c = pool_->acquire();
  return read_refund(*c, "center_id = ? AND req_no = ?", {center, req_no});
}

Result<std::optional<RefundView>> SqlRealtimeStore::refund_by_no(const std::string& center,
                                                            const std::string& refund_no) {
  auto c = pool_->acquire();
  return read_refund(*c, "center_id = ? AND refund_no = ?", {center, refund_no});
}

Result<bool> lease_realtime_query(Connection& c, RealtimeTable table, const std::string& key,
                                  const std::string& node, Instant now, Instant until) {
  auto up = c.prepare(table == RealtimeTable::kRepayments
      ? "UPDATE repayments SET next_at = ?1, query_count = query_count + 1, claim_node = ?2 "
        "WHERE txn_no = ?3 AND state = 'UNKNOWN' AND next_at <= ?4"
      : "UPDATE refunds SET next_at = ?1, query_count = query_count + 1, claim_node = ?2 "
        "WHERE refund_no = ?3 AND state = 'UNKNOWN' AND next_at <= ?4");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, to_unix_ms(until)).bind(2, node).bind(3, key).bind(4, to_unix_ms(now)).run());
  return c.changes() == 1;
}

Result<std::vector<realtime::Work>> SqlRealtimeStore::claim_realtime_work(Instant now, int max,
                                                                     std::chrono::milliseconds lease,
                                                                     const std::string& node) {
  using realtime::Work;
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t now_ms = to_unix_ms(now);
  const Instant until = now + lease;
  std::vector<Work> out;
  {
    auto q = c->prepare(
        "SELECT txn_no, state, channel_id, req_sn, debit_amount, query_count, agreement_no "
        "FROM repayments WHERE state IN ('UNKNOWN', 'PENDING') AND next_at <= ? ORDER BY next_at LIMIT ?");
    if (!q) return q.error();
    q->bind(1, now_ms).bind(2, int64_t{max});
    std::vector<std::pair<Work, std::string>> rows;
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      Work w;
      w.kind = q->text(1) == "UNKNOWN" ? Work::Kind::kQueryRepay : Work::Kind::kResendRepay;
      w.key = q->text(0);
      w.channel_id = q->text(2);
      w.req_sn = q->text(3);
      w.amount = q->integer(4);
      w.query_count = static_cast<int>(q->integer(5));
      rows.emplace_back(std::move(w), q->text(6));
    }
    for (auto& [w, agreement_no] : rows) {
      const bool resend = w.kind == Work::Kind::kResendRepay;
      std::optional<realtime::DebitFields> debit;
      if (resend) {
        auto d = debit_fields(*c, agreement_no);
        if (!d) return d.error();
        if (!d->has_value()) {
          // center-api.md: a revoked agreement can no longer be used: not sent again.
          REPAY_TRY(fail_unsendable_repayment(*c, w.key, now, "job:realtime"));
          continue;
        }
        debit = std::move(*d);
      }
      if (resend) {
        auto up = c->prepare(
            "UPDATE repayments SET state = 'SENDING', claim_node = ?, next_at = ?, version = version + 1 "
            "WHERE txn_no = ? AND state = 'PENDING'");
        if (!up) return up.error();
        REPAY_TRY(up->bind(1, node).bind(2, now_ms + lease.count()).bind(3, w.key).run());
        if (c->changes() != 1) continue;
      } else {
        auto took = lease_realtime_query(*c, RealtimeTable::kRepayments, w.key, node, now, until);
        if (!took) return took.error();
        if (!*took) continue;
      }
      if (resend) {
        w.debit = std::move(*debit);
      } else {
        auto sn = reserve_req_sns(*c, 1);  // channel-api.md: QUERY has a fresh ReqSn of its own
        if (!sn) return sn.error();
        w.query_req_sn = sn->front();
      }
      out.push_back(std::move(w));
    }
  }
  {
    auto q = c->prepare(
        "SELECT refund_no, state, channel_id, COALESCE(req_sn, ''), orig_req_sn, debit_amount, query_count "
        "FROM refunds WHERE state IN ('UNKNOWN', 'PENDING', 'APPROVED') AND next_at <= ? "
        "ORDER BY next_at LIMIT ?");
    if (!q) return q.error();
    q->bind(1, now_ms).bind(2, int64_t{max});
    std::vector<Work> rows;
    std::vector<std::string> states;
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      Work w;
      w.kind = q->text(1) == "UNKNOWN" ? Work::Kind::kQueryRefund : Work::Kind::kSendRefund;
      w.key = q->text(0);
      w.channel_id = q->text(2);
      w.req_sn = q->text(3);
      w.orig_req_sn = q->text(4);
      w.amount = q->integer(5);
      w.query_count = static_cast<int>(q->integer(6));
      rows.push_back(std::move(w));
      states.push_back(q->text(1));
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      Work& w = rows[i];
      if (w.kind == Work::Kind::kQueryRefund) {
        auto took = lease_realtime_query(*c, RealtimeTable::kRefunds, w.key, node, now, until);
        if (!took) return took.error();
        if (!*took) continue;
      } else {
        if (w.req_sn.empty()) {
          // An approved proposal gets its ReqSn now, stored before the call.
          auto sn = reserve_req_sns(*c, 1);
          if (!sn) return sn.error();
          w.req_sn = sn->front();
        }
        auto up = c->prepare(
            "UPDATE refunds SET state = 'SENDING', req_sn = ?, claim_node = ?, next_at = ?, "
            "version = version + 1 WHERE refund_no = ? AND state = ?");
        if (!up) return up.error();
        REPAY_TRY(up->bind(1, w.req_sn).bind(2, node).bind(3, now_ms + lease.count()).bind(4, w.key)
                      .bind(5, states[i]).run());
        if (c->changes() != 1) continue;
      }
      if (w.kind == Work::Kind::kQueryRefund) {
        auto sn = reserve_req_sns(*c, 1);  // channel-api.md: QUERY has a fresh ReqSn of its own
        if (!sn) return sn.error();
        w.query_req_sn = sn->front();
      }
      out.push_back(std::move(w));
    }
  }
  REPAY_TRY(tx.commit());
  return out;
}

}  // namespace repay::store
