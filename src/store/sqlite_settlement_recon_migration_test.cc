// The reconciliation migration (store/settlement_recon_migration.h) on a database the old code
// filled: a full copy of the day in recon_ours and recon_state rows of every kind. Run on a real
// SQLite file: the migrated schema is rolled back to its shape before the migration (the column
// and its indexes dropped), filled as the old code did, then migrated again.
#include "store/settlement_recon_migration.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "store/sqlite_migration_test_db.h"

namespace repay::store {
namespace {

void ours(Connection& c, const char* req_sn, int day, const char* state) {
  exec(c, std::string("INSERT INTO recon_ours(channel_id, day, req_sn, type, source, center_id, "
                      "amount, principal, state, copied_at) VALUES ('CH', ") +
              std::to_string(day) + ", '" + req_sn + "', 'DEBIT', 'B', 'CC01', 100, 100, '" + state +
              "', 0)");
}

void kept(Connection& c, const char* req_sn, const char* status, int day) {
  exec(c, std::string("INSERT INTO recon_state(channel_id, req_sn, status, line_date, held, day, "
                      "updated_at) VALUES ('CH', '") +
              req_sn + "', '" + status + "', NULL, 0, " + std::to_string(day) + ", 0)");
}

}  // namespace

TEST_CASE("recon migration on the old code's data: moving rows flagged, the plain copy dropped") {
  MigratedSqliteFile db;
  Connection& c = db.c();
  // Back to the shape before the migration.
  exec(c, "DROP INDEX recon_state_day");
  exec(c, "DROP INDEX recon_state_moving");
  exec(c, "ALTER TABLE recon_state DROP COLUMN moving");

  // The old code's full copy of day 20261121, and what its runs kept.
  ours(c, "S-PLAIN", 20261121, "S");      // matched: no state row -> dropped from the copy
  ours(c, "F-PLAIN", 20261121, "F");      // not moved: no state row -> dropped
  ours(c, "S-HELD", 20261121, "S");       // held in suspense
  kept(c, "S-HELD", "HELD", 20261121);
  ours(c, "P-OPEN", 20261121, "P");       // still processing, no line
  kept(c, "P-OPEN", "OPEN", 20261121);
  ours(c, "P-DONE", 20261121, "P");       // bank done, ours was processing
  kept(c, "P-DONE", "BANK_DONE_OURS_PENDING", 20261121);
  ours(c, "P-MATCHED", 20261121, "P");    // copied processing, matched by a later line
  kept(c, "P-MATCHED", "MATCHED", 20261121);
  ours(c, "S-MOVED", 20261122, "S");      // the copy's day moved since the state was written
  kept(c, "S-MOVED", "MATCHED", 20261121);
  kept(c, "GONE", "MISSING", 20261120);   // a state whose record the copy no longer has

  {
    WriteTx tx(c);
    REQUIRE(tx.begin().ok());
    REQUIRE(c.exec(recon_live_migration()).ok());
    REQUIRE(tx.commit().ok());
  }
  CHECK(text(c, "SELECT group_concat(req_sn || ':' || moving, ',') FROM (SELECT * FROM recon_state "
                "ORDER BY req_sn)") ==
        "GONE:0,P-DONE:1,P-MATCHED:1,P-OPEN:1,S-HELD:0,S-MOVED:1");
  CHECK(text(c, "SELECT group_concat(req_sn, ',') FROM (SELECT req_sn FROM recon_ours ORDER BY "
                "req_sn)") == "P-DONE,P-MATCHED,P-OPEN,S-HELD,S-MOVED");
  CHECK(text(c, "SELECT count(*) FROM sqlite_schema WHERE name IN ('recon_state_day', "
                "'recon_state_moving')") == "2");
  CHECK(text(c, "PRAGMA integrity_check") == "ok");
  // New rows get the column's default.
  kept(c, "NEW", "HELD", 20261122);
  CHECK(text(c, "SELECT moving FROM recon_state WHERE req_sn = 'NEW'") == "0");
}

}  // namespace repay::store
