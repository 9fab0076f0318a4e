// SqlBatchStore: the debit pipeline (batch/ports.h). Every change is conditional on the state or
// version read, so that a server database shared by several nodes can run the same statements.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "core/codes.h"
#include "core/ids.h"
#include "debit/item.h"
#include "settlement/review.h"
#include "signing/agreement.h"
#include "store/batch_blocks.h"
#include "store/refund_proposal.h"
#include "store/sequences.h"
#include "store/sql_audit_log.h"
#include "store/sql_batch_store.h"

namespace repay::store {

using batch::BankFact;
using batch::DebitTask;
using batch::ItemKey;
using batch::Transition;

namespace {

// One lock order everywhere (docs/decisions.md, Rules in their capabilities): a batch's row before
// any of its items. A write that changes items and then their batch's counters takes the batch
// rows first, in (center, batchNo) order, so that it never waits for a batch row while holding an
// item another writer (a force-fail, which closes the batch row first) waits for. On SQLite the
// write transaction already holds the one write lock and the dialect adds nothing.
Status lock_batch_rows(Connection& c, const std::set<std::pair<std::string, std::string>>& batches) {
  if (batches.empty()) return ok_status();
  auto q = c.prepare("SELECT 1 FROM batches WHERE center_id = ? AND batch_no = ?" +
                     std::string(c.dialect().lock_rows));
  if (!q) return q.error();
  for (const auto& [center, batch_no] : batches) {
    q->reset().bind(1, center).bind(2, batch_no);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
    }
  }
  return ok_status();
}

// center-api.md: a revoked agreement can no longer be used. A PENDING item whose agreement is no
// longer ACTIVE is never sent (again). When no DEBIT of it can have been executed (never sent, or
// every send proven unregistered) it fails now with 2001 — its return line F 2001, txnNo empty
// when it was never sent. Otherwise (a send whose outcome was unknown, then NOT_FOUND) the bank
// may still execute that send: it waits, unsent, for its force-fail time (3001) and is resolved
// by QUERY like any item sent with an unknown result (docs/decisions.md).
Status stop_revoked(Connection& c, const std::vector<std::pair<DebitTask, bool>>& items, Instant now,
                    const std::string& actor) {
  if (items.empty()) return ok_status();
  {
    std::set<std::pair<std::string, std::string>> batches;
    for (const auto& [t, maybe_debited] : items) batches.insert({t.center_id, t.batch_no});
    REPAY_TRY(lock_batch_rows(c, batches));
  }
  const int64_t now_ms = to_unix_ms(now);
  auto fail = c.prepare(
      "UPDATE batch_items SET state = 'FAILED', resp_code = ?, finished_at = ?, next_at = ?, "
      "claim_node = NULL, version = version + 1, updated_at = ? WHERE center_id = ? AND "
      "batch_no = ? AND seq = ? AND state = 'PENDING' AND version = ?");
  if (!fail) return fail.error();
  auto park = c.prepare(
      "UPDATE batch_items SET next_at = force_fail_at, version = version + 1, updated_at = ? "
      "WHERE center_id = ? AND batch_no = ? AND seq = ? AND state = 'PENDING' AND version = ?");
  if (!park) return park.error();
  auto close = c.prepare(
      "UPDATE batches SET open_items = open_items - 1, state = CASE WHEN open_items = 1 AND "
      "state = 'OPEN' THEN 'CLOSED' ELSE state END, closed_at = CASE WHEN open_items = 1 AND "
      "state = 'OPEN' THEN ?1 ELSE closed_at END WHERE center_id = ?2 AND batch_no = ?3");
  if (!close) return close.error();
  for (const auto& [t, maybe_debited] : items) {
    const std::string ref = ids::batch_item_ref(t.center_id, t.batch_no, t.seq);
    if (maybe_debited) {
      REPAY_TRY(park->reset().bind(1, now_ms).bind(2, t.center_id).bind(3, t.batch_no)
                    .bind(4, t.seq).bind(5, t.version).run());
      if (c.changes() != 1) continue;
      REPAY_TRY(append_audit(c, AuditRow{0, now, actor, "batch_item", ref, "PENDING", "PENDING",
                                         "agreement no longer active: not sent again; a DEBIT may "
                                         "have been executed, resolved at the force-fail time (3001)"}));
      continue;
    }
    REPAY_TRY(fail->reset().bind(1, codes::kAgreementNotFound).bind(2, now_ms).bind(3, now_ms)
                  .bind(4, now_ms).bind(5, t.center_id).bind(6, t.batch_no).bind(7, t.seq)
                  .bind(8, t.version).run());
    if (c.changes() != 1) continue;
    REPAY_TRY(append_audit(c, AuditRow{0, now, actor, "batch_item", ref, "PENDING", "FAILED",
                                       "agreement no longer active: not sent (2001)"}));
    REPAY_TRY(close->reset().bind(1, now_ms).bind(2, t.center_id).bind(3, t.batch_no).run());
  }
  return ok_status();
}

}  // namespace

