// SqlRealtimeStore: real-time repayments (realtime/ports.h).
#include <algorithm>

#include "core/codes.h"
#include "core/ids.h"
#include "realtime/answers.h"
#include "realtime/facts.h"
#include "signing/agreement.h"
#include "store/sequences.h"
#include "store/sql_audit_log.h"
#include "store/sql_outbox.h"
#include "store/sql_realtime_store.h"

namespace repay::store {

using realtime::RepayClaim;
using realtime::RepaymentView;

namespace {

const char* kRepayColumns =
    "center_id, req_no, COALESCE(txn_no, ''), state, COALESCE(resp_code, ''), amount, "
    "cardholder_fee, debit_amount, COALESCE(finished_at, 0), answered_processing, "
    "COALESCE(channel_id, ''), COALESCE(req_sn, ''), last_look_at, query_count, "
    "COALESCE(notify_url, ''), version";

Result<RepaymentView> repay_of(Stmt& s) {
  RepaymentView v;
  v.source = "R";
  v.center_id = s.text(0);
  v.req_no = s.text(1);
  v.txn_no = s.text(2);
  auto state = debit::item_state_from_text(s.text(3));
  if (!state) return state.error();
  v.state = *state;
  v.resp_code = s.text(4);
  v.amount = s.integer(5);
  v.cardholder_fee = s.integer(6);
  v.debit_amount = s.integer(7);
  v.finished_at = s.integer(8) ? from_unix_ms(s.integer(8)) : Instant{};
  v.answered_processing = s.integer(9) != 0;
  v.channel_id = s.text(10);
  v.req_sn = s.text(11);
  v.last_look_at = from_unix_ms(s.integer(12));
  v.query_count = static_cast<int>(s.integer(13));
  v.notify_url = s.text(14);
  return v;
}

}  // namespace

Result<std::optional<RepaymentView>> SqlRealtimeStore::read_repayment(Connection& c, std::string_view where,
                                                                 const std::vector<std::string>& args) {
  auto s = c.prepare(std::string("SELECT ") + kRepayColumns + " FROM repayments WHERE " + std::string(where));
  if (!s) return s.error();
  for (size_t i = 0; i < args.size(); ++i) s->bind(static_cast<int>(i + 1), args[i]);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<RepaymentView>();
  auto v = repay_of(*s);
  if (!v) return v.error();
  return std::optional<RepaymentView>(std::move(*v));
}

Result<std::optional<realtime::DebitFields>> SqlRealtimeStore::debit_fields(
    Connection& c, const std::string& agreement_no) {
  auto ag = c.prepare(
      "SELECT kind, COALESCE(protocol_no, ''), debit_card_enc, holder_name, id_type, id_no_enc, "
      "state FROM agreements WHERE agreement_no = ?");
  if (!ag) return ag.error();
  ag->bind(1, agreement_no);
  auto row = ag->step();
  if (!row) return row.error();
  if (!*row) return make_error("DB", "agreement vanished", "agreementNo", agreement_no);
  if (ag->text(6) != signing::to_text(signing::AgreementState::kActive)) {
    return std::optional<realtime::DebitFields>();
  }
  realtime::DebitFields d;
  d.kind = ag->text(0);
  d.protocol_no = ag->text(1);
  auto card = cipher_.decrypt(ag->blob(2));
  auto id_no = cipher_.decrypt(ag->blob(5));
  if (!card || !id_no) return make_error("CRYPTO", "agreement cannot be decrypted", "agreementNo", agreement_no);
  d.card_no = *card;
  d.name = ag->text(3);
  d.id_type = ag->text(4);
  d.id_no = *id_no;
  return std::optional<realtime::DebitFields>(std::move(d));
}

Status SqlRealtimeStore::fail_unsendable_repayment(Connection& c, const std::string& txn_no,
                                              Instant now, const std::string& actor) {
  const int64_t now_ms = to_unix_ms(now);
  auto up = c.prepare(
      "UPDATE repayments SET state = 'FAILED', resp_code = ?, finished_at = ?, next_at = ?, "
      "claim_node = NULL, version = version + 1, updated_at = ? WHERE txn_no = ? AND state = 'PENDING'");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, codes::kAgreementNotFound).bind(2, now_ms).bind(3, now_ms).bind(4, now_ms)
                .bind(5, txn_no).run());
  if (c.changes() != 1) return ok_status();
  REPAY_TRY(append_audit(c, AuditRow{0, now, actor, "repayment", txn_no, "PENDING", "FAILED",
                                     "agreement no longer active: not sent again (2001)"}));
  auto after = read_repayment(c, "txn_no = ?", {txn_no});
  if (!after) return after.error();
  // center-api.md: a repayment answered PROCESSING is notified when it becomes final.
  if ((*after)->answered_processing && !(*after)->notify_url.empty()) {
    realtime::Notification note;
    note.center_id = (*after)->center_id;
    note.key = "REPAY:" + txn_no;
    note.url = (*after)->notify_url;
    note.fields = realtime::repay_notification(**after);
    note.created_at = now;
    REPAY_TRY(enqueue_notification(c, note));
  }
  return ok_status();
}

