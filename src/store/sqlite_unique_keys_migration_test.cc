// The unique keys of issue 17 (store/migrations.cc: one number per rejection of a batchNo, one
// open BANK_CONTRADICTS exception per ref and detail) on a database that already holds the duplicates they forbid. Run on a real SQLite file through
// migrate() itself: the migrated schema is rolled back to its shape before the migration (the
// index dropped, its version forgotten), filled as the old code could, then migrated again.
#include <string>

#include <doctest/doctest.h>

#include "store/sqlite_migration_test_db.h"

namespace repay::store {
namespace {

// The schema versions that added batch_files_rejection_no and exceptions_open_contradiction.
constexpr int kRejectionKey = 15;
constexpr int kContradictionKey = 16;

// The migrated database rolled back to the shape before `version`.
void before(Connection& c, int version) {
  REQUIRE(latest_schema_version() >= version);
  exec(c, "DROP INDEX IF EXISTS batch_files_rejection_no");
  exec(c, "DROP INDEX IF EXISTS exceptions_open_contradiction");
  exec(c, "DELETE FROM schema_version WHERE version >= " + std::to_string(version));
}

void rejection(Connection& c, int id, const std::string& batch_no, const std::string& no) {
  exec(c, "INSERT INTO batch_files(id, center_id, file_name, sha256, size, received_at, status, "
          "batch_no, batch_date, rejection_no, return_file) VALUES (" + std::to_string(id) +
              ", 'CC01', 'F" + std::to_string(id) + "', 'sha" + std::to_string(id) +
              "', 1, 0, 'F1', '" + batch_no + "', '20261121', " + no + ", 'RET_" + batch_no + "_REJ" +
              no + "')");
}

void exception(Connection& c, int id, const std::string& kind, const std::string& ref,
               const std::string& detail, const std::string& state) {
  exec(c, "INSERT INTO exceptions(id, kind, center_id, ref, detail, state, created_at) VALUES (" +
              std::to_string(id) + ", '" + kind + "', 'CC01', '" + ref + "', '" + detail + "', '" +
              state + "', " + std::to_string(id) + ")");
}

}  // namespace

TEST_CASE("rejection key migration: duplicate numbers, the oldest keeps it, the others lose it") {
  MigratedSqliteFile db;
  Connection& c = db.c();
  before(c, kRejectionKey);
  // B1: REJ1 twice (two rejections at once), then REJ2 three times; B2 on its own; an accepted
  // file without a number.
  rejection(c, 1, "B1", "1");
  rejection(c, 2, "B1", "1");
  rejection(c, 3, "B1", "2");
  rejection(c, 4, "B1", "2");
  rejection(c, 5, "B1", "2");
  rejection(c, 6, "B2", "1");
  rejection(c, 7, "B1", "NULL");
  exec(c, "UPDATE batch_files SET status = '00', return_file = NULL WHERE id = 7");

  auto v = migrate(c);
  REQUIRE_MESSAGE(v.ok(), v.error().to_string());
  CHECK(*v == latest_schema_version());
  CHECK(text(c, "SELECT group_concat(id || ':' || COALESCE(rejection_no, '-') || ':' || return_file, "
                "',') FROM (SELECT * FROM batch_files WHERE return_file IS NOT NULL ORDER BY id)") ==
        "1:1:RET_B1_REJ1,2:-:RET_B1_REJ1,3:2:RET_B1_REJ2,4:-:RET_B1_REJ2,5:-:RET_B1_REJ2,"
        "6:1:RET_B2_REJ1");
  CHECK(text(c, "SELECT count(*) FROM batch_files") == "7");
  // The key holds from now on.
  CHECK_FALSE(c.exec("INSERT INTO batch_files(center_id, file_name, sha256, size, received_at, "
                     "status, batch_no, batch_date, rejection_no) VALUES ('CC01', 'X', 'x', 1, 0, "
                     "'F1', 'B1', '20261121', 2)").ok());
  CHECK(c.exec("INSERT INTO batch_files(center_id, file_name, sha256, size, received_at, "
               "status, batch_no, batch_date, rejection_no) VALUES ('CC01', 'X', 'x', 1, 0, "
               "'F1', 'B1', '20261121', 6)").ok());
  CHECK(text(c, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("contradiction key migration: open duplicates resolved with a note, the oldest stays open") {
  MigratedSqliteFile db;
  Connection& c = db.c();
  before(c, kContradictionKey);
  const int64_t audit_before = std::stoll(text(c, "SELECT count(*) FROM audit"));
  exception(c, 1, "BANK_CONTRADICTS", "R:T1", "amount", "RESOLVED");  // closed: not a duplicate
  exception(c, 2, "BANK_CONTRADICTS", "R:T1", "amount", "OPEN");      // kept
  exception(c, 3, "BANK_CONTRADICTS", "R:T1", "amount", "OPEN");      // duplicate of 2
  exception(c, 4, "BANK_CONTRADICTS", "R:T1", "other", "OPEN");       // another text
  exception(c, 5, "BANK_CONTRADICTS", "R:T1", "amount", "OPEN");      // duplicate of 2
  exception(c, 6, "POST_DUPLICATE", "T9", "amount", "OPEN");          // another kind: left alone
  exception(c, 7, "POST_DUPLICATE", "T9", "amount", "OPEN");
  exec(c, "INSERT INTO exception_notes(exception_id, at, login, note) VALUES (3, 1, 'ann', 'looking')");

  auto v = migrate(c);
  REQUIRE_MESSAGE(v.ok(), v.error().to_string());
  CHECK(*v == latest_schema_version());
  CHECK(text(c, "SELECT group_concat(id || ':' || state, ',') FROM (SELECT * FROM exceptions ORDER BY "
                "id)") == "1:RESOLVED,2:OPEN,3:RESOLVED,4:OPEN,5:RESOLVED,6:OPEN,7:OPEN");
  // Each duplicate says which one it duplicates; the notes already on it stay.
  CHECK(text(c, "SELECT group_concat(exception_id || ':' || login || ':' || note || ':' || resolved, "
                "'|') FROM (SELECT * FROM exception_notes ORDER BY id)") ==
        "3:ann:looking:0|3:migration:duplicate of exception 2 (one open per ref and detail):1|"
        "5:migration:duplicate of exception 2 (one open per ref and detail):1");
  CHECK(std::stoll(text(c, "SELECT count(*) FROM audit")) == audit_before + 2);
  CHECK(text(c, "SELECT group_concat(entity_id || ':' || old_state || '>' || new_state, ',') FROM "
                "(SELECT * FROM audit WHERE actor = 'migration' ORDER BY id)") ==
        "3:OPEN>RESOLVED,5:OPEN>RESOLVED");
  // The key holds from now on: a second open one is refused, a closed one is not.
  CHECK_FALSE(c.exec("INSERT INTO exceptions(kind, ref, detail, created_at) VALUES "
                     "('BANK_CONTRADICTS', 'R:T1', 'amount', 9)").ok());
  CHECK(c.exec("INSERT INTO exceptions(kind, ref, detail, state, created_at) VALUES "
               "('BANK_CONTRADICTS', 'R:T1', 'amount', 'RESOLVED', 9)").ok());
  CHECK(text(c, "PRAGMA integrity_check") == "ok");
}

}  // namespace repay::store
