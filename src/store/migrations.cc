#include "store/migrations.h"

#include <string>
#include <vector>

namespace repay::store {
namespace {

// The engine's steps, by its dialect's name; empty for an engine Repay has no schema for.
const std::vector<const char*>* steps_for(std::string_view engine) {
  if (engine == "sqlite") return &sqlite_migrations();
  return nullptr;
}

}  // namespace

int latest_schema_version() { return static_cast<int>(sqlite_migrations().size()); }

Result<int> migrate(Connection& c) {
  const Dialect& dialect = c.dialect();
  const std::vector<const char*>* steps = steps_for(dialect.name);
  if (steps == nullptr || std::ssize(*steps) != latest_schema_version()) {
    return make_error("DB", "no schema for this database engine", "database.engine",
                      std::string(dialect.name));
  }
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
    REPAY_TRY(c.exec((*steps)[static_cast<size_t>(current)]));
    {
      auto ins = c.prepare("INSERT INTO schema_version(version, applied_at) VALUES (?, " +
                           std::string(dialect.unix_seconds_now) + ")");
      if (!ins) return ins.error();
      REPAY_TRY(ins->bind(1, static_cast<int64_t>(current + 1)).run());
    }
    REPAY_TRY(tx.commit());
  }
}

}  // namespace repay::store
