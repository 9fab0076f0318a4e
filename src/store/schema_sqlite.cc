// The SQLite schema, step by step (store/migrations.h: the versions every engine shares).
#include "store/migrations.h"

#include <vector>

#include "store/migration_state_checks.h"
#include "store/settlement_recon_migration.h"

namespace repay::store {

// Never edit a migration that has shipped: add a new one.
const std::vector<const char*>& sqlite_migrations() {
  static const std::vector<const char*> m = {
      // 1: foundation — sequences, nonces, audit, agreements, signing calls.
      R"SQL(
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  next_value INTEGER NOT NULL
);
CREATE TABLE nonces (
  sender TEXT NOT NULL,
  nonce TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (sender, nonce)
);
CREATE INDEX nonces_seen_at ON nonces(seen_at);

-- Append-only: every state change of an agreement, repayment or refund.
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  old_state TEXT,
  new_state TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

-- Card, ID and mobile numbers: *_enc is AES-256-GCM, *_hash a keyed hash for look-ups,
-- *_masked what people may see.
CREATE TABLE agreements (
  agreement_no TEXT PRIMARY KEY,
  center_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('COLLECT', 'QUICK')),
  channel_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'REVOKED')),
  credit_card_enc BLOB NOT NULL,
  credit_card_hash TEXT NOT NULL,
  credit_card_masked TEXT NOT NULL,
  debit_card_enc BLOB NOT NULL,
  debit_card_hash TEXT NOT NULL,
  debit_card_masked TEXT NOT NULL,
  holder_name TEXT NOT NULL,
  id_type TEXT NOT NULL,
  id_no_enc BLOB NOT NULL,
  id_no_hash TEXT NOT NULL,
  id_no_masked TEXT NOT NULL,
  mobile_enc BLOB,
  mobile_masked TEXT,
  protocol_no TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- One active agreement per center, card pair and kind (center-api.md: returned as it is).
CREATE UNIQUE INDEX agreements_active_pair
  ON agreements(center_id, credit_card_hash, debit_card_hash, kind) WHERE state = 'ACTIVE';

-- Signing calls by (center, ReqNo): CLAIMED while the bank call runs, then DONE.
CREATE TABLE signing_requests (
  center_id TEXT NOT NULL,
  req_no TEXT NOT NULL,
  tx_code TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('CLAIMED', 'DONE')),
  claim_token TEXT,
  claimed_at INTEGER NOT NULL,
  status TEXT,
  resp_code TEXT,
  resp_msg TEXT,
  agreement_no TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (center_id, req_no)
);

-- Quick-pay applications: the SMS sent by qsign/apply, awaiting confirms.
CREATE TABLE quick_applications (
  center_id TEXT NOT NULL,
  apply_req_no TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  req_sn TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('SMS_SENT', 'SIGNED', 'FAILED')),
  tries INTEGER NOT NULL DEFAULT 0,
  resp_code TEXT,
  credit_card_enc BLOB NOT NULL,
  debit_card_enc BLOB NOT NULL,
  holder_name TEXT NOT NULL,
  id_type TEXT NOT NULL,
  id_no_enc BLOB NOT NULL,
  mobile_enc BLOB NOT NULL,
  mobile_masked TEXT NOT NULL,
  agreement_no TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (center_id, apply_req_no)
);
)SQL",
      // 2: batches — files received, batches, items, used itemIds, refund proposals, exceptions.
      R"SQL(
CREATE TABLE batch_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  center_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  batch_no TEXT NOT NULL,
  batch_date TEXT NOT NULL,
  header_count INTEGER NOT NULL DEFAULT 0,
  header_amount INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  rejection_no INTEGER,
  return_file TEXT,
  returned_at INTEGER,
  UNIQUE (center_id, file_name, sha256)
);
CREATE INDEX batch_files_rejections ON batch_files(center_id, batch_no) WHERE status <> '00';