Result<std::vector<DebitTask>> SqlBatchStore::claim_debits(const std::string& channel, int max,
                                                        Instant now, const std::string& node) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t now_ms = to_unix_ms(now);
  std::vector<DebitTask> tasks;
  std::vector<bool> maybe_debited;  // per task: a DEBIT of it may have been executed
  // files.md: across batches, items of the batch whose force-fail time comes first go first.
  auto q = c->prepare(
      "SELECT i.center_id, i.batch_no, i.seq, i.txn_no, i.req_sn, i.agreement_no, "
      "i.debit_amount, i.force_fail_at, i.version, i.maybe_debited FROM batch_items i "
      "JOIN batches b ON b.center_id = i.center_id AND b.batch_no = i.batch_no "
      "WHERE i.channel_id = ? AND i.state = 'PENDING' AND i.send_from_at <= ? "
      "AND i.force_fail_at > ? AND i.next_at <= ? AND b.state = 'OPEN' "
      "ORDER BY i.force_fail_at, i.center_id, i.batch_no, i.seq LIMIT ?");
  if (!q) return q.error();
  auto select = [&]() -> Status {
    tasks.clear();
    maybe_debited.clear();
    q->reset().bind(1, channel).bind(2, now_ms).bind(3, now_ms).bind(4, now_ms).bind(5, int64_t{max});
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      DebitTask t;
      t.center_id = q->text(0);
      t.batch_no = q->text(1);
      t.seq = q->integer(2);
      t.txn_no = q->text(3);
      t.req_sn = q->text(4);
      t.agreement_no = q->text(5);
      t.debit_amount = q->integer(6);
      t.force_fail_at = from_unix_ms(q->integer(7));
      t.version = q->integer(8);
      t.channel_id = channel;
      maybe_debited.push_back(q->integer(9) != 0);
      tasks.push_back(std::move(t));
    }
    q->reset();
    return ok_status();
  };
  REPAY_TRY(select());
  // Items still packed (store/batch_blocks.h) are unpacked when this claim could use them: it
  // found fewer than it may take, or a packed batch's force-fail time comes before the last
  // item found.
  auto packed = earliest_packed_force_fail(*c, now);
  if (!packed) return packed.error();
  if (packed->has_value() &&
      (std::ssize(tasks) < max || to_unix_ms(tasks.back().force_fail_at) > **packed)) {
    auto n = unpack_due(*c, now, std::max<int64_t>(4 * int64_t{max}, kBlockItems));
    if (!n) return n.error();
    if (*n > 0) REPAY_TRY(select());
  }
  if (tasks.empty()) {
    REPAY_TRY(tx.commit());  // what was unpacked stays unpacked
    return tasks;
  }
  // What the DEBIT carries comes from the agreement, read with its state first: center-api.md,
  // a revoked agreement can no longer be used, even for a batch accepted while it was active.
  auto ag = c->prepare(
      "SELECT kind, protocol_no, debit_card_enc, holder_name, id_type, id_no_enc, state "
      "FROM agreements WHERE agreement_no = ?");
  if (!ag) return ag.error();
  std::vector<DebitTask> sendable;
  std::vector<std::pair<DebitTask, bool>> revoked;  // and whether a DEBIT may have executed
  for (size_t i = 0; i < tasks.size(); ++i) {
    DebitTask& t = tasks[i];
    ag->reset().bind(1, t.agreement_no);
    auto row = ag->step();
    if (!row) return row.error();
    if (!*row) return make_error("DB", "agreement of a sendable item vanished", "agreementNo", t.agreement_no);
    if (ag->text(6) != signing::to_text(signing::AgreementState::kActive)) {
      revoked.emplace_back(std::move(t), maybe_debited[i]);
      continue;
    }
    t.kind = ag->text(0);
    t.protocol_no = ag->text(1);
    auto card = cipher_.decrypt(ag->blob(2));
    auto id_no = cipher_.decrypt(ag->blob(5));
    if (!card || !id_no) return make_error("CRYPTO", "agreement cannot be decrypted", "agreementNo", t.agreement_no);
    t.card_no = *card;
    t.name = ag->text(3);
    t.id_type = ag->text(4);
    t.id_no = *id_no;
    sendable.push_back(std::move(t));
  }
  ag->reset();
  REPAY_TRY(stop_revoked(*c, revoked, now, "job:pipeline:" + node));
  int64_t fresh = 0;
  for (const auto& t : sendable) fresh += t.txn_no.empty() ? 1 : 0;
  int64_t txn_seq = 0;
  std::vector<std::string> sns;
  if (fresh > 0) {
    auto a = reserve_in(*c, "txn_no", fresh);
    if (!a) return a.error();
    txn_seq = *a;
    auto b = reserve_req_sns(*c, fresh);
    if (!b) return b.error();
    sns = std::move(*b);
  }
  auto up = c->prepare(
      "UPDATE batch_items SET state = 'SENDING', txn_no = ?, req_sn = ?, claim_node = ?, "
      "version = version + 1, updated_at = ? WHERE center_id = ? AND batch_no = ? AND seq = ? "
      "AND state = 'PENDING' AND version = ?");
  if (!up) return up.error();
  std::vector<DebitTask> claimed;
  size_t next_sn = 0;
  for (auto& t : sendable) {
    if (t.txn_no.empty()) {
      // common.md: TxnNo is assigned when a batch item is first sent; the ReqSn is stored with it
      // before the call, and every resend reuses it.
      t.txn_no = ids::txn_no(now, txn_seq++);
      t.req_sn = sns[next_sn++];
    }
    REPAY_TRY(up->reset().bind(1, t.txn_no).bind(2, t.req_sn).bind(3, node).bind(4, to_unix_ms(now))
                  .bind(5, t.center_id).bind(6, t.batch_no).bind(7, t.seq).bind(8, t.version).run());
    if (c->changes() != 1) continue;  // taken by another node meanwhile
    t.version += 1;
    claimed.push_back(std::move(t));
  }
  REPAY_TRY(tx.commit());
  return claimed;
}