Result<RepayClaim> SqlRealtimeStore::claim_repayment(const realtime::NewRepayment& n, Instant now,
                                                const std::string& node) {
  const std::string fingerprint = cipher_.lookup_hash(n.canonical);
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  RepayClaim out;
  // The ReqNo's first claim, when there is one: what a replay is answered.
  auto first_claim = [&]() -> Result<std::optional<RepayClaim>> {
    auto existing = c->prepare("SELECT fingerprint FROM repayments WHERE center_id = ? AND req_no = ?");
    if (!existing) return existing.error();
    existing->bind(1, n.center_id).bind(2, n.req_no);
    auto row = existing->step();
    if (!row) return row.error();
    if (!*row) return std::optional<RepayClaim>();
    RepayClaim first;
    if (existing->text(0) != fingerprint) {
      first.kind = RepayClaim::Kind::kConflict;
      return std::optional<RepayClaim>(first);
    }
    auto v = read_repayment(*c, "center_id = ? AND req_no = ?", {n.center_id, n.req_no});
    if (!v) return v.error();
    first.kind = RepayClaim::Kind::kExisting;
    first.view = **v;
    return std::optional<RepayClaim>(first);
  };
  {
    auto first = first_claim();
    if (!first) return first.error();
    if (first->has_value()) return **first;
  }
  const int64_t now_ms = to_unix_ms(now);
  std::string reject_code = n.reject_code;
  if (reject_code.empty()) {
    auto d = debit_fields(*c, n.agreement_no);
    if (!d) return d.error();
    // Revoked since the caller read it (center-api.md: no longer usable): refused like it.
    if (d->has_value()) out.debit = **d;
    else reject_code = codes::kAgreementNotFound;
  }
  const bool rejected = !reject_code.empty();
  std::string txn_no, req_sn;
  if (!rejected) {
    // common.md: TxnNo assigned when we accept a real-time repayment; the ReqSn is stored with
    // the claim, before the channel call.
    auto t = reserve_in(*c, "txn_no", 1);
    if (!t) return t.error();
    auto r = reserve_req_sns(*c, 1);
    if (!r) return r.error();
    txn_no = ids::txn_no(now, *t);
    req_sn = r->front();
  }
  auto ins = c->prepare(
      "INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
      "amount, fee, cardholder_fee, debit_amount, fee_rule, notify_url, state, resp_code, req_sn, "
      "claim_node, created_at, finished_at, last_look_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (center_id, req_no) DO NOTHING");
  if (!ins) return ins.error();
  ins->bind_opt(1, txn_no).bind(2, n.center_id).bind(3, n.req_no).bind(4, fingerprint)
      .bind(5, n.agreement_no).bind_opt(6, rejected ? std::string() : n.channel_id)
      .bind(7, n.amount).bind(8, rejected ? 0 : n.fee).bind(9, rejected ? 0 : n.cardholder_fee)
      .bind(10, rejected ? 0 : n.debit_amount).bind_opt(11, rejected ? std::string() : n.fee_rule)
      .bind_opt(12, n.notify_url).bind(13, rejected ? "REJECTED" : "SENDING")
      .bind_opt(14, reject_code).bind_opt(15, req_sn).bind_opt(16, rejected ? "" : node)
      .bind(17, now_ms);
  if (rejected) ins->bind(18, now_ms);
  else ins->bind_null(18);
  ins->bind(19, now_ms).bind(20, now_ms);
  REPAY_TRY(ins->run());
  if (c->changes() != 1) {
    // Another claim of this ReqNo committed since the check above: it is the first, and this
    // one answers what it got; its TxnNo and ReqSn are rolled back with this transaction.
    auto first = first_claim();
    if (!first) return first.error();
    if (!first->has_value()) return make_error("DB", "claim of a ReqNo vanished", "reqNo", n.req_no);
    return **first;
  }
  if (!rejected) {
    REPAY_TRY(append_audit(*c, AuditRow{0, now, "api:" + n.center_id + ":" + n.req_no, "repayment",
                                        txn_no, "", "SENDING", "accepted; DEBIT " + req_sn}));
  }
  auto v = read_repayment(*c, "center_id = ? AND req_no = ?", {n.center_id, n.req_no});
  if (!v) return v.error();
  REPAY_TRY(tx.commit());
  out.kind = RepayClaim::Kind::kNew;
  out.view = **v;
  return out;
}