CREATE TABLE batches (
  center_id TEXT NOT NULL,
  batch_no TEXT NOT NULL,
  batch_date TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  total_count INTEGER NOT NULL,
  total_amount INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  send_from_at INTEGER NOT NULL,
  force_fail_at INTEGER NOT NULL,
  encoding TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('LOADING', 'OPEN', 'CLOSED', 'RETURNED')),
  open_items INTEGER NOT NULL DEFAULT 0,
  closed_at INTEGER,
  return_file TEXT,
  returned_at INTEGER,
  PRIMARY KEY (center_id, batch_no)
);
CREATE INDEX batches_open ON batches(state, force_fail_at);

-- One row per D line. States: batch/item.h.
CREATE TABLE batch_items (
  center_id TEXT NOT NULL,
  batch_no TEXT NOT NULL,
  seq INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  agreement_no TEXT NOT NULL,
  channel_id TEXT,
  amount INTEGER NOT NULL,
  fee INTEGER NOT NULL DEFAULT 0,
  cardholder_fee INTEGER NOT NULL DEFAULT 0,
  debit_amount INTEGER NOT NULL DEFAULT 0,
  fee_rule TEXT,
  memo TEXT,
  state TEXT NOT NULL CHECK (state IN ('REJECTED', 'PENDING', 'SENDING', 'UNKNOWN', 'SUCCESS', 'FAILED')),
  resp_code TEXT,
  txn_no TEXT,
  req_sn TEXT,
  channel_txn_no TEXT,
  settle_date TEXT,
  forced INTEGER NOT NULL DEFAULT 0,
  late_state TEXT CHECK (late_state IN ('UNRESOLVED', 'DEBITED', 'NOT_DEBITED')),
  next_at INTEGER NOT NULL DEFAULT 0,
  query_count INTEGER NOT NULL DEFAULT 0,
  claim_node TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  send_from_at INTEGER NOT NULL,
  force_fail_at INTEGER NOT NULL,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (center_id, batch_no, seq)
);
CREATE INDEX batch_items_pending ON batch_items(channel_id, force_fail_at, center_id, batch_no, seq)
  WHERE state = 'PENDING';
CREATE INDEX batch_items_to_query ON batch_items(channel_id, next_at)
  WHERE state = 'UNKNOWN' OR late_state = 'UNRESOLVED';
CREATE INDEX batch_items_sending ON batch_items(claim_node) WHERE state = 'SENDING';
CREATE INDEX batch_items_finished ON batch_items(channel_id, finished_at);
CREATE UNIQUE INDEX batch_items_req_sn ON batch_items(channel_id, req_sn) WHERE req_sn IS NOT NULL;
CREATE UNIQUE INDEX batch_items_txn_no ON batch_items(txn_no) WHERE txn_no IS NOT NULL;

-- files.md: every itemId of an accepted file is used, whatever its result.
CREATE TABLE item_ids (
  center_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  batch_no TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (center_id, item_id)
) WITHOUT ROWID;

-- Real-time repayments (center-api.md, repay). States as batch items: SENDING, UNKNOWN, PENDING
-- (busy: resend the same ReqSn), SUCCESS, FAILED; REJECTED for value checks that failed.
CREATE TABLE repayments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  txn_no TEXT UNIQUE,                -- NULL for a request refused by its value checks
  center_id TEXT NOT NULL,
  req_no TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  agreement_no TEXT NOT NULL,
  channel_id TEXT,
  amount INTEGER NOT NULL,
  fee INTEGER NOT NULL DEFAULT 0,
  cardholder_fee INTEGER NOT NULL DEFAULT 0,
  debit_amount INTEGER NOT NULL DEFAULT 0,
  fee_rule TEXT,
  notify_url TEXT,
  state TEXT NOT NULL CHECK (state IN ('REJECTED', 'PENDING', 'SENDING', 'UNKNOWN', 'SUCCESS', 'FAILED')),
  resp_code TEXT,
  req_sn TEXT,
  channel_txn_no TEXT,
  settle_date TEXT,
  answered_processing INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0,
  query_count INTEGER NOT NULL DEFAULT 0,
  last_look_at INTEGER NOT NULL DEFAULT 0,
  claim_node TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL,
  UNIQUE (center_id, req_no)
);
CREATE UNIQUE INDEX repayments_req_sn ON repayments(channel_id, req_sn) WHERE req_sn IS NOT NULL;
CREATE INDEX repayments_to_query ON repayments(channel_id, next_at) WHERE state IN ('UNKNOWN', 'PENDING');
CREATE INDEX repayments_sending ON repayments(claim_node) WHERE state = 'SENDING';
CREATE INDEX repayments_finished ON repayments(center_id, finished_at);