Result<std::vector<DebitTask>> SqlBatchStore::claim_queries(const std::string& channel, int max,
                                                         Instant now,
                                                         std::chrono::milliseconds lease) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t now_ms = to_unix_ms(now);
  std::vector<DebitTask> tasks;
  {
    auto q = c->prepare(
        "SELECT center_id, batch_no, seq, txn_no, req_sn, debit_amount, force_fail_at, version, "
        "query_count FROM batch_items WHERE channel_id = ? AND (state = 'UNKNOWN' OR "
        "late_state = 'UNRESOLVED') AND next_at <= ? ORDER BY next_at LIMIT ?");
    if (!q) return q.error();
    q->bind(1, channel).bind(2, now_ms).bind(3, int64_t{max});
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      DebitTask t;
      t.center_id = q->text(0);
      t.batch_no = q->text(1);
      t.seq = q->integer(2);
      t.txn_no = q->text(3);
      t.req_sn = q->text(4);
      t.debit_amount = q->integer(5);
      t.force_fail_at = from_unix_ms(q->integer(6));
      t.version = q->integer(7);
      t.query_count = static_cast<int>(q->integer(8));
      t.channel_id = channel;
      tasks.push_back(std::move(t));
    }
  }
  auto up = c->prepare(
      "UPDATE batch_items SET next_at = ?, query_count = query_count + 1 WHERE center_id = ? AND "
      "batch_no = ? AND seq = ? AND next_at <= ?");
  if (!up) return up.error();
  std::vector<DebitTask> leased;
  for (auto& t : tasks) {
    REPAY_TRY(up->reset().bind(1, now_ms + lease.count()).bind(2, t.center_id).bind(3, t.batch_no)
                  .bind(4, t.seq).bind(5, now_ms).run());
    if (c->changes() == 1) leased.push_back(std::move(t));
  }
  // channel-api.md: each QUERY has a fresh ReqSn of its own, committed before it is sent.
  auto sns = reserve_req_sns(*c, std::ssize(leased));
  if (!sns) return sns.error();
  for (size_t i = 0; i < leased.size(); ++i) leased[i].query_req_sn = (*sns)[i];
  REPAY_TRY(tx.commit());
  return leased;
}

