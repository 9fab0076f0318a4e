// SqlCenterFilesStore: the card-center side files of T+1 settlement (settlement/center_files_ports.h).
// Day T of a transaction is the CST day of finished_at (common.md): a range of Unix milliseconds.
#include "settlement/review.h"
#include "settlement/settle_file.h"
#include "store/refund_proposal.h"
#include "store/sql_audit_log.h"
#include "store/sql_center_files_store.h"

namespace repay::store {

using settlement::FeeRow;
using settlement::OurSuccess;
using settlement::PostingClass;
using settlement::PostingCounts;
using settlement::PostingFileInfo;
using settlement::PostingLine;
using settlement::PostingRecord;
using settlement::PostingStored;
using settlement::ReconLine;
using settlement::ReconTotals;
using settlement::RepayFigures;
using settlement::ReviewCounts;
using settlement::SettleVersion;

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kCstOffsetMs = 8 * 3'600'000;

int64_t day_start_ms(Date d) { return to_unix_ms(cst_day_start(d)); }
int64_t day_end_ms(Date d) { return day_start_ms(d + boost::gregorian::days(1)); }
Date date_of_day_number(int64_t n) {
  return Date(1970, 1, 1) + boost::gregorian::days(static_cast<long>(n));
}

// Successes of the center with day T in [?2, ?3): batch items (never a force-failed one: it stays
// FAILED for the card center for good) and real-time repayments. ?1 is the center.
constexpr const char* kRepaySuccesses =
    "SELECT txn_no, 'B' AS source, batch_no, item_id AS ref, amount, cardholder_fee, debit_amount, "
    "finished_at FROM batch_items WHERE center_id = ?1 AND state = 'SUCCESS' AND forced = 0 "
    "AND finished_at >= ?2 AND finished_at < ?3 "
    "UNION ALL "
    "SELECT txn_no, 'R', '', req_no, amount, cardholder_fee, debit_amount, finished_at "
    "FROM repayments WHERE center_id = ?1 AND state = 'SUCCESS' AND finished_at >= ?2 "
    "AND finished_at < ?3";

// files.md, Reconciliation file: the card center's own successful refunds of day T; never a
// refund we started (origin US, whatever its reason), never one of a force-failed item.
constexpr const char* kCenterRefunds =
    "SELECT f.orig_txn_no, COALESCE(f.orig_source, ''), COALESCE(f.orig_batch_no, ''), "
    "f.refund_no, f.amount AS amount, f.cardholder_fee, f.debit_amount, f.finished_at "
    "FROM refunds f WHERE f.center_id = ?1 AND f.origin = 'CENTER' AND f.state = 'SUCCESS' "
    "AND f.finished_at >= ?2 AND f.finished_at < ?3 AND NOT EXISTS (SELECT 1 FROM batch_items b "
    "WHERE b.txn_no = f.orig_txn_no AND b.forced = 1)";

Result<Stmt> prepare_day(Connection& c, const std::string& sql, const std::string& center, Date day) {
  auto s = c.prepare(sql);
  if (!s) return s.error();
  s->bind(1, center).bind(2, day_start_ms(day)).bind(3, day_end_ms(day));
  return std::move(*s);
}

Result<std::pair<int64_t, Fen>> count_and_sum(Connection& c, const char* inner,
                                             const std::string& center, Date day) {
  auto s = prepare_day(c, std::string("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM (") + inner + ")",
                       center, day);
  if (!s) return s.error();
  auto row = s->step();
  if (!row) return row.error();  // SQLite's SUM reports an integer overflow as an error
  return std::make_pair(s->integer(0), s->integer(1));
}

Status each_line(Connection& c, const std::string& sql, bool refund, const std::string& center,
                 Date day, const std::function<Status(const ReconLine&)>& f) {
  auto s = prepare_day(c, sql, center, day);
  if (!s) return s.error();
  ReconLine l;
  l.refund = refund;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return ok_status();
    l.txn_no = s->text(0);
    l.source = s->text(1);
    l.batch_no = s->text(2);
    l.ref = s->text(3);
    l.amount = s->integer(4);
    l.fee = s->integer(5);
    l.debit_amount = s->integer(6);
    l.finished_at = from_unix_ms(s->integer(7));
    REPAY_TRY(f(l));
  }
}

