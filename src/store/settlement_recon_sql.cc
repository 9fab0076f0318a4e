// SqlReconStore: channel reconciliation (settlement/ports.h, ReconStore), the writing side: the
// statements kept, and what a run found and did. The records matched are read from the live
// tables (settlement_recon_load_sql.cc); what a run found per record is kept in recon_state only
// when it is not implicit (see migrations.cc), and recon_ours keeps the records a run listed, so
// a day of millions of plain matches writes no row per match. What a run does about each outcome
// is settlement's (settlement/recon_actions.h); this file reads what those rules need and carries
// them out.
#include <map>
#include <set>
#include <unordered_map>

#include "settlement/recon_actions.h"
#include "store/refund_proposal.h"
#include "store/settlement_recon_live.h"
#include "store/sql_batch_store.h"
#include "store/sql_recon_store.h"

namespace repay::store {

using settlement::Class;
using settlement::OurRecord;
using settlement::OurRecords;
using settlement::OurState;
using settlement::TxnType;

namespace {

int64_t ymd(Date d) { return std::stoll(format_date(d)); }

// recon_ours.state of a record: S success, F failed, X force-failed, P processing.
const char* state_letter(OurState st) {
  switch (st) {
    case OurState::kSuccess: return "S";
    case OurState::kFailed: return "F";
    case OurState::kForcedFailed: return "X";
    case OurState::kPending: return "P";
  }
  return "P";
}

}  // namespace

Result<settlement::StoredStatement> SqlReconStore::record_statement(const settlement::StatementFile& f,
                                                                  Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const int64_t date = ymd(f.date);
  auto q = c->prepare(
      "SELECT id, version FROM recon_statements WHERE channel_id = ? AND date = ? AND sha256 = ?");
  if (!q) return q.error();
  // MAX(version) + 1 unless another writer committed that version (or this very statement)
  // since the statement began: the unique keys turn the insert into nothing, and it is read
  // and numbered again.
  auto ins = c->prepare(
      "INSERT INTO recon_statements(channel_id, date, version, sha256, path, line_count, "
      "debit_amount, refund_amount, stored_at) SELECT ?1, ?2, COALESCE(MAX(version), 0) + 1, ?3, "
      "?4, ?5, ?6, ?7, ?8 FROM recon_statements WHERE channel_id = ?1 AND date = ?2 "
      "ON CONFLICT DO NOTHING");
  if (!ins) return ins.error();
  for (int attempt = 1;; ++attempt) {
    q->reset().bind(1, f.channel_id).bind(2, date).bind(3, f.sha256);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) return settlement::StoredStatement{q->integer(0), static_cast<int>(q->integer(1)), false};
    q->reset();
    REPAY_TRY(ins->reset().bind(1, f.channel_id).bind(2, date).bind(3, f.sha256).bind(4, f.path)
                  .bind(5, f.count).bind(6, f.debit_amount).bind(7, f.refund_amount)
                  .bind(8, to_unix_ms(now)).run());
    if (c->changes() == 1) break;
    if (attempt == 16) {
      return make_error("BUSY", "statement versions kept being taken by other writers", "", "", f.path);
    }
  }
  const int64_t id = c->last_insert_rowid();
  auto v = c->prepare("SELECT version FROM recon_statements WHERE id = ?");
  if (!v) return v.error();
  v->bind(1, id);
  auto row = v->step();
  if (!row) return row.error();
  const int version = static_cast<int>(v->integer(0));
  REPAY_TRY(tx.commit());
  return settlement::StoredStatement{id, version, true};
}

