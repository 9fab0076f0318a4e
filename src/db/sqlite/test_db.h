// For tests on real SQLite files (header only, doctest): a connection of its own to a database
// file, and one number read with SQL.
#pragma once

#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "db/sqlite/connection.h"

namespace repay::db::sqlite {

inline std::unique_ptr<Connection> open_db(const std::string& path,
                                           Durability d = Durability::kPowerLoss) {
  auto c = Connection::open(path, d);
  REQUIRE_MESSAGE(c.ok(), c.error().to_string());
  return std::move(*c);
}

// The first column of the first row, which must be there.
inline int64_t query_int(db::Connection& c, const std::string& sql) {
  auto s = c.prepare(sql);
  REQUIRE(s.ok());
  auto row = s->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return s->integer(0);
}

}  // namespace repay::db::sqlite