Result<std::optional<PostingRecord>> posting_record(Connection& c, const std::string& center,
                                                    const std::string& name, const std::string& sha) {
  auto s = c.prepare(
      "SELECT id, status, version, COALESCE(error, '') FROM posting_files WHERE center_id = ? AND "
      "file_name = ? AND sha256 = ?");
  if (!s) return s.error();
  s->bind(1, center).bind(2, name).bind(3, sha);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<PostingRecord>();
  return std::optional<PostingRecord>(PostingRecord{s->integer(0), s->text(1),
                                                    static_cast<int>(s->integer(2)), s->text(3)});
}

// How often a posting file is numbered again when other writers keep taking its version.
constexpr int kVersionTries = 16;

Error version_busy(const PostingFileInfo& f) {
  return make_error("BUSY", "posting file versions kept being taken by other writers", "fileName",
                    f.file_name);
}

Result<int> next_posting_version(Connection& c, const std::string& center, Date day) {
  auto s = c.prepare(
      "SELECT COALESCE(MAX(version), 0) + 1 FROM posting_files WHERE center_id = ? AND post_date = ?");
  if (!s) return s.error();
  s->bind(1, center).bind(2, format_date(day));
  auto row = s->step();
  if (!row) return row.error();
  return static_cast<int>(s->integer(0));
}

Result<PostingCounts> counts_of(Connection& c, int64_t file_id) {
  auto s = c.prepare(
      "SELECT class, COUNT(*), COALESCE(SUM(amount), 0) FROM posting_lines WHERE file_id = ? "
      "GROUP BY class");
  if (!s) return s.error();
  s->bind(1, file_id);
  PostingCounts n;
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return n;
    const std::string cls = s->text(0);
    const int64_t k = s->integer(1);
    if (cls == "MATCHED") {
      n.matched = k;
      n.matched_amount = s->integer(2);
    } else if (cls == "AMOUNT_DIFFERS") {
      n.amount_differs = k;
    } else if (cls == "DUPLICATE") {
      n.duplicate = k;
    } else if (cls == "NOT_OURS") {
      n.not_ours = k;
    } else if (cls == "AFTER_ONE_SIDED") {
      n.after_one_sided = k;
    }
  }
}

// One open exception per discrepancy: a re-run repeats none.
constexpr const char* kException =
    "INSERT INTO exceptions(kind, center_id, ref, detail, created_at) "
    "SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM exceptions "
    "WHERE kind = ?1 AND center_id = ?2 AND ref = ?3 AND detail = ?4 AND state = 'OPEN')";

std::string explain(PostingClass cls, const PostingLine& l, const std::optional<OurSuccess>& ours) {
  switch (cls) {
    case PostingClass::kAmountDiffers:
      return "posted " + format_amount(l.amount) + " fen, our repayment is " +
             format_amount(ours ? ours->amount : 0) + " fen";
    case PostingClass::kDuplicate: return "the TxnNo was posted before";
    case PostingClass::kNotOurs: return "not a successful repayment of ours for this card center";
    case PostingClass::kAfterOneSided:
      return "posted after its grace days: a ONE_SIDED refund was already proposed";
    case PostingClass::kMatched: break;
  }
  return "";
}

// The figures of a RECON file as recorded when it was first built (files.md, Once); none yet.
Result<std::optional<ReconTotals>> read_recon_figures(Connection& c, const std::string& center, Date day) {
  auto s = c.prepare(
      "SELECT repay_count, repay_amount, refund_count, refund_amount FROM recon_files "
      "WHERE center_id = ? AND recon_date = ?");
  if (!s) return s.error();
  s->bind(1, center).bind(2, format_date(day));
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ReconTotals>();
  return std::optional<ReconTotals>(ReconTotals{s->integer(0), s->integer(1), s->integer(2), s->integer(3)});
}

}  // namespace