Result<settlement::ReconRun> SqlReconStore::record_reconciliation(const std::string& channel, Date day,
                                                                int64_t statement_id,
                                                                const settlement::Reconciliation& r,
                                                                Instant now,
                                                                const std::string& actor) {
  settlement::ReconRun run;
  run.channel_id = channel;
  run.date = day;
  run.counts = r.counts;
  const int64_t t = ymd(day);
  const int64_t now_ms = to_unix_ms(now);
  std::map<const settlement::Outcome*, std::string> actions;

  // 1. The bank did what ours still waits for: the facts (settlement::statement_fact) go through
  // the capabilities' own stores (each its own transaction: batch items' force-fail rules,
  // real-time notifications).
  {
    std::vector<Fact> batch_facts;
    std::vector<const settlement::Outcome*> batch_outcomes;
    auto done = [&](const settlement::Outcome& o, const settlement::FactDone& d) {
      actions[&o] = d.action;
      if (d.applied) ++run.facts_applied;
    };
    for (const auto& o : r.outcomes) {
      std::optional<batch::BankFact> fact = settlement::statement_fact(o, day);
      if (!fact) continue;
      const std::string sn(o.our->req_sn);
      if (o.our->type == TxnType::kDebit) {  // a DEBIT may be a batch item
        auto key = item_by_req_sn(channel, sn);
        if (!key) return key.error();
        if (key->has_value()) {
          batch_facts.push_back(Fact{**key, *fact, now});
          batch_outcomes.push_back(&o);
          continue;
        }
      }
      auto rt = realtime_by_req_sn(channel, sn);
      if (!rt) return rt.error();
      if (!rt->has_value()) {
        done(o, settlement::fact_not_found());
        continue;
      }
      if ((*rt)->first == "REPAY") {
        auto v = apply_repayment_fact((*rt)->second, *fact, now, now, actor);
        if (!v) return v.error();
        done(o, settlement::realtime_fact_done(true, (*rt)->second, debit::to_text(v->state)));
      } else {
        auto v = apply_refund_fact((*rt)->second, *fact, now, now, actor);
        if (!v) return v.error();
        done(o, settlement::realtime_fact_done(false, (*rt)->second, realtime::to_text(v->state)));
      }
    }
    if (!batch_facts.empty()) {
      auto ts = apply_facts(batch_facts, now, actor);
      if (!ts) return ts.error();
      for (size_t k = 0; k < ts->size(); ++k) done(*batch_outcomes[k], settlement::batch_fact_done((*ts)[k]));
    }
  }

  // 2. Everything else in one transaction.
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto live_q = c->prepare(live_by_req_sn_sql());
  if (!live_q) return live_q.error();
  // The records this run lists, as it saw them (held_figures and later runs read them here).
  auto ours_q = c->prepare(
      "INSERT INTO recon_ours(channel_id, day, req_sn, type, source, center_id, amount, principal, "
      "state, copied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(channel_id, req_sn) DO UPDATE SET day = excluded.day, type = excluded.type, "
      "source = excluded.source, center_id = excluded.center_id, amount = excluded.amount, "
      "principal = excluded.principal, state = excluded.state, copied_at = excluded.copied_at");
  if (!ours_q) return ours_q.error();
  auto state_q = c->prepare(
      "INSERT INTO recon_state(channel_id, req_sn, status, line_date, held, day, updated_at, "
      "moving) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(channel_id, req_sn) DO UPDATE SET "
      "status = excluded.status, line_date = COALESCE(excluded.line_date, recon_state.line_date), "
      "held = MAX(recon_state.held, excluded.held), day = excluded.day, "
      "updated_at = excluded.updated_at, moving = excluded.moving");
  if (!state_q) return state_q.error();
  auto except_q = c->prepare(
      "INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) "
      "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM exceptions WHERE kind = ?1 "
      "AND ref = ?4 AND channel_id = ?3)");
  if (!except_q) return except_q.error();
  auto result_q = c->prepare(
      "INSERT OR REPLACE INTO recon_results(channel_id, date, req_sn, class, line_no, type, "
      "our_amount, bank_amount, channel_txn_no, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!result_q) return result_q.error();
  // The original a proposal gives back, batch item or repayment (read only; the late fact goes
  // through batch's store).
  auto batch_q = c->prepare(
      "SELECT center_id, batch_no, seq, txn_no, amount, cardholder_fee, COALESCE(resp_code, '') "
      "FROM batch_items WHERE channel_id = ? AND req_sn = ?");
  if (!batch_q) return batch_q.error();
  auto repay_q = c->prepare(
      "SELECT center_id, txn_no, req_no, amount, cardholder_fee, COALESCE(resp_code, '') "
      "FROM repayments WHERE channel_id = ? AND req_sn = ?");
  if (!repay_q) return repay_q.error();
  auto original = [&](const std::string& source,
                      const std::string& sn) -> Result<std::optional<settlement::OriginalView>> {
    settlement::OriginalView v;
    v.source = source;
    if (source == "B") {
      batch_q->reset().bind(1, channel).bind(2, sn);
      auto got = batch_q->step();
      if (!got) return got.error();
      if (!*got) return std::optional<settlement::OriginalView>();
      v.center_id = batch_q->text(0);
      v.batch_no = batch_q->text(1);
      v.seq = batch_q->integer(2);
      v.txn_no = batch_q->text(3);
      v.amount = batch_q->integer(4);
      v.cardholder_fee = batch_q->integer(5);
      v.told = batch_q->text(6);
    } else if (source == "R") {
      repay_q->reset().bind(1, channel).bind(2, sn);
      auto got = repay_q->step();
      if (!got) return got.error();
      if (!*got) return std::optional<settlement::OriginalView>();
      v.center_id = repay_q->text(0);
      v.txn_no = repay_q->text(1);
      v.req_no = repay_q->text(2);
      v.amount = repay_q->integer(3);
      v.cardholder_fee = repay_q->integer(4);
      v.told = repay_q->text(5);
    } else {
      return std::optional<settlement::OriginalView>();
    }
    return std::optional<settlement::OriginalView>(std::move(v));
  };
  // The bank's word on a debit the card center was told failed: what its refund may give back.
  auto debit_q = c->prepare(
      "INSERT INTO bank_debits(channel_id, req_sn, center_id, txn_no, amount, statement_date, "
      "line_no, channel_txn_no, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(channel_id, req_sn) DO NOTHING");
  if (!debit_q) return debit_q.error();
  {
    auto del = c->prepare("DELETE FROM recon_results WHERE channel_id = ? AND date = ?");
    if (!del) return del.error();
    REPAY_TRY(del->bind(1, channel).bind(2, t).run());
  }

  for (const auto& o : r.outcomes) {
    const std::string sn(o.our ? o.our->req_sn : o.line->req_sn);
    std::optional<LiveRecord> row;  // where the record lives (its source, center, principal)
    int64_t our_day = t;              // the record's day T as the match saw it, yyyyMMdd
    if (o.our) {
      our_day = ymd(settlement::date_of_day(o.our->day));
      auto got = live_by_req_sn(*live_q, channel, sn);
      if (!got) return got.error();
      row = std::move(*got);
      if (row) {
        REPAY_TRY(ours_q->reset().bind(1, channel).bind(2, our_day).bind(3, sn)
                      .bind(4, settlement::txn_type_name(o.our->type)).bind(5, row->source)
                      .bind(6, row->center_id).bind(7, o.our->amount).bind(8, row->principal)
                      .bind(9, state_letter(o.our->state)).bind(10, now_ms).run());
        ++run.kept;
      }
    }
    std::optional<settlement::LiveView> live;
    if (row) live = settlement::LiveView{row->state, row->day, row->source, row->center_id};
    std::optional<settlement::OriginalView> orig;
    if (settlement::wants_original(o, live)) {
      auto got = original(row->source, sn);
      if (!got) return got.error();
      orig = std::move(*got);
    }
    const settlement::RecordActions a = settlement::recon_actions(o, live, orig, day);
    std::string action = actions.count(&o) ? actions[&o] : a.action;

    // The record's kept state. The day's load of a later day finds the row by its day.
    if (a.kept) {
      state_q->reset().bind(1, channel).bind(2, sn).bind(3, a.kept->status);
      if (a.kept->line_today) state_q->bind(4, t);
      else state_q->bind_null(4);
      REPAY_TRY(state_q->bind(5, int64_t{a.kept->held ? 1 : 0})
                    .bind(6, ymd(settlement::date_of_day(a.kept->day))).bind(7, now_ms)
                    .bind(8, int64_t{a.kept->moving ? 1 : 0}).run());
    }

    // A forced item the statement lists debited: its late state DEBITED by batch's rules, so the
    // proposal can be approved (review_sql.cc).
    if (a.late_fact) {
      auto late = record_late_fact(*c, batch::ItemKey{orig->center_id, orig->batch_no, orig->seq},
                                   *a.late_fact, now, actor);
      if (!late) return late.error();
    }

    // The proposal, with the statement's word that the bank debited (bank_debits): never a
    // second one (refund_proposal.h).
    if (a.proposal) {
      const settlement::ProposalAction& pa = *a.proposal;
      REPAY_TRY(debit_q->reset().bind(1, channel).bind(2, sn).bind(3, pa.center_id)
                    .bind(4, pa.orig_txn_no).bind(5, o.line->amount).bind(6, t)
                    .bind(7, int64_t{o.line->line_no}).bind(8, o.line->channel_txn_no)
                    .bind(9, now_ms).run());
      RefundProposal p;
      p.center_id = pa.center_id;
      p.reason = pa.reason;
      p.orig_txn_no = pa.orig_txn_no;
      p.orig_source = pa.orig_source;
      p.orig_batch_no = pa.orig_batch_no;
      p.orig_ref = pa.orig_ref;
      p.channel_id = channel;
      p.orig_req_sn = sn;
      p.amount = pa.figures.amount;
      p.fee = pa.figures.fee;
      p.cardholder_fee = pa.figures.cardholder_fee;
      p.debit_amount = pa.figures.debit_amount;
      p.why = pa.why;
      auto made = insert_refund_proposal(*c, p, now, actor);
      if (!made) return made.error();
      if (made->has_value()) ++run.proposals;
      action = settlement::proposal_done(*made, pa.reason);
    }

    // An exception for staff, once (per kind, ref and channel).
    if (a.exception) {
      const settlement::ExceptionAction& e = *a.exception;
      except_q->reset().bind(1, e.kind);
      except_q->bind_opt(2, e.center_id);
      REPAY_TRY(except_q->bind(3, channel).bind(4, e.ref).bind(5, e.detail).bind(6, now_ms).run());
      if (c->changes() == 1) ++run.exceptions;
    }

    result_q->reset().bind(1, channel).bind(2, t).bind(3, sn).bind(4, settlement::class_name(o.cls))
        .bind(5, int64_t{o.line ? o.line->line_no : 0})
        .bind(6, settlement::txn_type_name(o.our ? o.our->type : o.line->type));
    if (o.our) result_q->bind(7, o.our->amount);
    else result_q->bind_null(7);
    if (o.line) result_q->bind(8, o.line->amount).bind(9, o.line->channel_txn_no);
    else result_q->bind_null(8).bind_null(9);
    REPAY_TRY(result_q->bind(10, action).run());
  }

  {
    auto q = c->prepare(
        "INSERT INTO recon_runs(channel_id, date, statement_id, runs, outcomes, first_at, last_at) "
        "VALUES (?1, ?2, ?3, 1, ?5, ?4, ?4) ON CONFLICT(channel_id, date) DO UPDATE SET "
        "statement_id = excluded.statement_id, runs = recon_runs.runs + 1, "
        "outcomes = excluded.outcomes, last_at = excluded.last_at");
    if (!q) return q.error();
    int64_t total = 0;
    for (auto n : r.counts) total += n;
    REPAY_TRY(q->bind(1, channel).bind(2, t).bind(3, statement_id).bind(4, now_ms).bind(5, total).run());
    auto counts = c->prepare(
        "INSERT INTO recon_run_counts(channel_id, date, class, count) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(channel_id, date, class) DO UPDATE SET count = excluded.count");
    if (!counts) return counts.error();
    for (size_t k = 0; k < settlement::kClassCount; ++k) {
      REPAY_TRY(counts->reset().bind(1, channel).bind(2, t)
                    .bind(3, settlement::class_name(static_cast<Class>(k))).bind(4, r.counts[k]).run());
    }
    auto rq = c->prepare(
        "SELECT r.runs, s.version FROM recon_runs r JOIN recon_statements s ON s.id = r.statement_id "
        "WHERE r.channel_id = ? AND r.date = ?");
    if (!rq) return rq.error();
    rq->bind(1, channel).bind(2, t);
    auto got = rq->step();
    if (!got) return got.error();
    if (*got) {
      run.runs = static_cast<int>(rq->integer(0));
      run.statement_version = static_cast<int>(rq->integer(1));
    }
  }
  REPAY_TRY(tx.commit());
  return run;
}

Result<settlement::HeldFigures> SqlReconStore::held_figures(const std::string& center, Date day) {
  auto c = pool_->acquire();
  const int64_t t = ymd(day);
  settlement::HeldFigures f;
  // files.md, Settlement file: held = successes of day T no statement of day <= T confirmed;
  // released = successes of earlier days, held then, confirmed by a statement of day T.
  auto q = c->prepare(
      "SELECT COUNT(*), COALESCE(SUM(o.principal), 0) FROM recon_state s JOIN recon_ours o ON "
      "o.channel_id = s.channel_id AND o.req_sn = s.req_sn WHERE o.center_id = ?1 AND o.day = ?2 "
      "AND o.type = 'DEBIT' AND o.state = 'S' AND (s.status IN ('HELD', 'MISSING') OR "
      "(s.line_date IS NOT NULL AND s.line_date > ?2))");
  if (!q) return q.error();
  q->bind(1, center).bind(2, t);
  auto row = q->step();
  if (!row) return row.error();
  f.held_count = q->integer(0);
  f.held_amount = q->integer(1);
  auto r = c->prepare(
      "SELECT COUNT(*), COALESCE(SUM(o.principal), 0) FROM recon_state s JOIN recon_ours o ON "
      "o.channel_id = s.channel_id AND o.req_sn = s.req_sn WHERE o.center_id = ?1 AND o.day < ?2 "
      "AND o.type = 'DEBIT' AND o.state = 'S' AND s.held = 1 AND s.status = 'MATCHED' "
      "AND s.line_date = ?2");
  if (!r) return r.error();
  r->bind(1, center).bind(2, t);
  row = r->step();
  if (!row) return row.error();
  f.released_count = r->integer(0);
  f.released_amount = r->integer(1);
  return f;
}

}  // namespace repay::store
