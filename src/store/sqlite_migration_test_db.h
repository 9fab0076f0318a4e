// What the SQLite-era migration tests share (sqlite_*migration*_test.cc): a real SQLite file in a
// temporary folder, migrated to the newest version on one connection of the SQLite driver, that
// each test then rolls back to the shape before its migration, fills as the old code did and
// migrates again; and SQL on it that stops the test when it fails. Tests only (doctest).
#pragma once

#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "db/sqlite/connection.h"
#include "store/migrations.h"
#include "support/temp_dir.h"

namespace repay::store {

struct MigratedSqliteFile {
  testing::TempDir dir;
  std::unique_ptr<Connection> conn;

  MigratedSqliteFile() {
    auto opened = db::sqlite::Connection::open(dir.path + "/db");
    REQUIRE_MESSAGE(opened.ok(), opened.error().to_string());
    conn = std::move(*opened);
    REQUIRE(migrate(*conn).ok());
  }
  Connection& c() { return *conn; }
};

// The first column of the first row, as text.
inline std::string text(Connection& c, const std::string& sql) {
  auto s = c.prepare(sql);
  REQUIRE_MESSAGE(s.ok(), sql);
  auto row = s->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return s->text(0);
}

inline void exec(Connection& c, const std::string& sql) { REQUIRE_MESSAGE(c.exec(sql).ok(), sql); }

}  // namespace repay::store