Result<std::vector<Transition>> SqlBatchStore::apply_facts(const std::vector<Fact>& facts,
                                                         Instant now, const std::string& actor) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  {
    std::set<std::pair<std::string, std::string>> batches;
    for (const auto& f : facts) batches.insert({f.key.center_id, f.key.batch_no});
    REPAY_TRY(lock_batch_rows(*c, batches));
  }
  const int64_t now_ms = to_unix_ms(now);
  auto sel = c->prepare(
      "SELECT state, forced, late_state, debit_amount, version, txn_no, channel_id, req_sn, "
      "amount, cardholder_fee, force_fail_at FROM batch_items WHERE center_id = ? AND batch_no = ? "
      "AND seq = ?");
  if (!sel) return sel.error();
  auto move = c->prepare(
      "UPDATE batch_items SET state = ?, resp_code = COALESCE(?, resp_code), "
      "channel_txn_no = COALESCE(?, channel_txn_no), settle_date = COALESCE(?, settle_date), "
      "finished_at = ?, next_at = ?, claim_node = NULL, version = version + 1, updated_at = ?, "
      // Back to PENDING (busy, or never registered): its next unknown outcome starts the query
      // backoff afresh.
      "query_count = CASE WHEN ?1 = 'PENDING' THEN 0 ELSE query_count END, "
      // A send whose outcome is unknown may have been executed (files.md: 3001, not 3002, at
      // the force-fail time); no later answer clears that (debit/item.h).
      "maybe_debited = CASE WHEN ?1 = 'UNKNOWN' THEN 1 ELSE maybe_debited END "
      "WHERE center_id = ? AND batch_no = ? AND seq = ? AND version = ?");
  if (!move) return move.error();
  auto late = c->prepare(
      "UPDATE batch_items SET late_state = ?, channel_txn_no = COALESCE(?, channel_txn_no), "
      "settle_date = COALESCE(?, settle_date), version = version + 1, updated_at = ? "
      "WHERE center_id = ? AND batch_no = ? AND seq = ? AND version = ?");
  if (!late) return late.error();
  auto requery = c->prepare(
      "UPDATE batch_items SET next_at = ? WHERE center_id = ? AND batch_no = ? AND seq = ? "
      "AND version = ?");
  if (!requery) return requery.error();
  auto close = c->prepare(
      "UPDATE batches SET open_items = open_items - ?1, state = CASE WHEN open_items = ?1 AND "
      "state = 'OPEN' THEN 'CLOSED' ELSE state END, closed_at = CASE WHEN open_items = ?1 AND "
      "state = 'OPEN' THEN ?2 ELSE closed_at END WHERE center_id = ?3 AND batch_no = ?4");
  if (!close) return close.error();
  // One open exception per item and text; of two writers that both found none, the unique key
  // (exceptions_open_contradiction) keeps the second out.
  auto except = c->prepare(
      "INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) "
      "SELECT 'BANK_CONTRADICTS', ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM exceptions "
      "WHERE kind = 'BANK_CONTRADICTS' AND ref = ?3 AND detail = ?4 AND state = 'OPEN') "
      "ON CONFLICT (kind, ref, detail) WHERE kind = 'BANK_CONTRADICTS' AND state = 'OPEN' DO NOTHING");
  if (!except) return except.error();

  // Items that became final, per batch: the batch's open_items goes down once per batch and
  // flush rather than once per item (the same transaction, the same result).
  std::map<std::pair<std::string, std::string>, int64_t> finals;
  auto close_batches = [&]() -> Status {
    for (const auto& [batch, n] : finals) {
      REPAY_TRY(close->reset().bind(1, n).bind(2, now_ms).bind(3, batch.first)
                    .bind(4, batch.second).run());
    }
    finals.clear();
    return ok_status();
  };
  std::vector<Transition> out;
  out.reserve(facts.size());
  for (const auto& f : facts) {
    const ItemKey& k = f.key;
    batch::ItemView v;
    int64_t version = 0;
    std::string txn_no, channel, req_sn;
    Fen amount = 0, cardholder_fee = 0;
    Instant force_fail_at{};
    auto read = [&]() -> Result<bool> {
      sel->reset().bind(1, k.center_id).bind(2, k.batch_no).bind(3, k.seq);
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) return false;
      auto state = debit::item_state_from_text(sel->text(0));
      if (!state) return state.error();
      v.state = *state;
      v.forced = sel->integer(1) != 0;
      auto late_state = debit::late_state_from_text(sel->text(2));
      if (!late_state) return late_state.error();
      v.late_state = *late_state;
      v.debit_amount = sel->integer(3);
      version = sel->integer(4);
      txn_no = sel->text(5);
      channel = sel->text(6);
      req_sn = sel->text(7);
      amount = sel->integer(8);
      cardholder_fee = sel->integer(9);
      // The item's force-fail time decides whether a NOT_FOUND may still be resent.
      force_fail_at = from_unix_ms(sel->integer(10));
      return true;
    };
    auto found = read();
    if (!found) return found.error();
    if (!*found) {
      out.emplace_back();
      continue;
    }
    const bool open_item = v.state == batch::ItemState::kPending ||
                           v.state == batch::ItemState::kSending || v.state == batch::ItemState::kUnknown;
    if (open_item && !v.forced && now >= force_fail_at) {
      // files.md: what is not final at the force-fail time is force-failed, whether or not the
      // force-fail job has run yet (it runs every few moments, and not while we were down): a
      // fact that comes later is a late one, and the result never depends on that job's timing.
      REPAY_TRY(close_batches());  // the force-fail reads and sets open_items
      auto ff = force_fail_batch(*c, k.center_id, k.batch_no, now, actor);
      if (!ff) return ff.error();
      found = read();
      if (!found) return found.error();
    }
    Transition t = debit::next(v, f.fact, now < force_fail_at);
    const std::string ref = ids::batch_item_ref(k.center_id, k.batch_no, k.seq);
    switch (t.kind) {
      case Transition::Kind::kApply: {
        const bool final_now = debit::is_final(t.state);  // SUCCESS or FAILED: next() never rejects
        move->reset().bind(1, debit::to_text(t.state)).bind_opt(2, t.resp_code)
            .bind_opt(3, f.fact.channel_txn_no).bind_opt(4, f.fact.settle_date);
        if (final_now) move->bind(5, now_ms);
        else move->bind_null(5);
        move->bind(6, to_unix_ms(f.retry_at)).bind(7, now_ms).bind(8, k.center_id)
            .bind(9, k.batch_no).bind(10, k.seq).bind(11, version);
        REPAY_TRY(move->run());
        if (c->changes() != 1) break;
        if (final_now) ++finals[{k.center_id, k.batch_no}];
        REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "batch_item", ref, debit::to_text(v.state),
                                            debit::to_text(t.state), t.why}));
        break;
      }
      case Transition::Kind::kLate: {
        late->reset().bind(1, debit::to_text(t.late_state)).bind_opt(2, f.fact.channel_txn_no)
            .bind_opt(3, f.fact.settle_date).bind(4, now_ms).bind(5, k.center_id)
            .bind(6, k.batch_no).bind(7, k.seq).bind(8, version);
        REPAY_TRY(late->run());
        if (c->changes() != 1) break;
        REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "batch_item", ref,
                                            std::string("FAILED/") + debit::to_text(v.late_state),
                                            std::string("FAILED/") + debit::to_text(t.late_state), t.why}));
        if (t.propose_refund) {
          // files.md: a force-failed item's debit is refunded after review (LATE_SUCCESS).
          // files.md: the whole debit goes back; neither it nor its refund enters the card
          // center's settlement. One proposal per item (unique on reason and TxnNo).
          // The fee returned is the cardholder's only: a force-failed item was never billed.
          const settlement::RefundFigures back = settlement::whole_debit_figures(amount, cardholder_fee);
          RefundProposal p{k.center_id, "LATE_SUCCESS", txn_no, "B", k.batch_no, ref, channel,
                           req_sn, back.amount, back.fee, back.cardholder_fee, back.debit_amount, t.why};
          auto made = insert_refund_proposal(*c, p, now, actor);
          if (!made) return made.error();
        }
        break;
      }
      case Transition::Kind::kException:
        // One open exception per discrepancy: every later query repeats it.
        REPAY_TRY(except->reset().bind(1, k.center_id).bind(2, channel).bind(3, ref).bind(4, t.why)
                      .bind(5, now_ms).run());
        // Still unresolved: queried again on the backoff, not each time the query lease ends.
        if (v.state == batch::ItemState::kUnknown || v.late_state == batch::LateState::kUnresolved) {
          REPAY_TRY(requery->reset().bind(1, to_unix_ms(f.retry_at)).bind(2, k.center_id)
                        .bind(3, k.batch_no).bind(4, k.seq).bind(5, version).run());
        } else if (v.state == batch::ItemState::kSending) {
          // An answer we cannot accept (amount differs): the outcome is unknown until staff
          // look; it is queried like any unknown one and never resent.
          REPAY_TRY(move->reset().bind(1, debit::to_text(batch::ItemState::kUnknown)).bind_null(2)
                        .bind_null(3).bind_null(4).bind_null(5).bind(6, to_unix_ms(f.retry_at)).bind(7, now_ms)
                        .bind(8, k.center_id).bind(9, k.batch_no).bind(10, k.seq)
                        .bind(11, version).run());
        }
        break;
      case Transition::Kind::kNone:
        if (v.state == batch::ItemState::kUnknown || v.late_state == batch::LateState::kUnresolved) {
          REPAY_TRY(requery->reset().bind(1, to_unix_ms(f.retry_at)).bind(2, k.center_id)
                        .bind(3, k.batch_no).bind(4, k.seq).bind(5, version).run());
        }
        break;
    }
    out.push_back(t);
  }
  REPAY_TRY(close_batches());
  REPAY_TRY(tx.commit());
  return out;
}

