// The rebuild of batch_items and repayments (store/migration_state_checks.h) on a real SQLite
// file: rows, ids, indexes and the constraints themselves survive it.
#include "store/migration_state_checks.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "store/sqlite_migration_test_db.h"

namespace repay::store {
namespace {

const char* kItem =
    "INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, amount, state, "
    "send_from_at, force_fail_at, updated_at, late_state) VALUES ('C1', 'B1', %d, 'I%d', 'A1', 100, "
    "'%s', 0, 0, 0, %s)";
const char* kRepay =
    "INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, amount, state, "
    "created_at, updated_at) VALUES ('T%d', 'C1', 'R%d', 'f', 'A1', 100, '%s', 0, 0)";

std::string fmt(const char* f, int n, const char* state, const char* late = "NULL") {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, n, n, state, late);
  return buf;
}

std::string schema_of(Connection& c) {
  return text(c, "SELECT group_concat(name || ':' || tbl_name, ',') FROM (SELECT name, tbl_name FROM "
                 "sqlite_schema WHERE tbl_name IN ('batch_items', 'repayments') ORDER BY name)");
}

}  // namespace

TEST_CASE("state checks migration: same rows, ids, indexes; the checks still refuse bad states") {
  MigratedSqliteFile db;
  Connection& c = db.c();
  // The migration is the last one: already applied once.
  CHECK(text(c, "SELECT sql FROM sqlite_schema WHERE name = 'batch_items'").find("IN (") == std::string::npos);
  CHECK(text(c, "SELECT sql FROM sqlite_schema WHERE name = 'repayments'").find("IN (") == std::string::npos);

  REQUIRE(c.exec(fmt(kItem, 1, "PENDING")).ok());
  REQUIRE(c.exec(fmt(kItem, 2, "FAILED", "'UNRESOLVED'")).ok());
  REQUIRE(c.exec(fmt(kRepay, 1, "SUCCESS")).ok());
  REQUIRE(c.exec(fmt(kRepay, 2, "SENDING")).ok());
  REQUIRE(c.exec("DELETE FROM repayments WHERE txn_no = 'T2'").ok());  // its id is never reused
  const std::string before = schema_of(c);

  // A later migration added a column to batch_items (maybe_debited): the table as this one
  // found it, for its rebuild's SELECT *.
  REQUIRE(c.exec("ALTER TABLE batch_items DROP COLUMN maybe_debited").ok());
  {  // Rebuilding again exercises it on data.
    WriteTx tx(c);
    REQUIRE(tx.begin().ok());
    REQUIRE(c.exec(state_checks_migration()).ok());
    REQUIRE(tx.commit().ok());
  }
  CHECK(schema_of(c) == before);
  CHECK(text(c, "SELECT group_concat(seq || state || COALESCE(late_state, '-'), ',') FROM "
                "(SELECT * FROM batch_items ORDER BY seq)") == "1PENDING-,2FAILEDUNRESOLVED");
  CHECK(text(c, "SELECT group_concat(id || txn_no || state, ',') FROM repayments") == "1T1SUCCESS");
  REQUIRE(c.exec(fmt(kRepay, 3, "PENDING")).ok());
  CHECK(text(c, "SELECT id FROM repayments WHERE txn_no = 'T3'") == "3");
  CHECK(text(c, "PRAGMA integrity_check") == "ok");

  CHECK_FALSE(c.exec(fmt(kItem, 3, "DONE")).ok());
  CHECK_FALSE(c.exec(fmt(kItem, 4, "PENDING", "'MAYBE'")).ok());
  CHECK_FALSE(c.exec(fmt(kRepay, 4, "pending")).ok());
  CHECK_FALSE(c.exec("UPDATE repayments SET state = 'LOST' WHERE txn_no = 'T1'").ok());
  CHECK_FALSE(c.exec("UPDATE batch_items SET state = NULL WHERE seq = 1").ok());
  // The partial indexes are used as before.
  auto plan = c.prepare("EXPLAIN QUERY PLAN SELECT seq FROM batch_items WHERE channel_id = 'X' AND "
                        "state = 'PENDING' ORDER BY force_fail_at");
  REQUIRE(plan.ok());
  std::string details;
  while (*plan->step()) details += plan->text(3) + ";";
  CHECK_MESSAGE(details.find("batch_items_pending") != std::string::npos, details);
}

}  // namespace repay::store
