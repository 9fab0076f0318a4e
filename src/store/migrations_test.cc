// The schema is picked by the connection's engine (its dialect's name): an engine Repay has no
// schema for gets a clear error, with nothing run. (SQLite's steps: the store's tests open every
// database through them.)
#include "store/migrations.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>


namespace repay::store {
namespace {

const Dialect kUnknownEngine{.name = "nosuch"};

// A connection of an engine with no schema here, recording the SQL it is asked to run.
class OtherEngine final : public Connection {
 public:
  Status exec(std::string_view sql) override {
    ran.emplace_back(sql);
    return ok_status();
  }
  Result<Stmt> prepare(std::string_view sql) override {
    ran.emplace_back(sql);
    return make_error("DB", "not here");
  }
  int64_t changes() const override { return 0; }
  int64_t last_insert_rowid() const override { return 0; }
  bool in_transaction() const override { return false; }
  Error error(std::string_view what) const override { return make_error("DB", std::string(what)); }
  const Dialect& dialect() const override { return kUnknownEngine; }
  Status begin_write(db::Isolation, unsigned&) override {
    ran.emplace_back("BEGIN");
    return ok_status();
  }
  Status commit_write(unsigned&) override { return ok_status(); }
  void rollback_write(unsigned&) override {}
  std::vector<std::string> ran;
};

TEST_CASE("migrate: an engine without a schema is refused by name, before any SQL runs") {
  OtherEngine c;
  auto v = migrate(c);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code == "DB");
  CHECK(v.error().field == "database.engine");
  CHECK(v.error().value == "nosuch");
  CHECK(c.ran.empty());
}

}  // namespace
}  // namespace repay::store