Result<ReconTotals> SqlCenterFilesStore::recon_totals(const std::string& center, Date day) {
  auto c = pool_->acquire();
  ReconTotals t;
  auto r = count_and_sum(*c, kRepaySuccesses, center, day);
  if (!r) return r.error();
  t.repay_count = r->first;
  t.repay_amount = r->second;
  auto f = count_and_sum(*c, kCenterRefunds, center, day);
  if (!f) return f.error();
  t.refund_count = f->first;
  t.refund_amount = f->second;
  return t;
}

Status SqlCenterFilesStore::for_each_recon_line(const std::string& center, Date day,
                                        const std::function<Status(const ReconLine&)>& f) {
  auto c = pool_->acquire();
  REPAY_TRY(each_line(*c, std::string(kRepaySuccesses) + " ORDER BY 8, 1", false, center, day, f));
  return each_line(*c, std::string(kCenterRefunds) + " ORDER BY 8, 4", true, center, day, f);
}

Result<std::optional<PostingRecord>> SqlCenterFilesStore::find_posting_file(const std::string& center,
                                                                    const std::string& file_name,
                                                                    const std::string& sha256) {
  auto c = pool_->acquire();
  return posting_record(*c, center, file_name, sha256);
}

Result<PostingRecord> SqlCenterFilesStore::record_posting_rejection(const PostingFileInfo& f,
                                                            const std::string& error, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto ins = c->prepare(
      "INSERT INTO posting_files(center_id, post_date, file_name, sha256, version, status, "
      "header_count, header_amount, error, received_at) VALUES (?, ?, ?, ?, ?, 'REJECTED', ?, ?, ?, ?) "
      "ON CONFLICT DO NOTHING");
  if (!ins) return ins.error();
  for (int attempt = 1;; ++attempt) {
    auto known = posting_record(*c, f.center_id, f.file_name, f.sha256);
    if (!known) return known.error();
    if (known->has_value()) return **known;
    auto version = next_posting_version(*c, f.center_id, f.post_date);
    if (!version) return version.error();
    REPAY_TRY(ins->reset().bind(1, f.center_id).bind(2, format_date(f.post_date)).bind(3, f.file_name)
                  .bind(4, f.sha256).bind(5, int64_t{*version}).bind(6, f.header_count)
                  .bind(7, f.header_amount).bind(8, error).bind(9, to_unix_ms(now)).run());
    if (c->changes() == 1) {
      PostingRecord r{c->last_insert_rowid(), settlement::kPostingRejected, *version, error};
      REPAY_TRY(tx.commit());
      return r;
    }
    // Another writer took this version (or stored this very file) since the reads above.
    if (attempt == kVersionTries) return version_busy(f);
  }
}