Result<std::optional<ItemKey>> SqlBatchStore::item_by_req_sn(const std::string& channel,
                                                           const std::string& req_sn) {
  auto c = pool_->acquire();
  auto s = c->prepare("SELECT center_id, batch_no, seq FROM batch_items WHERE channel_id = ? AND req_sn = ?");
  if (!s) return s.error();
  s->bind(1, channel).bind(2, req_sn);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ItemKey>();
  return std::optional<ItemKey>(ItemKey{s->text(0), s->text(1), s->integer(2)});
}

Result<int64_t> SqlBatchStore::recover_claims(const std::string& node, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t now_ms = to_unix_ms(now);
  // lessons.md: after a crash every claimed item is queried before anything is sent again.
  // Audited by what the update changed (RETURNING): a row that another writer moved on between
  // two statements is neither changed nor audited.
  std::vector<std::string> refs;
  {
    auto up = c->prepare(
        "UPDATE batch_items SET state = 'UNKNOWN', maybe_debited = 1, next_at = ?, claim_node = NULL, "
        "version = version + 1, updated_at = ? WHERE state = 'SENDING' AND claim_node = ? "
        "RETURNING center_id || ':' || batch_no || ':' || seq");
    if (!up) return up.error();
    up->bind(1, now_ms).bind(2, now_ms).bind(3, node);
    for (;;) {
      auto row = up->step();
      if (!row) return row.error();
      if (!*row) break;
      refs.push_back(up->text(0));
    }
  }
  std::sort(refs.begin(), refs.end());
  for (const auto& ref : refs) {
    REPAY_TRY(append_audit(*c, AuditRow{0, now, "job:recovery", "batch_item", ref, "SENDING", "UNKNOWN",
                                        "claimed by a process that stopped: query before any resend"}));
  }
  REPAY_TRY(tx.commit());
  return static_cast<int64_t>(refs.size());
}

}  // namespace repay::store
