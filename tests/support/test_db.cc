#include "support/test_db.h"


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
  store::StoreOptions o;
  o.path = path;
  o.connections = 1;
  auto pool = store::open_existing_pool(o);
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
    : Sql(store->pool()), store_(std::move(store)), ports_(store::ports_of(*store_)) {}

TestStores::~TestStores() = default;

Result<std::unique_ptr<TestStores>> TestStores::open(const std::string& path,
                                                     const crypto::FieldCipher& cipher,
                                                     Options options) {
  store::StoreOptions o;
  o.engine = options.engine;
  o.path = path;
  o.connections = options.connections;
  o.survive_power_loss = options.survive_power_loss;
  auto store = store::open_store_bundle(o, cipher);
  if (!store) return store.error();
  if (options.group_commit) REPAY_TRY((*store)->enable_group_commit());
  return std::unique_ptr<TestStores>(new TestStores(std::move(*store)));
}

}  // namespace repay::testing