Result<PostingStored> SqlCenterFilesStore::store_posting_file(
    const PostingFileInfo& f, const std::function<Status(const PostingSink&)>& read_lines,
    Instant now, const std::string& actor) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  PostingStored out;
  const std::string date = format_date(f.post_date);
  const int64_t now_ms = to_unix_ms(now);
  // The version, and whether the day's file was used before, are read, then inserted unless
  // another writer committed that version, this very file or the day's USED file meanwhile (the
  // unique keys): then read again.
  std::optional<int> version;
  bool used_before = false;
  const char* status = nullptr;
  auto ins = c->prepare(
      "INSERT INTO posting_files(center_id, post_date, file_name, sha256, version, status, "
      "header_count, header_amount, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT DO NOTHING");
  if (!ins) return ins.error();
  for (int attempt = 1; !version; ++attempt) {
    if (attempt > kVersionTries) return version_busy(f);
    auto known = posting_record(*c, f.center_id, f.file_name, f.sha256);
    if (!known) return known.error();
    if (known->has_value() && (**known).status != settlement::kPostingRejected) {
      out.already = true;
      out.record = **known;
      auto n = counts_of(*c, out.record.id);
      if (!n) return n.error();
      out.counts = *n;
      return out;
    }
    if (known->has_value()) {
      return make_error("POSTING", "this very file was rejected before", "fileName", f.file_name);
    }
    auto next = next_posting_version(*c, f.center_id, f.post_date);
    if (!next) return next.error();
    {
      auto s = c->prepare(
          "SELECT 1 FROM posting_files WHERE center_id = ? AND post_date = ? AND status = 'USED'");
      if (!s) return s.error();
      s->bind(1, f.center_id).bind(2, date);
      auto row = s->step();
      if (!row) return row.error();
      used_before = *row;
    }
    status = used_before ? settlement::kPostingNotUsed : settlement::kPostingUsed;
    REPAY_TRY(ins->reset().bind(1, f.center_id).bind(2, date).bind(3, f.file_name).bind(4, f.sha256)
                  .bind(5, int64_t{*next}).bind(6, status).bind(7, f.header_count)
                  .bind(8, f.header_amount).bind(9, now_ms).run());
    if (c->changes() == 1) version = *next;
  }
  out.record = PostingRecord{c->last_insert_rowid(), status, *version, ""};
  auto except = c->prepare(kException);
  if (!except) return except.error();
  if (used_before) {
    // Never replace what was used for a day: staff decide about a second file.
    REPAY_TRY(except->bind(1, "POST_SECOND_FILE").bind(2, f.center_id).bind(3, f.file_name)
                  .bind(4, "a posting file of " + date + " was already used; version " +
                               std::to_string(*version) + " is not")
                  .bind(5, now_ms).run());
    REPAY_TRY(tx.commit());
    return out;
  }
  // Our success of a line's TxnNo, a batch item's or else a repayment's, its row locked until this
  // file commits: propose_one_sided locks it before it proposes, so the ONE_SIDED proposal read
  // next is the one committed before, or none is made until this file's match is seen.
  const std::string lock_rows(c->dialect().lock_rows);
  auto ours_item = c->prepare(
      "SELECT amount FROM batch_items WHERE center_id = ? AND txn_no = ? AND state = 'SUCCESS' "
      "AND forced = 0" + lock_rows);
  if (!ours_item) return ours_item.error();
  auto ours_repayment = c->prepare(
      "SELECT amount FROM repayments WHERE center_id = ? AND txn_no = ? AND state = 'SUCCESS'" +
      lock_rows);
  if (!ours_repayment) return ours_repayment.error();
  auto ours_of = [&](const std::string& txn_no) -> Result<std::optional<Fen>> {
    for (Stmt* q : {&*ours_item, &*ours_repayment}) {
      q->reset().bind(1, f.center_id).bind(2, txn_no);
      auto row = q->step();
      if (!row) return row.error();
      if (*row) {
        const Fen amount = q->integer(0);
        q->reset();
        return std::optional<Fen>(amount);
      }
    }
    return std::optional<Fen>();
  };
  auto proposed = c->prepare(
      "SELECT 1 FROM refunds WHERE origin = 'US' AND reason = 'ONE_SIDED' AND orig_txn_no = ?");
  if (!proposed) return proposed.error();
  auto take = c->prepare(
      "INSERT INTO posting_matches(center_id, txn_no, file_id, line_no) VALUES (?, ?, ?, ?) "
      "ON CONFLICT DO NOTHING");
  if (!take) return take.error();
  auto line = c->prepare(
      "INSERT INTO posting_lines(file_id, line_no, txn_no, ref, amount, post_time, class) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!line) return line.error();
  const int64_t file_id = out.record.id;

  REPAY_TRY(read_lines([&](const PostingLine& l) -> Status {
    std::optional<OurSuccess> our;
    auto amount = ours_of(l.txn_no);
    if (!amount) return amount.error();
    bool taken = false;
    if (amount->has_value()) {
      our = OurSuccess{**amount, false};
      proposed->reset().bind(1, l.txn_no);
      auto p = proposed->step();
      if (!p) return p.error();
      our->one_sided_proposed = *p;
      // files.md: each txnNo counts once, across days: the first line takes it for good.
      REPAY_TRY(take->reset().bind(1, f.center_id).bind(2, l.txn_no).bind(3, file_id)
                    .bind(4, l.line_no).run());
      taken = c->changes() == 0;
    }
    const PostingClass cls = settlement::classify_posting_line(l, our, taken);
    REPAY_TRY(line->reset().bind(1, file_id).bind(2, l.line_no).bind(3, l.txn_no).bind(4, l.ref)
                  .bind(5, l.amount).bind(6, l.post_time)
                  .bind(7, settlement::posting_class_name(cls)).run());
    switch (cls) {
      case PostingClass::kMatched:
        ++out.counts.matched;
        out.counts.matched_amount += l.amount;
        return ok_status();
      case PostingClass::kAmountDiffers: ++out.counts.amount_differs; break;
      case PostingClass::kDuplicate: ++out.counts.duplicate; break;
      case PostingClass::kNotOurs: ++out.counts.not_ours; break;
      case PostingClass::kAfterOneSided: ++out.counts.after_one_sided; break;
    }
    return except->reset()
        .bind(1, std::string("POST_") + settlement::posting_class_name(cls))
        .bind(2, f.center_id)
        .bind(3, l.txn_no)
        .bind(4, f.file_name + " line " + std::to_string(l.line_no) + ": " + explain(cls, l, our))
        .bind(5, now_ms)
        .run();
  }));
  REPAY_TRY(append_audit(*c, AuditRow{0, now, actor, "posting_file",
                                      f.center_id + ":" + f.file_name, "", status,
                                      "version " + std::to_string(*version) + ", " +
                                          std::to_string(out.counts.matched) + " matched, " +
                                          std::to_string(out.counts.exceptions()) + " exceptions"}));
  REPAY_TRY(tx.commit());
  return out;
}