-- What has been reserved for refunds of a success (a refund counts from its creation until it
-- fails or is rejected), per repayment of either source: the ceiling is one conditional update.
CREATE TABLE refund_ceilings (
  txn_no TEXT PRIMARY KEY,
  center_id TEXT NOT NULL,
  amount INTEGER NOT NULL,          -- the repayment's principal: the ceiling
  fee INTEGER NOT NULL,             -- the repayment's fee (whoever pays)
  cardholder_fee INTEGER NOT NULL,
  reserved INTEGER NOT NULL DEFAULT 0,
  fee_reserved INTEGER NOT NULL DEFAULT 0,
  CHECK (reserved >= 0 AND reserved <= amount)
);

-- Refunds: the card center's own (origin CENTER, no review) and ours (origin US: proposals that
-- settlement staff review; one per discrepancy, never two).
CREATE TABLE refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  refund_no TEXT UNIQUE,             -- NULL for a request refused (2008)
  center_id TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('CENTER', 'US')),
  reason TEXT NOT NULL DEFAULT '' CHECK (reason IN ('', 'LATE_SUCCESS', 'ONE_SIDED', 'OTHER')),
  req_no TEXT,
  fingerprint TEXT,
  orig_txn_no TEXT NOT NULL,
  orig_source TEXT CHECK (orig_source IN ('B', 'R')),
  orig_batch_no TEXT,
  orig_ref TEXT,
  channel_id TEXT,
  orig_req_sn TEXT,
  amount INTEGER NOT NULL,
  fee INTEGER NOT NULL DEFAULT 0,
  cardholder_fee INTEGER NOT NULL DEFAULT 0,
  debit_amount INTEGER NOT NULL,
  notify_url TEXT,
  -- REFUSED: a card center's request refused by its checks (2008, 2009), never sent.
  state TEXT NOT NULL CHECK (state IN ('PENDING_REVIEW', 'APPROVED', 'REJECTED', 'EXPIRED', 'REFUSED',
                                       'PENDING', 'SENDING', 'UNKNOWN', 'SUCCESS', 'FAILED')),
  resp_code TEXT,
  req_sn TEXT,
  channel_txn_no TEXT,
  settle_date TEXT,
  answered_processing INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0,
  query_count INTEGER NOT NULL DEFAULT 0,
  claim_node TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  reviewed_by TEXT,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX refunds_req_no ON refunds(center_id, req_no) WHERE req_no IS NOT NULL;
CREATE UNIQUE INDEX refunds_proposal ON refunds(reason, orig_txn_no) WHERE origin = 'US';
CREATE UNIQUE INDEX refunds_req_sn ON refunds(channel_id, req_sn) WHERE req_sn IS NOT NULL;
CREATE INDEX refunds_orig ON refunds(orig_txn_no);
CREATE INDEX refunds_to_query ON refunds(channel_id, next_at) WHERE state IN ('UNKNOWN', 'PENDING', 'APPROVED');

-- Our refund proposals, as staff and tests look at them.
CREATE VIEW refund_proposals AS
  SELECT refund_no, center_id, reason, orig_txn_no AS txn_no, orig_source AS source,
         orig_batch_no AS batch_no, orig_ref AS ref, channel_id, orig_req_sn, amount,
         cardholder_fee AS fee, debit_amount, state, created_at, created_by
  FROM refunds WHERE origin = 'US';