Result<RepaymentView> SqlRealtimeStore::apply_repayment_fact(const std::string& txn_no,
                                                        const debit::BankFact& fact,
                                                        Instant retry_at, Instant now,
                                                        const std::string& actor) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  int64_t version = 0;
  auto before = read_repayment(*c, "txn_no = ?", {txn_no});
  if (!before) return before.error();
  if (!before->has_value()) return make_error("DB", "no such repayment", "txnNo", txn_no);
  {
    auto q = c->prepare("SELECT version FROM repayments WHERE txn_no = ?");
    if (!q) return q.error();
    q->bind(1, txn_no);
    auto row = q->step();
    if (!row) return row.error();
    version = q->integer(0);
  }
  const RepaymentView& v = **before;
  const realtime::Step step = realtime::next_step(v.state, v.debit_amount, fact);
  const debit::Transition& t = step.t;
  const int64_t now_ms = to_unix_ms(now);
  if (!step.exception.empty()) {
    REPAY_TRY(raise_contradiction(*c, v.center_id, v.channel_id, "R:" + txn_no, step.exception, now_ms));
  }
  if (t.kind == debit::Transition::Kind::kApply) {
    const bool final_now = t.state == debit::ItemState::kSuccess || t.state == debit::ItemState::kFailed;
    auto up = c->prepare(
        "UPDATE repayments SET state = ?, resp_code = COALESCE(?, resp_code), "
        "channel_txn_no = COALESCE(?, channel_txn_no), settle_date = COALESCE(?, settle_date), "
        "finished_at = ?, next_at = ?, last_look_at = ?, claim_node = NULL, version = version + 1, "
        "updated_at = ? WHERE txn_no = ? AND version = ?");
    if (!up) return up.error();
    up->bind(1, debit::to_text(t.state)).bind_opt(2, t.resp_code).bind_opt(3, fact.channel_txn_no)
        .bind_opt(4, fact.settle_date);
    if (final_now) up->bind(5, now_ms);
    else up->bind_null(5);
    REPAY_TRY(up->bind(6, to_unix_ms(retry_at)).bind(7, now_ms).bind(8, now_ms).bind(9, txn_no)
                  .bind(10, version).run());
    if (c->changes() == 1) {
      REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "repayment", txn_no, debit::to_text(v.state),
                                          debit::to_text(t.state), t.why}));
      if (final_now) {
        auto after = read_repayment(*c, "txn_no = ?", {txn_no});
        if (!after) return after.error();
        // center-api.md: a repayment answered PROCESSING is notified when it becomes final.
        if ((*after)->answered_processing && !(*after)->notify_url.empty()) {
          realtime::Notification note;
          note.center_id = v.center_id;
          note.key = "REPAY:" + txn_no;
          note.url = (*after)->notify_url;
          note.fields = realtime::repay_notification(**after);
          note.created_at = now;
          REPAY_TRY(enqueue_notification(*c, note));
        }
      }
    }
  } else if (!debit::is_final(v.state)) {
    auto up = c->prepare("UPDATE repayments SET next_at = ?, last_look_at = ? WHERE txn_no = ? AND version = ?");
    if (!up) return up.error();
    REPAY_TRY(up->bind(1, to_unix_ms(retry_at)).bind(2, now_ms).bind(3, txn_no).bind(4, version).run());
  }
  auto after = read_repayment(*c, "txn_no = ?", {txn_no});
  if (!after) return after.error();
  REPAY_TRY(tx.commit());
  return **after;
}

Result<RepaymentView> SqlRealtimeStore::answer_processing(const std::string& txn_no, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto up = c->prepare(
      "UPDATE repayments SET answered_processing = 1, updated_at = ? WHERE txn_no = ? AND "
      "state IN ('PENDING', 'SENDING', 'UNKNOWN')");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, to_unix_ms(now)).bind(2, txn_no).run());
  auto v = read_repayment(*c, "txn_no = ?", {txn_no});
  if (!v) return v.error();
  if (!v->has_value()) return make_error("DB", "no such repayment", "txnNo", txn_no);
  REPAY_TRY(tx.commit());
  return **v;
}