Result<bool> SqlCenterFilesStore::has_used_posting_file(const std::string& center, Date day) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT 1 FROM posting_files WHERE center_id = ? AND post_date = ? AND status = 'USED'");
  if (!s) return s.error();
  s->bind(1, center).bind(2, format_date(day));
  auto row = s->step();
  if (!row) return row.error();
  return *row;
}

Result<int64_t> SqlCenterFilesStore::propose_one_sided(const std::string& center, Date day, Instant now,
                                               const std::string& actor) {
  auto c = pool_->acquire();
  auto found = one_sided_candidates(*c, center, day);
  if (!found) return found.error();
  // One transaction per proposal: it holds one original's row at a time, so it never waits for a
  // posting file while holding a row that file waits for (the file locks its lines' originals in
  // the file's order, this in TxnNo order). A re-run proposes what an interrupted one left.
  int64_t made = 0;
  for (const auto& k : *found) {
    WriteTx tx(*c);
    REPAY_TRY(tx.begin());
    auto r = propose_one_sided_candidate(*c, k, day, now, actor);
    if (!r) return r.error();
    REPAY_TRY(tx.commit());
    if (*r) ++made;
  }
  return made;
}

Result<std::vector<OneSidedCandidate>> one_sided_candidates(Connection& c, const std::string& center,
                                                            Date day) {
  std::vector<OneSidedCandidate> found;
  auto s = prepare_day(
      c,
      "SELECT s.source, s.txn_no, s.batch_no, s.ref, COALESCE(s.channel_id, ''), "
      "COALESCE(s.req_sn, ''), s.amount, s.fee, s.cardholder_fee, COALESCE(m.reserved, 0), "
      "COALESCE(m.fee_reserved, 0) FROM ("
      "SELECT 'B' AS source, txn_no, batch_no, batch_no || ':' || seq AS ref, channel_id, req_sn, "
      "amount, fee, cardholder_fee FROM batch_items WHERE center_id = ?1 AND state = 'SUCCESS' "
      "AND forced = 0 AND finished_at >= ?2 AND finished_at < ?3 "
      "UNION ALL SELECT 'R', txn_no, '', req_no, channel_id, req_sn, amount, fee, cardholder_fee "
      "FROM repayments WHERE center_id = ?1 AND state = 'SUCCESS' AND finished_at >= ?2 "
      "AND finished_at < ?3) s LEFT JOIN refund_ceilings m ON m.txn_no = s.txn_no "
      "WHERE NOT EXISTS (SELECT 1 FROM posting_matches p WHERE p.center_id = ?1 "
      "AND p.txn_no = s.txn_no) ORDER BY s.txn_no",
      center, day);
  if (!s) return s.error();
  for (;;) {
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) break;
    OneSidedCandidate k;
    k.p.center_id = center;
    k.p.reason = "ONE_SIDED";
    k.p.orig_source = s->text(0);
    k.p.orig_txn_no = s->text(1);
    k.p.orig_batch_no = s->text(2);
    k.p.orig_ref = s->text(3);
    k.p.channel_id = s->text(4);
    k.p.orig_req_sn = s->text(5);
    k.principal = s->integer(6);
    k.fee = s->integer(7);
    k.cardholder_fee = s->integer(8);
    k.reserved = s->integer(9);
    k.fee_reserved = s->integer(10);
    found.push_back(std::move(k));
  }
  return found;
}

