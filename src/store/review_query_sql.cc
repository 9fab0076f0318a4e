// SqlReviewStore: listing our refund proposals and showing one with its original repayment
// and the discrepancy behind it. Card numbers only in their masked form.
#include "core/codes.h"
#include "store/review_sql.h"

namespace repay::store {

using settlement::ProposalDetail;
using settlement::ProposalRow;

namespace {

const char* kProposalColumns =
    "refund_no, center_id, reason, state, COALESCE(resp_code, ''), orig_txn_no, "
    "COALESCE(orig_source, ''), COALESCE(orig_ref, ''), amount, cardholder_fee, debit_amount, "
    "COALESCE(req_sn, ''), created_at, created_by, "
    "COALESCE((SELECT i.item_id FROM batch_items i WHERE refunds.orig_source = 'B' AND "
    "i.txn_no = refunds.orig_txn_no), ''), "
    "COALESCE((SELECT i.batch_no FROM batch_items i WHERE refunds.orig_source = 'B' AND "
    "i.txn_no = refunds.orig_txn_no), ''), "
    "COALESCE((SELECT i.seq FROM batch_items i WHERE refunds.orig_source = 'B' AND "
    "i.txn_no = refunds.orig_txn_no), 0)";

Result<ProposalRow> row_of(Stmt& s) {
  ProposalRow r;
  r.refund_no = s.text(0);
  r.center_id = s.text(1);
  r.reason = s.text(2);
  auto state = realtime::refund_state_from_text(s.text(3));
  if (!state) return state.error();
  r.state = *state;
  r.resp_code = s.text(4);
  r.orig_txn_no = s.text(5);
  r.orig_source = s.text(6);
  r.orig_ref = s.text(7);
  r.amount = s.integer(8);
  r.cardholder_fee = s.integer(9);
  r.debit_amount = s.integer(10);
  r.req_sn = s.text(11);
  r.created_at = from_unix_ms(s.integer(12));
  r.created_by = s.text(13);
  r.orig_item_id = s.text(14);
  r.orig_batch_no = s.text(15);
  r.orig_seq = s.integer(16);
  return r;
}

Status add_approvers(Connection& c, ProposalRow* r) {
  auto q = c.prepare(
      "SELECT actor FROM refund_approvals WHERE refund_no = ? AND decision = 'APPROVE' ORDER BY id");
  if (!q) return q.error();
  q->bind(1, r->refund_no);
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    r->approvers.push_back(q->text(0));
  }
  return ok_status();
}

// The original repayment (real time or batch item) with the agreement's masked card numbers.
Status add_original(Connection& c, ProposalDetail* d) {
  const bool batch = d->row.orig_source == "B";
  auto q = c.prepare(batch
      ? "SELECT i.state, COALESCE(i.resp_code, ''), i.amount, i.cardholder_fee, i.debit_amount, "
        "COALESCE(i.finished_at, 0), COALESCE(i.channel_id, ''), COALESCE(i.req_sn, ''), "
        "COALESCE(i.channel_txn_no, ''), COALESCE(i.settle_date, ''), "
        "COALESCE(a.credit_card_masked, ''), COALESCE(a.debit_card_masked, ''), i.forced, "
        "i.force_fail_at, COALESCE(i.late_state, '') "
        "FROM batch_items i LEFT JOIN agreements a ON a.agreement_no = i.agreement_no "
        "WHERE i.center_id = ? AND i.txn_no = ?"
      : "SELECT r.state, COALESCE(r.resp_code, ''), r.amount, r.cardholder_fee, r.debit_amount, "
        "COALESCE(r.finished_at, 0), COALESCE(r.channel_id, ''), COALESCE(r.req_sn, ''), "
        "COALESCE(r.channel_txn_no, ''), COALESCE(r.settle_date, ''), "
        "COALESCE(a.credit_card_masked, ''), COALESCE(a.debit_card_masked, ''), 0, 0, '' "
        "FROM repayments r LEFT JOIN agreements a ON a.agreement_no = r.agreement_no "
        "WHERE r.center_id = ? AND r.txn_no = ?");
  if (!q) return q.error();
  q->bind(1, d->row.center_id).bind(2, d->row.orig_txn_no);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return ok_status();
  d->orig_state = q->text(0);
  d->orig_resp_code = q->text(1);
  d->orig_amount = q->integer(2);
  d->orig_cardholder_fee = q->integer(3);
  d->orig_debit_amount = q->integer(4);
  d->orig_finished_at = q->integer(5) ? from_unix_ms(q->integer(5)) : Instant{};
  d->channel_id = q->text(6);
  d->orig_req_sn = q->text(7);
  d->channel_txn_no = q->text(8);
  d->settle_date = q->text(9);
  d->credit_card_masked = q->text(10);
  d->debit_card_masked = q->text(11);
  d->forced = q->integer(12) != 0;
  d->force_fail_at = batch ? from_unix_ms(q->integer(13)) : Instant{};
  d->late_state = q->text(14);
  if (d->orig_req_sn.empty()) return ok_status();
  auto b = c.prepare(
      "SELECT statement_date, line_no, amount, channel_txn_no, recorded_at FROM bank_debits "
      "WHERE channel_id = ? AND req_sn = ?");
  if (!b) return b.error();
  b->bind(1, d->channel_id).bind(2, d->orig_req_sn);
  auto got = b->step();
  if (!got) return got.error();
  if (*got) {
    d->statement_date = std::to_string(b->integer(0));
    d->statement_line = b->integer(1);
    d->statement_amount = b->integer(2);
    d->statement_txn_no = b->text(3);
    d->statement_recorded_at = from_unix_ms(b->integer(4));
  }
  return ok_status();
}

// What the card center was told of the original, and when.
std::string told_of(const ProposalDetail& d) {
  const std::string code = d.orig_resp_code.empty() ? std::string("?") : d.orig_resp_code;
  const std::string at = d.orig_finished_at == Instant{} ? std::string("?")
                                                         : format_cst_timestamp(d.orig_finished_at);
  if (d.row.orig_source == "B") {
    return "batch item " + d.row.orig_ref + " returned F " + code + " (finish time " + at + ")";
  }
  return "real-time repayment " + d.row.orig_ref + " answered FAILED " + code + " at " + at;
}

// The statement line, without card numbers: channel, date, line, ReqSn, amount, bank txn.
std::string statement_of(const ProposalDetail& d) {
  return "the statement of " + d.channel_id + " for " + d.statement_date + " (line " +
         std::to_string(d.statement_line) + ") lists ReqSn " + d.orig_req_sn + " debited " +
         format_amount(d.statement_amount) + " yuan" +
         (d.statement_txn_no.empty() ? std::string() : ", bank txn " + d.statement_txn_no) +
         "; recorded by reconciliation " + format_cst_timestamp(d.statement_recorded_at);
}

std::string discrepancy_of(const ProposalDetail& d) {
  if (d.row.reason == "LATE_SUCCESS") {
    // files.md: a force-failed item debited late stays F for the card center; its debit goes back.
    std::string s = "batch item " + d.row.orig_ref + " force-failed";
    if (d.forced) s += " at " + format_cst_timestamp(d.force_fail_at);
    s += " (" + (d.orig_resp_code.empty() ? std::string("?") : d.orig_resp_code) +
         " for the card center), then found debited by the bank (late state " +
         (d.late_state.empty() ? std::string("?") : d.late_state) + ")";
    if (!d.statement_date.empty()) {
      s += "; " + statement_of(d);
    } else {
      if (!d.channel_txn_no.empty()) s += ", bank txn " + d.channel_txn_no;
      if (!d.settle_date.empty()) s += ", settle date " + d.settle_date;
    }
    return s;
  }
  if (d.row.reason == "ONE_SIDED") {
    return "a success of ours that the card center's posting files do not show (mode 2, "
           "one-sided entry)";
  }
  if (!d.statement_date.empty() && d.row.created_by.rfind("job:", 0) == 0) {
    // DEBITED_OURS_FAILED: reconciliation found a debit the card center was told failed.
    return "the bank debited what we told the card center failed: " + told_of(d) + "; " +
           statement_of(d) + ". The whole debit goes back to the card";
  }
  return "proposed by staff (reason OTHER); see the history for the comment";
}

}  // namespace

