#include "store/migrations.h"

#include <string>
#include <vector>

namespace repay::store {
namespace {

// Never edit a migration that has shipped: add a new one.
const std::vector<const char*>& migrations() {
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

-- Refunds we propose (settlement staff review them): one per discrepancy, never two.
CREATE TABLE refund_proposals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  center_id TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('LATE_SUCCESS', 'ONE_SIDED', 'OTHER')),
  txn_no TEXT NOT NULL,
  source TEXT NOT NULL,
  batch_no TEXT,
  ref TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  orig_req_sn TEXT NOT NULL,
  amount INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  debit_amount INTEGER NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  UNIQUE (reason, txn_no)
);

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
  };
  return m;
}

}  // namespace

int latest_schema_version() { return static_cast<int>(migrations().size()); }

Result<int> migrate(Connection& c) {
  REPAY_TRY(c.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER)"));
  for (;;) {
    WriteTx tx(c);
    REPAY_TRY(tx.begin());
    int current = 0;
    {
      auto q = c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
      if (!q) return q.error();
      auto row = q->step();
      if (!row) return row.error();
      current = static_cast<int>(q->integer(0));
    }
    if (current > latest_schema_version()) {
      return make_error("DB", "database schema version " + std::to_string(current) +
                                  " is newer than this binary knows (" +
                                  std::to_string(latest_schema_version()) + ")");
    }
    if (current == latest_schema_version()) return current;
    REPAY_TRY(c.exec(migrations()[current]));
    {
      auto ins = c.prepare(
          "INSERT INTO schema_version(version, applied_at) "
          "VALUES (?, CAST(strftime('%s','now') AS INTEGER))");
      if (!ins) return ins.error();
      REPAY_TRY(ins->bind(1, static_cast<int64_t>(current + 1)).run());
    }
    REPAY_TRY(tx.commit());
  }
}

}  // namespace repay::store