Result<bool> propose_one_sided_candidate(Connection& c, const OneSidedCandidate& k, Date day,
                                         Instant now, const std::string& actor) {
  if (k.principal - k.reserved <= 0) return false;  // refunded in full when the candidates were read
  // The original's row first, the row store_posting_file locks for each line of this TxnNo, then
  // whether a posting line took the TxnNo since the candidates were read: under READ COMMITTED a
  // posting file that committed meanwhile is seen here, and one that has not waits for this
  // transaction and then sees the proposal (AFTER_ONE_SIDED). docs/decisions.md, Reconciliation's
  // actions in settlement.
  {
    const std::string table = k.p.orig_source == "B" ? "batch_items" : "repayments";
    auto lock = c.prepare("SELECT 1 FROM " + table + " WHERE center_id = ? AND txn_no = ?" +
                          std::string(c.dialect().lock_rows));
    if (!lock) return lock.error();
    lock->bind(1, k.p.center_id).bind(2, k.p.orig_txn_no);
    for (;;) {
      auto row = lock->step();
      if (!row) return row.error();
      if (!*row) break;
    }
    auto taken = c.prepare("SELECT 1 FROM posting_matches WHERE center_id = ? AND txn_no = ?");
    if (!taken) return taken.error();
    taken->bind(1, k.p.center_id).bind(2, k.p.orig_txn_no);
    auto row = taken->step();
    if (!row) return row.error();
    if (*row) return false;
  }
  // What is still refundable: the card center may have refunded part of it itself, also since
  // the candidates were read (each proposal is a transaction of its own), so the ceiling is read
  // again here. The approval reserves the proposal under the ceiling and checks it once more
  // (settlement/review_ports.h); these are the figures as of now.
  Fen reserved = 0, fee_reserved = 0;
  {
    auto m = c.prepare("SELECT reserved, fee_reserved FROM refund_ceilings WHERE txn_no = ?");
    if (!m) return m.error();
    m->bind(1, k.p.orig_txn_no);
    auto row = m->step();
    if (!row) return row.error();
    if (*row) {
      reserved = m->integer(0);
      fee_reserved = m->integer(1);
    }
  }
  const Fen rest = k.principal - reserved;
  if (rest <= 0) return false;
  // A SUCCESS repayment's refundable (settlement::refundable_of): its principal and fee.
  const settlement::RefundFigures money = settlement::refund_figures(
      settlement::Refundable{true, k.principal, k.fee, k.cardholder_fee}, rest, reserved,
      fee_reserved);
  RefundProposal p = k.p;
  p.amount = money.amount;
  p.fee = money.fee;
  p.cardholder_fee = money.cardholder_fee;
  p.debit_amount = money.debit_amount;
  p.why = "in neither the posting file of " + format_date(day) + " nor those of its grace days";
  auto r = insert_refund_proposal(c, p, now, actor);
  if (!r) return r.error();
  return r->has_value();
}