Result<std::optional<ProposalRow>> read_proposal(Connection& c, const std::string& refund_no) {
  auto q = c.prepare(std::string("SELECT ") + kProposalColumns +
                     " FROM refunds WHERE refund_no = ? AND origin = 'US'");
  if (!q) return q.error();
  q->bind(1, refund_no);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ProposalRow>();
  auto read = row_of(*q);
  if (!read) return read.error();
  ProposalRow r = std::move(*read);
  REPAY_TRY(add_approvers(c, &r));
  return std::optional<ProposalRow>(std::move(r));
}

Result<std::vector<ProposalRow>> SqlReviewStore::list_proposals(const settlement::ReviewFilter& f) {
  std::string sql = std::string("SELECT ") + kProposalColumns + " FROM refunds WHERE origin = 'US'";
  std::vector<std::string> texts;
  if (!f.center.empty()) {
    sql += " AND center_id = ?";
    texts.push_back(f.center);
  }
  if (!f.reason.empty()) {
    sql += " AND reason = ?";
    texts.push_back(f.reason);
  }
  if (!f.state.empty()) {
    sql += " AND state = ?";
    texts.push_back(f.state);
  }
  int64_t from = 0, to = 0;
  if (!f.day.empty()) {
    auto d = parse_date(f.day);
    if (!d) return make_error(codes::kInvalidField, "expected a date yyyyMMdd", "date", f.day);
    from = to_unix_ms(cst_day_start(*d));
    to = to_unix_ms(cst_day_start(*d + boost::gregorian::days(1)));
    sql += " AND created_at >= ? AND created_at < ?";
  }
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?";
  auto c = store_.pool().acquire();
  auto q = c->prepare(sql);
  if (!q) return q.error();
  int i = 1;
  for (const auto& t : texts) q->bind(i++, t);
  if (!f.day.empty()) {
    q->bind(i++, from);
    q->bind(i++, to);
  }
  q->bind(i, int64_t{f.limit});
  std::vector<ProposalRow> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto read = row_of(*q);
    if (!read) return read.error();
    out.push_back(std::move(*read));
  }
  for (auto& r : out) REPAY_TRY(add_approvers(*c, &r));
  return out;
}