-- The outbox of notifications to card centers (center-api.md, Notifications).
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  center_id TEXT NOT NULL,
  key TEXT NOT NULL,
  url TEXT NOT NULL,
  body_fields TEXT NOT NULL,       -- name=value lines, values escaped (\n, \\)
  state TEXT NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'GAVE_UP')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  first_try_at INTEGER,
  next_at INTEGER NOT NULL,
  last_result TEXT,
  delivered_at INTEGER
);
CREATE INDEX notifications_due ON notifications(state, next_at);
CREATE INDEX notifications_key ON notifications(key, id);
CREATE TABLE notification_attempts (
  notification_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX notification_attempts_id ON notification_attempts(notification_id);

-- Discrepancies for staff: never applied silently.
CREATE TABLE exceptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  center_id TEXT,
  channel_id TEXT,
  ref TEXT NOT NULL,
  detail TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'OPEN',
  created_at INTEGER NOT NULL
);
)SQL",
      // Refund review: staff decisions on our refund proposals (append-only; the refund's state
      // and its audit rows say the rest). One approval per proposal and person (maker-checker,
      // two different approvers above refund_two_approvals_above).
      R"SQL(
CREATE TABLE refund_approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  refund_no TEXT NOT NULL,
  actor TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('APPROVE', 'REJECT')),
  comment TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL
);
CREATE UNIQUE INDEX refund_approvals_once ON refund_approvals(refund_no, actor) WHERE decision = 'APPROVE';
CREATE INDEX refund_approvals_refund ON refund_approvals(refund_no, id);
CREATE TRIGGER refund_approvals_no_update BEFORE UPDATE ON refund_approvals
  BEGIN SELECT RAISE(ABORT, 'refund_approvals is append-only'); END;
CREATE TRIGGER refund_approvals_no_delete BEFORE DELETE ON refund_approvals
  BEGIN SELECT RAISE(ABORT, 'refund_approvals is append-only'); END;
CREATE INDEX refunds_review ON refunds(state, created_at) WHERE origin = 'US';
)SQL",
      // Settlement files with card centers (files.md: Reconciliation file, Posting file,
      // Settlement file, Fee statement): posting files and their lines as matched, the TxnNo each
      // posting line took (each counts once, across days), versions of SETTLE files.
      R"SQL(
CREATE TABLE posting_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  center_id TEXT NOT NULL,
  post_date TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  version INTEGER NOT NULL,          -- n-th file received for (center, date), rejected ones included
  status TEXT NOT NULL CHECK (status IN ('USED', 'REJECTED', 'NOT_USED')),
  header_count INTEGER NOT NULL DEFAULT 0,
  header_amount INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  received_at INTEGER NOT NULL,
  UNIQUE (center_id, file_name, sha256),
  UNIQUE (center_id, post_date, version)
);
CREATE UNIQUE INDEX posting_files_used ON posting_files(center_id, post_date) WHERE status = 'USED';
CREATE TABLE posting_lines (
  file_id INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  txn_no TEXT NOT NULL,
  ref TEXT NOT NULL,
  amount INTEGER NOT NULL,
  post_time TEXT NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('MATCHED', 'AMOUNT_DIFFERS', 'DUPLICATE', 'NOT_OURS',
                                       'AFTER_ONE_SIDED')),
  PRIMARY KEY (file_id, line_no)
) WITHOUT ROWID;
CREATE TABLE posting_matches (
  center_id TEXT NOT NULL,
  txn_no TEXT NOT NULL,
  file_id INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  PRIMARY KEY (center_id, txn_no)
) WITHOUT ROWID;
CREATE TABLE settle_files (
  center_id TEXT NOT NULL,
  settle_date TEXT NOT NULL,
  version INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  header TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (center_id, settle_date, version)
);
-- Day T of a center's transactions: successes and refunds by finish time.
CREATE INDEX batch_items_center_success ON batch_items(center_id, finished_at) WHERE state = 'SUCCESS';
CREATE INDEX refunds_center_finished ON refunds(center_id, finished_at) WHERE state = 'SUCCESS';
)SQL",
      // Channel reconciliation (settlement/ports.h, ReconStore): statements kept with their SHA-256,
      // the per-day, per-channel copy of our records, what runs found per record and per line.
      R"SQL(
