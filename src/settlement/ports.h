// What channel reconciliation (flow 4: statements of day T against our records) needs from the
// store. load_ours() reads the day's records in one read transaction — a consistent snapshot of
// the live tables, which the match then works on in memory (settlement/reconcile.h) — and writes
// nothing; only what a run found is written, by record_reconciliation(). Every write is guarded
// by a unique key or a state kept per record, so reconciling a day again applies only the
// difference.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "settlement/reconcile.h"
#include "settlement/statement.h"

namespace repay::settlement {

// A statement file as fetched and kept on disk (its raw bytes, never rewritten).
struct StatementFile {
  std::string channel_id;
  Date date;
  std::string path;     // where the raw text is kept (under the database's folder, statements/)
  std::string sha256;   // of the raw bytes
  int64_t count = 0;    // header figures (0 for a statement that did not parse)
  Fen debit_amount = 0;
  Fen refund_amount = 0;
};

struct StoredStatement {
  int64_t id = 0;
  int version = 0;       // 1, 2, ... per (channel, date): a new one only when the SHA-256 differs
  bool created = false;  // false: the very same statement was stored before
};

// Our records of a reconciliation, with the text their ReqSns point to.
struct OurRecords {
  TextArena text;
  std::vector<OurRecord> records;
};

// What one run of (channel, day) found and did.
struct ReconRun {
  std::string channel_id;
  Date date;
  int runs = 0;                 // how many times this (channel, day) was reconciled
  int statement_version = 0;
  int64_t kept = 0;             // records listed by this run, kept as it saw them (recon_ours)
  int64_t ours = 0;             // our records looked at
  int64_t lines = 0;            // statement lines
  std::array<int64_t, kClassCount> counts{};
  int64_t facts_applied = 0;    // ours moved to SUCCESS by the statement
  int64_t proposals = 0;        // refund proposals created by this run
  int64_t exceptions = 0;       // exceptions created by this run
};

// files.md, Settlement file: what a card center's day T holds back and releases.
struct HeldFigures {
  int64_t held_count = 0;       // successes of day T that no statement confirmed (up to T)
  Fen held_amount = 0;          // their principal
  int64_t released_count = 0;   // successes of earlier days held then, confirmed by T's statements
  Fen released_amount = 0;
};

class ReconStore {
 public:
  virtual ~ReconStore() = default;

  // Records a statement kept at f.path. The very same (channel, date, SHA-256) again is not a new
  // version. Errors: "DB".
  virtual Result<StoredStatement> record_statement(const StatementFile& f, Instant now) = 0;

  // Our records of `channel` with day T = `day`, read in one read transaction (a consistent
  // snapshot of the live tables): batch items and real-time repayments by their DEBIT ReqSn,
  // refunds by their REFUND ReqSn, that reached the bank or may have — SUCCESS and FAILED (forced
  // or not) by the CST day of finished_at; SENDING, UNKNOWN and PENDING-with-a-ReqSn by the CST
  // day of updated_at (when they were last sent or changed) — plus records of earlier days still
  // held in suspense or still processing. Each with what earlier runs found (line_day,
  // held_before, has_state). Writes nothing; may run on another thread than the caller's other
  // calls. Errors: "DB".
  virtual Result<OurRecords> load_ours(const std::string& channel, Date day) = 0;

  // Our records for ReqSns the day's records do not hold (a record of another day, or one that
  // changed since), looked up one by one through the unique (channel, ReqSn) indexes, with the
  // same rules for their day. ReqSns that are not ours are left out. Errors: "DB".
  virtual Result<OurRecords> find_ours(const std::string& channel,
                                       const std::vector<std::string>& req_sns) = 0;

  // Applies and records a reconciliation of (channel, day) against statement `statement_id`:
  // ours moved to SUCCESS by the bank's line (batch: apply_facts; real time: the repayment or
  // refund fact, which notifies the card center), refund proposals (PENDING_REVIEW; LATE_SUCCESS
  // for a force-failed item, OTHER for one failed normally; never a second one), exceptions
  // (AMOUNT_DIFFERS, TYPE_DIFFERS, DUPLICATE_LINE, UNKNOWN_REQSN, OURS_MISSING,
  // REFUND_CONTRADICTS; never a second open one for the same ReqSn and kind), each record's state
  // (held, matched, ...), the run's counts (recon_runs, recon_run_counts) and its listed outcomes
  // (recon_results, replaced on a re-run), and each listed record as the match saw it
  // (recon_ours). Errors: "DB"; facts already applied stay applied.
  virtual Result<ReconRun> record_reconciliation(const std::string& channel, Date day,
                                                 int64_t statement_id, const Reconciliation& r,
                                                 Instant now, const std::string& actor) = 0;

  // For the settlement file of card center `center` and day T (files.md, Settlement file): the
  // successes of day T (repayments, both sources; principal) that channel reconciliation has not
  // confirmed by a statement of day T or earlier (held), and successes of earlier days held then
  // and confirmed by a statement of day T (released). Call after every channel of the center is
  // reconciled for T: a channel not reconciled yet holds nothing back. Errors: "DB".
  virtual Result<HeldFigures> held_figures(const std::string& center, Date day) = 0;
};

}  // namespace repay::settlement