Result<std::optional<ProposalDetail>> SqlReviewStore::show_proposal(const std::string& refund_no) {
  ProposalDetail d;
  {
    // The lease ends before audit_of() takes its own: a caller never holds two connections of
    // the pool at once (with every connection held that way, no one could go on).
    auto c = store_.pool().acquire();
    auto row = read_proposal(*c, refund_no);
    if (!row) return row.error();
    if (!row->has_value()) return std::optional<ProposalDetail>();
    d.row = std::move(**row);
    REPAY_TRY(add_original(*c, &d));
    d.discrepancy = discrepancy_of(d);
    auto q = c->prepare("SELECT amount, reserved FROM refund_ceilings WHERE txn_no = ?");
    if (!q) return q.error();
    q->bind(1, d.row.orig_txn_no);
    auto r = q->step();
    if (!r) return r.error();
    if (*r) {
      d.ceiling = q->integer(0);
      d.reserved = q->integer(1);
    }
  }
  auto audit = store_.audit().audit_of("refund", refund_no);
  if (!audit) return audit.error();
  for (const auto& a : *audit) {
    d.history.push_back(settlement::ReviewEvent{a.at, a.actor, a.old_state, a.new_state, a.reason});
  }
  return std::optional<ProposalDetail>(std::move(d));
}

}  // namespace repay::store
