#include "support/test_db.h"

#include <filesystem>

#include "store/console_sql.h"
#include "store/review_sql.h"
#include "db/sqlite/pool.h"
#include "store/sqlite_store.h"

namespace repay::testing {

Status Sql::exec(const std::string& sql) {
  auto c = pool_.acquire();
  return c->exec(sql);
}

Result<std::vector<Row>> Sql::rows(const std::string& sql, int columns) {
  auto c = pool_.acquire();
  auto q = c->prepare(sql);
  if (!q) return make_error(q.error().code, q.error().message + " in: " + sql);
  std::vector<Row> out;
  for (;;) {
    auto more = q->step();
    if (!more) return make_error(more.error().code, more.error().message + " in: " + sql);
    if (!*more) return out;
    Row row;
    for (int i = 0; i < columns; ++i) row.push_back(q->text(i));
    out.push_back(std::move(row));
  }
}

Result<int64_t> Sql::integer(const std::string& sql) {
  auto c = pool_.acquire();
  auto q = c->prepare(sql);
  if (!q) return make_error(q.error().code, q.error().message + " in: " + sql);
  auto row = q->step();
  if (!row) return make_error(row.error().code, row.error().message + " in: " + sql);
  if (!*row) return make_error("NOT_FOUND", "no row from: " + sql);
  return q->integer(0);
}

Status Sql::refuse_updates(const std::string& name, const std::string& table, const std::string& when) {
  return exec("CREATE TRIGGER " + name + " BEFORE UPDATE ON " + table + " WHEN " + when +
              " BEGIN SELECT RAISE(ABORT, 'injected'); END");
}

Status Sql::allow_updates(const std::string& name) { return exec("DROP TRIGGER " + name); }

Database::Database(std::unique_ptr<store::Pool> pool) : Sql(*pool), pool_(std::move(pool)) {}

Database::~Database() {
  if (locked_) (void)release_write_lock();
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return make_error("NOT_FOUND", "no database here", "database", path);
  }
  auto pool = db::sqlite::Pool::open(path, 1);
  if (!pool) return pool.error();
  return std::unique_ptr<Database>(new Database(std::move(*pool)));
}

Status Database::hold_write_lock() {
  REPAY_TRY(exec("BEGIN IMMEDIATE"));
  locked_ = true;
  return ok_status();
}

Status Database::release_write_lock() {
  locked_ = false;
  return exec("ROLLBACK");
}

Status Database::flush_log() { return exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

TestStores::TestStores(std::unique_ptr<store::Stores> store)
    : Sql(store->pool()),
      store_(std::move(store)),
      console_(std::make_unique<store::SqliteConsoleStore>(*store_)),
      review_(std::make_unique<store::SqliteReviewStore>(*store_)) {}

TestStores::~TestStores() = default;

Result<std::unique_ptr<TestStores>> TestStores::open(const std::string& path,
                                                     const crypto::FieldCipher& cipher,
                                                     Options options) {
  auto store = store::SqliteStore::open(path, cipher, options.connections);
  if (!store) return store.error();
  if (options.group_commit) REPAY_TRY((*store)->enable_group_commit());
  return std::unique_ptr<TestStores>(new TestStores(std::unique_ptr<store::Stores>(std::move(*store))));
}

console::ConsoleStore& TestStores::console() { return *console_; }
settlement::ReviewStore& TestStores::review() { return *review_; }

}  // namespace repay::testing