CREATE TABLE recon_statements (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id TEXT NOT NULL,
  date INTEGER NOT NULL,            -- yyyyMMdd
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  path TEXT NOT NULL,
  line_count INTEGER NOT NULL,
  debit_amount INTEGER NOT NULL,
  refund_amount INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  UNIQUE (channel_id, date, sha256),
  UNIQUE (channel_id, date, version)
);
-- The copy: one row per channel and ReqSn (a DEBIT's or a REFUND's), under its day T.
-- state: S success, F failed, X force-failed, P processing (SENDING, UNKNOWN, PENDING).
CREATE TABLE recon_ours (
  channel_id TEXT NOT NULL,
  day INTEGER NOT NULL,             -- yyyyMMdd, CST
  req_sn TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('DEBIT', 'REFUND')),
  source TEXT NOT NULL CHECK (source IN ('B', 'R', 'F')),  -- batch item, repayment, refund
  center_id TEXT NOT NULL,
  amount INTEGER NOT NULL,          -- what the bank sees: debitAmount, or what goes back
  principal INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('S', 'F', 'X', 'P')),
  copied_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, day, req_sn)
) WITHOUT ROWID;
CREATE UNIQUE INDEX recon_ours_req_sn ON recon_ours(channel_id, req_sn);
-- What runs found about a record, when it is not implicit (a success of day T without a row here
-- was matched by day T's statement once day T has a run).
CREATE TABLE recon_state (
  channel_id TEXT NOT NULL,
  req_sn TEXT NOT NULL,
  status TEXT NOT NULL,             -- MATCHED, HELD, MISSING, OPEN, or the class that acted
  line_date INTEGER,                -- yyyyMMdd of the statement whose line this record used
  held INTEGER NOT NULL DEFAULT 0,  -- held in suspense at some point
  day INTEGER NOT NULL,             -- the record's day T (for suspense)
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, req_sn)
) WITHOUT ROWID;
CREATE INDEX recon_state_open ON recon_state(channel_id, status) WHERE status IN ('HELD', 'OPEN');
CREATE TABLE recon_runs (
  channel_id TEXT NOT NULL,
  date INTEGER NOT NULL,
  statement_id INTEGER NOT NULL,
  runs INTEGER NOT NULL,
  outcomes INTEGER NOT NULL,        -- records and lines classified (the sum of the counts)
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, date)
);
CREATE TABLE recon_run_counts (
  channel_id TEXT NOT NULL,
  date INTEGER NOT NULL,
  class TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (channel_id, date, class)
) WITHOUT ROWID;
-- The listed outcomes of the latest run of a (channel, date): every one but plain matches.
CREATE TABLE recon_results (
  channel_id TEXT NOT NULL,
  date INTEGER NOT NULL,
  req_sn TEXT NOT NULL,
  class TEXT NOT NULL,
  line_no INTEGER NOT NULL DEFAULT 0,
  type TEXT,
  our_amount INTEGER,
  bank_amount INTEGER,
  channel_txn_no TEXT,
  action TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (channel_id, date, req_sn, class, line_no)
) WITHOUT ROWID;
CREATE INDEX repayments_channel_finished ON repayments(channel_id, finished_at);
CREATE INDEX refunds_channel_finished ON refunds(channel_id, finished_at);
CREATE INDEX exceptions_ref ON exceptions(kind, ref);
)SQL",
      // Staff console: staff accounts (slow-KDF password hashes, lock-out after failed logins),
      // their sessions (only a SHA-256 of the cookie is stored) and resolution notes on exceptions.
      R"SQL(