Result<RepayFigures> SqlCenterFilesStore::posted_figures(const std::string& center, Date day) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT COUNT(*), COALESCE(SUM(l.amount), 0) FROM posting_lines l JOIN posting_files f "
      "ON f.id = l.file_id WHERE f.center_id = ? AND f.post_date = ? AND f.status = 'USED' "
      "AND l.class = 'MATCHED'");
  if (!s) return s.error();
  s->bind(1, center).bind(2, format_date(day));
  auto row = s->step();
  if (!row) return row.error();
  return RepayFigures{s->integer(0), s->integer(1)};
}

Result<ReviewCounts> SqlCenterFilesStore::review_counts(const std::string& center) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT (SELECT COUNT(*) FROM refunds WHERE origin = 'US' AND center_id = ?1 AND "
      "state = 'PENDING_REVIEW'), (SELECT COUNT(*) FROM exceptions WHERE center_id = ?1 AND "
      "state = 'OPEN')");
  if (!s) return s.error();
  s->bind(1, center);
  auto row = s->step();
  if (!row) return row.error();
  return ReviewCounts{s->integer(0), s->integer(1)};
}

Result<SettleVersion> SqlCenterFilesStore::record_settle_file(const std::string& center, Date day,
                                                      const std::string& header, Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  const std::string date = format_date(day);
  // files.md, Once: the file recorded first is the file of the day. A database from before
  // issue 16 may hold several versions: the latest is the one published last.
  auto recorded = [&]() -> Result<std::optional<SettleVersion>> {
    auto s = c->prepare(
        "SELECT version, file_name, header FROM settle_files WHERE center_id = ? AND "
        "settle_date = ? ORDER BY version DESC LIMIT 1");
    if (!s) return s.error();
    s->bind(1, center).bind(2, date);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<SettleVersion>();
    SettleVersion first;
    first.version = static_cast<int>(s->integer(0));
    first.file_name = s->text(1);
    first.header = s->text(2);
    return std::optional<SettleVersion>(first);
  };
  {
    auto first = recorded();
    if (!first) return first.error();
    if (first->has_value()) return **first;
  }
  SettleVersion v;
  v.version = 1;
  v.file_name = settlement::settle_file_name(center, day);
  v.header = header;
  v.created = true;
  auto ins = c->prepare(
      "INSERT INTO settle_files(center_id, settle_date, version, file_name, header, created_at) "
      "VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT DO NOTHING");
  if (!ins) return ins.error();
  REPAY_TRY(ins->bind(1, center).bind(2, date).bind(3, v.file_name).bind(4, header)
                .bind(5, to_unix_ms(now)).run());
  if (c->changes() != 1) {
    // Another writer recorded the day's file since the read above: that one is the file.
    auto first = recorded();
    if (!first) return first.error();
    if (!first->has_value()) return make_error("DB", "settle file vanished", "center", center);
    return **first;
  }
  REPAY_TRY(tx.commit());
  return v;
}

Result<settlement::RecordedRecon> SqlCenterFilesStore::record_recon_file(const std::string& center,
                                                                 Date day,
                                                                 const ReconTotals& totals,
                                                                 Instant now) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  auto ins = c->prepare(
      "INSERT INTO recon_files(center_id, recon_date, repay_count, repay_amount, refund_count, "
      "refund_amount, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (center_id, recon_date) DO NOTHING");
  if (!ins) return ins.error();
  REPAY_TRY(ins->bind(1, center).bind(2, format_date(day)).bind(3, totals.repay_count)
                .bind(4, totals.repay_amount).bind(5, totals.refund_count)
                .bind(6, totals.refund_amount).bind(7, to_unix_ms(now)).run());
  settlement::RecordedRecon out;
  out.created = c->changes() > 0;
  auto recorded = read_recon_figures(*c, center, day);
  if (!recorded) return recorded.error();
  if (!*recorded) return make_error("DB", "the RECON figures just recorded are not there", "center", center);
  out.totals = **recorded;
  REPAY_TRY(tx.commit());
  return out;
}

