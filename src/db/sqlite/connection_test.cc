// The SQLite driver through the seam (db/connection.h) on real files.
#include "db/sqlite/connection.h"

#include <doctest/doctest.h>

#include "db/sqlite/pool.h"
#include "db/sqlite/test_db.h"
#include "db/transaction.h"
#include "support/temp_dir.h"

namespace repay::db::sqlite {
namespace {

using testing::TempDir;

}  // namespace

TEST_CASE("sqlite: SQL as SQLite speaks it") {
  TempDir dir;
  auto c = open_db(dir.path + "/db");
  const Dialect& d = c->dialect();
  CHECK(d.name == "sqlite");
  CHECK_FALSE(d.numbered_placeholders);
  CHECK(d.lock_rows.empty());
  CHECK(d.lock_rows_skip_locked.empty());
  REQUIRE(c->exec(std::string("CREATE TABLE t(id ") + std::string(d.id_column) + ", at INTEGER)").ok());
  REQUIRE(c->exec(std::string("INSERT INTO t(at) VALUES (") + std::string(d.unix_seconds_now) + ")").ok());
  CHECK(c->last_insert_rowid() == 1);
  CHECK(query_int(*c, "SELECT count(*) FROM t WHERE at > 1700000000") == 1);
}

TEST_CASE("sqlite: the pool speaks the driver's dialect, as its connections do") {
  TempDir dir;
  auto p = Pool::open(dir.path + "/db", 1);
  REQUIRE_MESSAGE(p.ok(), p.error().to_string());
  db::Pool& pool = **p;
  CHECK(&pool.dialect() == &dialect());
  CHECK(pool.dialect().name == "sqlite");
  CHECK(&pool.acquire()->dialect() == &pool.dialect());
}

TEST_CASE("sqlite: a statement back from the cache has its run and its bindings cleared") {
  TempDir dir;
  auto c = open_db(dir.path + "/db");
  REQUIRE(c->exec("CREATE TABLE t(v TEXT)").ok());
  REQUIRE(c->exec("INSERT INTO t(v) VALUES ('a'), ('b')").ok());
  const std::string sql = "SELECT ?, (SELECT count(*) FROM t)";
  {
    auto s = c->prepare(sql);
    REQUIRE(s.ok());
    s->bind(1, "bound");
    REQUIRE(*s->step());
    CHECK(s->text(0) == "bound");
    // The same SQL while the first is in use: another statement.
    auto t = c->prepare(sql);
    REQUIRE(t.ok());
    REQUIRE(*t->step());
    CHECK(t->is_null(0));
  }
  for (int i = 0; i < 10; ++i) {  // from the cache: nothing left of an earlier use
    auto s = c->prepare(sql);
    REQUIRE(s.ok());
    REQUIRE(*s->step());
    CHECK(s->is_null(0));
    CHECK(s->integer(1) == 2);
    s->bind(1, "again");
  }
  auto bad = c->prepare("SELECT nothing FROM nowhere");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "DB");
}

TEST_CASE("sqlite: WriteTx through the seam: seen by others once committed, rolled back unless committed") {
  TempDir dir;
  const std::string path = dir.path + "/db";
  auto c = open_db(path);
  auto other = open_db(path);
  REQUIRE(c->exec("CREATE TABLE t(v INTEGER)").ok());
  {
    WriteTx tx(*c);
    REQUIRE(tx.begin().ok());
    CHECK(c->in_transaction());
    REQUIRE(c->exec("INSERT INTO t(v) VALUES (1)").ok());
    CHECK(query_int(*other, "SELECT count(*) FROM t") == 0);  // not committed: not seen
  }
  CHECK_FALSE(c->in_transaction());
  CHECK(query_int(*c, "SELECT count(*) FROM t") == 0);
  {
    WriteTx tx(*c, Isolation::kSerializable);
    REQUIRE(tx.begin().ok());
    REQUIRE(c->exec("INSERT INTO t(v) VALUES (2)").ok());
    CHECK(c->changes() == 1);
    REQUIRE(tx.commit().ok());
  }
  CHECK(query_int(*other, "SELECT count(*) FROM t WHERE v = 2") == 1);
}

TEST_CASE("sqlite: relax_durability lowers synchronous until restored, to what the connection was opened with") {
  TempDir dir;
  for (auto [durability, opened] : {std::pair{Durability::kPowerLoss, 2}, std::pair{Durability::kCrash, 1}}) {
    auto c = Connection::open(dir.path + "/db", durability);
    REQUIRE(c.ok());
    db::Connection& seam = **c;
    CHECK(query_int(seam, "PRAGMA synchronous") == opened);  // 2 FULL, 1 NORMAL
    REQUIRE(seam.relax_durability().ok());
    CHECK(query_int(seam, "PRAGMA synchronous") == 1);
    seam.restore_durability();
    CHECK(query_int(seam, "PRAGMA synchronous") == opened);
  }
}

}  // namespace repay::db::sqlite