CREATE TABLE staff (
  login TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
  password_hash TEXT NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
  token_hash TEXT PRIMARY KEY,
  login TEXT NOT NULL REFERENCES staff(login),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_expires ON staff_sessions(expires_at);
CREATE TABLE exception_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  exception_id INTEGER NOT NULL REFERENCES exceptions(id),
  at INTEGER NOT NULL,
  login TEXT NOT NULL,
  note TEXT NOT NULL,
  resolved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX exception_notes_exception ON exception_notes(exception_id);
CREATE INDEX audit_at ON audit(at);
)SQL",
      // T+1 jobs of `repay serve` (settlement/job_ports.h): one row per job, subject (channel or
      // card center) and period (day T or month), so a job done is not done again, a restart knows
      // where it stood and an alert is raised once. The row ('START', '*', '*') keeps the first
      // day the scheduler looked at.
      R"SQL(
CREATE TABLE settle_jobs (
  job TEXT NOT NULL,
  subject TEXT NOT NULL,
  period TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  alerted_at INTEGER,
  done_at INTEGER,
  updated_at INTEGER,
  PRIMARY KEY (job, subject, period)
) WITHOUT ROWID;
)SQL",
      // CHECKs of batch_items and repayments without IN lists (store/migration_state_checks.h).
      state_checks_migration(),
      // recon_ours with its CHECKs stated without IN lists, like batch_items and repayments above:
      // the day's copy writes one row per record of ours, and the IN lists cost as much as the
      // insert itself (docs/performance.md, Channel reconciliation). Same meaning; rebuilt as is.
      R"SQL(
CREATE TABLE recon_ours_rebuilt (
  channel_id TEXT NOT NULL,
  day INTEGER NOT NULL,             -- yyyyMMdd, CST
  req_sn TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type = 'DEBIT' OR type = 'REFUND'),
  source TEXT NOT NULL CHECK (source = 'B' OR source = 'R' OR source = 'F'),
  center_id TEXT NOT NULL,
  amount INTEGER NOT NULL,          -- what the bank sees: debitAmount, or what goes back
  principal INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state = 'S' OR state = 'F' OR state = 'X' OR state = 'P'),
  copied_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, day, req_sn)
) WITHOUT ROWID;
INSERT INTO recon_ours_rebuilt SELECT channel_id, day, req_sn, type, source, center_id, amount,
  principal, state, copied_at FROM recon_ours;
DROP TABLE recon_ours;
ALTER TABLE recon_ours_rebuilt RENAME TO recon_ours;
CREATE UNIQUE INDEX recon_ours_req_sn ON recon_ours(channel_id, req_sn);
)SQL",
      // Channel reconciliation reads the live tables; recon_ours keeps only what runs listed
      // (store/settlement_recon_migration.cc).
      recon_live_migration(),
      // A batch's sendable items packed by the intake, up to a thousand a row, until unpacked
      // into batch_items (store/batch_blocks.h); the token of the load that owns a LOADING batch.
      R"SQL(
CREATE TABLE batch_blocks (
  id INTEGER PRIMARY KEY,
  center_id TEXT NOT NULL,
  batch_no TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  items INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (center_id, batch_no, first_seq)
);
-- The token of the load that owns a LOADING batch (store/batch_intake_sql.cc); NULL after.
ALTER TABLE batches ADD COLUMN load_token TEXT;
)SQL",
      // The bank's word on a debit the card center was told failed (issue 16): the statement line
      // that lists it debited, kept by reconciliation. It is what such an original's refund may
      // give back (store/review_sql.cc), and what the review shows.
      R"SQL(