Result<RepaymentView> SqlRealtimeStore::told_processing(const std::string& txn_no, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto up = c->prepare(
      "UPDATE repayments SET answered_processing = 1, updated_at = ? WHERE txn_no = ? AND "
      "answered_processing = 0");
  if (!up) return up.error();
  REPAY_TRY(up->bind(1, to_unix_ms(now)).bind(2, txn_no).run());
  const bool marked_now = c->changes() == 1;
  auto v = read_repayment(*c, "txn_no = ?", {txn_no});
  if (!v) return v.error();
  if (!v->has_value()) return make_error("DB", "no such repayment", "txnNo", txn_no);
  const RepaymentView& after = **v;
  // Became final before the mark: the final state's own transaction did not notify (it found no
  // mark), so this one does (center-api.md, Notifications).
  if (marked_now && debit::is_final(after.state) && !after.notify_url.empty()) {
    realtime::Notification note;
    note.center_id = after.center_id;
    note.key = "REPAY:" + txn_no;
    note.url = after.notify_url;
    note.fields = realtime::repay_notification(after);
    note.created_at = now;
    REPAY_TRY(enqueue_notification(*c, note));
  }
  REPAY_TRY(tx.commit());
  return after;
}

Result<std::optional<RepaymentView>> SqlRealtimeStore::repayment_by_req_no(const std::string& center,
                                                                      const std::string& req_no) {
  auto c = pool_->acquire();
  return read_repayment(*c, "center_id = ? AND req_no = ?", {center, req_no});
}

Result<std::optional<RepaymentView>> SqlRealtimeStore::repayment_by_txn_no(const std::string& center,
                                                                      const std::string& txn_no) {
  auto c = pool_->acquire();
  auto r = read_repayment(*c, "center_id = ? AND txn_no = ?", {center, txn_no});
  if (!r || r->has_value()) return r;
  // A batch item is a repayment too; it reads as the card center was told (files.md: a
  // force-failed item stays FAILED 3001 for good).
  auto q = c->prepare(
      "SELECT state, COALESCE(resp_code, ''), amount, cardholder_fee, debit_amount, "
      "COALESCE(finished_at, 0), forced, COALESCE(channel_id, ''), COALESCE(req_sn, '') "
      "FROM batch_items WHERE center_id = ? AND txn_no = ?");
  if (!q) return q.error();
  q->bind(1, center).bind(2, txn_no);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<RepaymentView>();
  RepaymentView v;
  v.source = "B";
  v.center_id = center;
  v.txn_no = txn_no;
  auto state = debit::item_state_from_text(q->text(0));
  if (!state) return state.error();
  v.state = *state;
  v.resp_code = q->text(1);
  v.amount = q->integer(2);
  v.cardholder_fee = q->integer(3);
  v.debit_amount = q->integer(4);
  v.finished_at = q->integer(5) ? from_unix_ms(q->integer(5)) : Instant{};
  v.forced = q->integer(6) != 0;
  v.channel_id = q->text(7);
  v.req_sn = q->text(8);
  return std::optional<RepaymentView>(v);
}

Result<int64_t> SqlRealtimeStore::recover_realtime(const std::string& node, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t now_ms = to_unix_ms(now);
  int64_t n = 0;
  for (const char* table : {"repayments", "refunds"}) {
    const bool repayments = std::string(table) == "repayments";
    // Audited by what the update changed (RETURNING): a row that another writer moved on between
    // two statements is neither changed nor audited.
    auto up = c->prepare(std::string("UPDATE ") + table +
                         " SET state = 'UNKNOWN', next_at = ?, claim_node = NULL, version = version + 1, "
                         "updated_at = ? WHERE state = 'SENDING' AND claim_node = ? RETURNING " +
                         (repayments ? "txn_no" : "refund_no"));
    if (!up) return up.error();
    up->bind(1, now_ms).bind(2, now_ms).bind(3, node);
    std::vector<std::string> keys;
    for (;;) {
      auto row = up->step();
      if (!row) return row.error();
      if (!*row) break;
      keys.push_back(up->text(0));
    }
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys) {
      REPAY_TRY(append_audit(*c, AuditRow{0, now, "job:recovery", repayments ? "repayment" : "refund",
                                          key, "SENDING", "UNKNOWN",
                                          "claimed by a process that stopped: query before any resend"}));
    }
    n += static_cast<int64_t>(keys.size());
  }
  REPAY_TRY(tx.commit());
  return n;
}

Result<std::string> SqlRealtimeStore::fresh_req_sn() { return next_req_sn(); }

Result<std::optional<std::pair<std::string, std::string>>> SqlRealtimeStore::realtime_by_req_sn(
    const std::string& channel, const std::string& req_sn) {
  using Out = std::optional<std::pair<std::string, std::string>>;
  auto c = pool_->acquire();
  for (auto [table, key, kind] : {std::tuple{"repayments", "txn_no", "REPAY"},
                                  std::tuple{"refunds", "refund_no", "REFUND"}}) {
    auto q = c->prepare(std::string("SELECT ") + key + " FROM " + table +
                        " WHERE channel_id = ? AND req_sn = ?");
    if (!q) return q.error();
    q->bind(1, channel).bind(2, req_sn);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) return Out(std::pair<std::string, std::string>(kind, q->text(0)));
  }
  return Out();
}

}  // namespace repay::store
