#include "store/migration_state_checks.h"

namespace repay::store {

const char* state_checks_migration() {
  return R"SQL(
CREATE TABLE batch_items_rebuilt (
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
  state TEXT NOT NULL CHECK (state = 'REJECTED' OR state = 'PENDING' OR state = 'SENDING' OR
                             state = 'UNKNOWN' OR state = 'SUCCESS' OR state = 'FAILED'),
  resp_code TEXT,
  txn_no TEXT,
  req_sn TEXT,
  channel_txn_no TEXT,
  settle_date TEXT,
  forced INTEGER NOT NULL DEFAULT 0,
  late_state TEXT CHECK (late_state = 'UNRESOLVED' OR late_state = 'DEBITED' OR
                         late_state = 'NOT_DEBITED'),
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
INSERT INTO batch_items_rebuilt SELECT * FROM batch_items;
DROP TABLE batch_items;
ALTER TABLE batch_items_rebuilt RENAME TO batch_items;
CREATE INDEX batch_items_pending ON batch_items(channel_id, force_fail_at, center_id, batch_no, seq)
  WHERE state = 'PENDING';
CREATE INDEX batch_items_to_query ON batch_items(channel_id, next_at)
  WHERE state = 'UNKNOWN' OR late_state = 'UNRESOLVED';
CREATE INDEX batch_items_sending ON batch_items(claim_node) WHERE state = 'SENDING';
CREATE INDEX batch_items_finished ON batch_items(channel_id, finished_at);
CREATE UNIQUE INDEX batch_items_req_sn ON batch_items(channel_id, req_sn) WHERE req_sn IS NOT NULL;
CREATE UNIQUE INDEX batch_items_txn_no ON batch_items(txn_no) WHERE txn_no IS NOT NULL;
CREATE INDEX batch_items_center_success ON batch_items(center_id, finished_at) WHERE state = 'SUCCESS';

CREATE TABLE repayments_rebuilt (
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
  state TEXT NOT NULL CHECK (state = 'REJECTED' OR state = 'PENDING' OR state = 'SENDING' OR
                             state = 'UNKNOWN' OR state = 'SUCCESS' OR state = 'FAILED'),
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
INSERT INTO repayments_rebuilt SELECT * FROM repayments;
-- AUTOINCREMENT: ids are never reused, not even those of rows deleted at the end.
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'repayments')
  WHERE name = 'repayments_rebuilt' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'repayments');
DROP TABLE repayments;
ALTER TABLE repayments_rebuilt RENAME TO repayments;
CREATE UNIQUE INDEX repayments_req_sn ON repayments(channel_id, req_sn) WHERE req_sn IS NOT NULL;
CREATE INDEX repayments_to_query ON repayments(channel_id, next_at) WHERE state IN ('UNKNOWN', 'PENDING');
CREATE INDEX repayments_sending ON repayments(claim_node) WHERE state = 'SENDING';
CREATE INDEX repayments_finished ON repayments(center_id, finished_at);
CREATE INDEX repayments_channel_finished ON repayments(channel_id, finished_at);
)SQL";
}

}  // namespace repay::store