Result<std::optional<ReconTotals>> SqlCenterFilesStore::recorded_recon(const std::string& center, Date day) {
  auto c = pool_->acquire();
  return read_recon_figures(*c, center, day);
}

Result<std::vector<FeeRow>> SqlCenterFilesStore::fee_rows(const std::string& center, int year, int month) {
  const Date first(static_cast<unsigned short>(year), static_cast<unsigned short>(month), 1);
  const Date next = first + boost::gregorian::months(1);
  const int64_t from = day_start_ms(first), to = day_start_ms(next);
  auto c = pool_->acquire();
  // files.md, Fee statement: repayments whose fee the card center pays (never a force-failed
  // item), by CST day and channel kind; and the fees their successful refunds returned.
  const std::string day_expr =
      "(%.finished_at + " + std::to_string(kCstOffsetMs) + ") / " + std::to_string(kDayMs);
  auto day_of = [&](const char* alias) {
    std::string e = day_expr;
    e.replace(e.find('%'), 1, alias);
    return e;
  };
  const std::string center_paid = " NOT LIKE '%/CARDHOLDER'";
  const std::string repays =
      "SELECT d, kind, COUNT(*), SUM(amount), SUM(fee) FROM ("
      "SELECT " + day_of("i") + " AS d, a.kind AS kind, i.amount AS amount, i.fee AS fee "
      "FROM batch_items i JOIN agreements a ON a.agreement_no = i.agreement_no "
      "WHERE i.center_id = ?1 AND i.state = 'SUCCESS' AND i.forced = 0 AND i.finished_at >= ?2 "
      "AND i.finished_at < ?3 AND COALESCE(i.fee_rule, '')" + center_paid +
      " UNION ALL SELECT " + day_of("r") + ", a.kind, r.amount, r.fee FROM repayments r "
      "JOIN agreements a ON a.agreement_no = r.agreement_no WHERE r.center_id = ?1 AND "
      "r.state = 'SUCCESS' AND r.finished_at >= ?2 AND r.finished_at < ?3 AND "
      "COALESCE(r.fee_rule, '')" + center_paid + ") GROUP BY d, kind";
  const std::string returned =
      "SELECT d, kind, SUM(fee) FROM ("
      "SELECT " + day_of("f") + " AS d, a.kind AS kind, f.fee AS fee FROM refunds f "
      "JOIN batch_items i ON i.txn_no = f.orig_txn_no JOIN agreements a ON a.agreement_no = "
      "i.agreement_no WHERE f.center_id = ?1 AND f.state = 'SUCCESS' AND f.finished_at >= ?2 AND "
      "f.finished_at < ?3 AND i.state = 'SUCCESS' AND i.forced = 0 AND COALESCE(i.fee_rule, '')" +
      center_paid +
      " UNION ALL SELECT " + day_of("f") + ", a.kind, f.fee FROM refunds f JOIN repayments r "
      "ON r.txn_no = f.orig_txn_no JOIN agreements a ON a.agreement_no = r.agreement_no "
      "WHERE f.center_id = ?1 AND f.state = 'SUCCESS' AND f.finished_at >= ?2 AND "
      "f.finished_at < ?3 AND COALESCE(r.fee_rule, '')" + center_paid + ") GROUP BY d, kind";
  std::vector<FeeRow> rows;
  for (const std::string* sql : {&repays, &returned}) {
    auto s = c->prepare(*sql);
    if (!s) return s.error();
    s->bind(1, center).bind(2, from).bind(3, to);
    for (;;) {
      auto row = s->step();
      if (!row) return row.error();
      if (!*row) break;
      FeeRow r;
      r.day = date_of_day_number(s->integer(0));
      r.kind = s->text(1);
      if (sql == &repays) {
        r.count = s->integer(2);
        r.amount = s->integer(3);
        r.fee = s->integer(4);
      } else {
        r.returned_fee = s->integer(2);
      }
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

}  // namespace repay::store