CREATE TABLE bank_debits (
  channel_id TEXT NOT NULL,
  req_sn TEXT NOT NULL,              -- the DEBIT's ReqSn
  center_id TEXT NOT NULL,
  txn_no TEXT NOT NULL,              -- the original (repayment or batch item)
  amount INTEGER NOT NULL,           -- what the statement says was debited
  statement_date INTEGER NOT NULL,   -- yyyyMMdd
  line_no INTEGER NOT NULL,
  channel_txn_no TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, req_sn)
) WITHOUT ROWID;
CREATE INDEX bank_debits_txn ON bank_debits(center_id, txn_no);
)SQL",
      // files.md, Once: the figures of each RECON file as recorded when it was first built (its
      // SETTLE takes them; a file is published once, never rebuilt from other figures).
      R"SQL(
CREATE TABLE recon_files (
  center_id TEXT NOT NULL,
  recon_date TEXT NOT NULL,         -- yyyyMMdd, day T
  repay_count INTEGER NOT NULL,
  repay_amount INTEGER NOT NULL,
  refund_count INTEGER NOT NULL,
  refund_amount INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (center_id, recon_date)
) WITHOUT ROWID;
)SQL",
      // files.md: 3002 only for an item no DEBIT of which can have been executed. Set when a
      // send's outcome is unknown, never cleared (batch/item.h). Items claimed before this
      // migration and not final are taken as "may have been debited": 3001 and a QUERY.
      R"SQL(
ALTER TABLE batch_items ADD COLUMN maybe_debited INTEGER NOT NULL DEFAULT 0;
UPDATE batch_items SET maybe_debited = 1
  WHERE txn_no IS NOT NULL AND state IN ('PENDING', 'SENDING', 'UNKNOWN');
)SQL",
      // One number per rejection of a batchNo (issue 17): record_rejection numbers COUNT(*) + 1
      // and numbers again when the insert meets this key. Two rejections numbered alike before
      // (at once): the oldest keeps the number; the others keep their row and the return file
      // they were published under, without a number (nothing reads it; COUNT(*) still counts
      // them, so the next number comes after theirs).
      R"SQL(
UPDATE batch_files SET rejection_no = NULL WHERE rejection_no IS NOT NULL AND EXISTS (
  SELECT 1 FROM batch_files o WHERE o.center_id = batch_files.center_id
    AND o.batch_no = batch_files.batch_no AND o.rejection_no = batch_files.rejection_no
    AND o.id < batch_files.id);
CREATE UNIQUE INDEX batch_files_rejection_no ON batch_files(center_id, batch_no, rejection_no);
)SQL",
      // One open BANK_CONTRADICTS exception per ref and detail (issue 17): raise_contradiction and
      // apply_facts insert ON CONFLICT DO NOTHING on this key. Open duplicates raised before (two
      // writers at once): the oldest stays open; each other one is RESOLVED with a note naming
      // it and an audit row, so staff see why and no note on it is lost.
      R"SQL(
CREATE TEMP TABLE exception_duplicates AS
  SELECT e.id AS id, (SELECT MIN(o.id) FROM exceptions o WHERE o.kind = e.kind AND o.ref = e.ref
    AND o.detail = e.detail AND o.state = 'OPEN') AS kept
  FROM exceptions e WHERE e.kind = 'BANK_CONTRADICTS' AND e.state = 'OPEN';
DELETE FROM exception_duplicates WHERE id = kept;
INSERT INTO exception_notes(exception_id, at, login, note, resolved)
  SELECT id, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'migration',
    'duplicate of exception ' || kept || ' (one open per ref and detail)', 1
  FROM exception_duplicates ORDER BY id;
INSERT INTO audit(at, actor, entity, entity_id, old_state, new_state, reason)
  SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'migration', 'exception', CAST(id AS TEXT),
    'OPEN', 'RESOLVED', 'duplicate of exception ' || kept
  FROM exception_duplicates ORDER BY id;
UPDATE exceptions SET state = 'RESOLVED' WHERE id IN (SELECT id FROM exception_duplicates);
DROP TABLE exception_duplicates;
CREATE UNIQUE INDEX exceptions_open_contradiction ON exceptions(kind, ref, detail)
  WHERE kind = 'BANK_CONTRADICTS' AND state = 'OPEN';
)SQL",
  };
  return m;
}


}  // namespace repay::store
