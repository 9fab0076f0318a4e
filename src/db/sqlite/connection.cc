#include "db/sqlite/connection.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace repay::db::sqlite {
namespace {

// SQLite's own busy handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10 ... 100 ms between tries:
// with many short write transactions from several threads, a waiter sleeps on long after the
// lock is free, and writes queue up (docs/performance.md, Real time). Retry every 100 µs
// instead, for at least the same 10 s.
int retry_busy(void*, int count) {
  constexpr int kTries = 100'000;  // x 100 µs = 10 s
  if (count >= kTries) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(100));
  return 1;
}

thread_local sqlite3* batch_db = nullptr;  // BatchScope's connection on this thread

// A statement on a BatchScope's connection whose transaction SQLite rolled back: refused.
bool outside_batch(sqlite3* db) { return db == batch_db && sqlite3_get_autocommit(db) != 0; }

Error refused_outside_batch() {
  return make_error("DB", "sqlite: the batch's transaction was rolled back; statement not run");
}

}  // namespace

const Dialect& dialect() {
  static const Dialect d{
      .name = "sqlite",
      .numbered_placeholders = false,
      .lock_rows = "",
      .lock_rows_skip_locked = "",
      .has_last_insert_rowid = true,
      .id_column = "INTEGER PRIMARY KEY",
      .unix_seconds_now = "CAST(strftime('%s','now') AS INTEGER)",
  };
  return d;
}

// One prepared statement of a connection. `home`: the connection's cache of this SQL's prepared
// statements, which takes it back (reset, bindings cleared) when its Stmt ends; null: finalized
// instead.
class CachedStatement final : public Statement {
 public:
  CachedStatement(sqlite3* db, sqlite3_stmt* s, std::vector<CachedStatement*>* home)
      : db_(db), s_(s), home_(home) {}
  ~CachedStatement() { sqlite3_finalize(s_); }

  void reset() override {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  void bind_text(int i, std::string_view text) override {
    sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int i, std::string_view bytes) override {
    sqlite3_bind_blob(s_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  void bind_int(int i, int64_t v) override { sqlite3_bind_int64(s_, i, v); }
  void bind_null(int i) override { sqlite3_bind_null(s_, i); }

  Result<bool> step() override {
    if (outside_batch(db_)) return refused_outside_batch();
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const char* code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? "BUSY" : "DB";
    return make_error(code, std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }

  std::string text(int col) const override {
    auto* p = sqlite3_column_text(s_, col);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col));
  }
  std::string blob(int col) const override {
    const void* p = sqlite3_column_blob(s_, col);
    if (!p) return {};
    return std::string(static_cast<const char*>(p), sqlite3_column_bytes(s_, col));
  }
  int64_t integer(int col) const override { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

  void release() override {
    constexpr size_t kIdlePerSql = 4;  // more than one Stmt of the same SQL at once is rare
    if (home_ && home_->size() < kIdlePerSql) {
      reset();
      home_->push_back(this);
    } else {
      delete this;
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  std::vector<CachedStatement*>* home_;
};

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Durability durability) {
  // Before SQLite's first use in the process: no memory statistics (nothing reads them), so an
  // allocation takes no global mutex — every row written allocates (docs/performance.md,
  // Intake). Refused harmlessly if SQLite was already initialised by someone else.
  static const bool configured = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }();
  (void)configured;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return make_error("DB", "cannot open database: " + msg, "database", path);
  }
  std::unique_ptr<Connection> c(new Connection(db, durability));
  sqlite3_busy_handler(db, retry_busy, nullptr);
  // WAL: readers never block the writer. synchronous=FULL: a committed repayment survives a
  // power loss, not only a crash of the process. NORMAL (a setting, never the default) skips the
  // fsync of each commit: still consistent after any crash, but a power loss may undo the last
  // commits (https://www.sqlite.org/pragma.html#pragma_synchronous, WAL mode).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", synchronous_pragma(durability),
                             "PRAGMA foreign_keys=ON"}) {
    auto st = c->exec(pragma);
    if (!st) return st.error();
  }
  return c;
}

Connection::~Connection() {
  for (auto& [sql, idle] : cache_) {
    for (CachedStatement* s : idle) delete s;
  }
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  if (outside_batch(db_)) return refused_outside_batch();
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return make_error(rc == SQLITE_BUSY ? "BUSY" : "DB", "sqlite: " + msg);
  }
  return ok_status();
}

Result<Stmt> Connection::prepare(std::string_view sql) {
  // Bounded: SQL built at run time (a table name, a list of placeholders) could otherwise grow it.
  constexpr size_t kMaxCachedSql = 512;
  std::string key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end() && cache_.size() < kMaxCachedSql) {
    it = cache_.emplace(std::move(key), std::vector<CachedStatement*>{}).first;
  }
  std::vector<CachedStatement*>* home = it == cache_.end() ? nullptr : &it->second;
  if (home && !home->empty()) {
    CachedStatement* s = home->back();
    home->pop_back();
    return Stmt(s);
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              home ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) return error("prepare");
  return Stmt(new CachedStatement(db_, s, home));
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }
int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Error Connection::error(std::string_view what) const {
  return make_error("DB", std::string("sqlite ") + std::string(what) + ": " + sqlite3_errmsg(db_));
}

namespace {
thread_local bool defer_sync_active = false;
thread_local const db::Pool* batch_pool = nullptr;
thread_local Connection* batch_conn = nullptr;
}  // namespace

BatchScope::BatchScope(const db::Pool& pool, Connection& c) : prev_pool_(batch_pool), prev_conn_(batch_conn) {
  batch_pool = &pool;
  batch_conn = &c;
  batch_db = c.db_;
}
BatchScope::~BatchScope() {
  batch_pool = prev_pool_;
  batch_conn = prev_conn_;
  batch_db = prev_conn_ ? prev_conn_->db_ : nullptr;
}
Connection* BatchScope::lent(const db::Pool* pool) { return pool && pool == batch_pool ? batch_conn : nullptr; }
bool BatchScope::inside(const Connection& c) { return batch_conn == &c; }

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

DeferSync::DeferSync() : prev_(defer_sync_active) { defer_sync_active = true; }
DeferSync::~DeferSync() { defer_sync_active = prev_; }
bool DeferSync::active() { return defer_sync_active; }

namespace {
// Connection::begin_write's state.
constexpr unsigned kSavepoint = 1;  // nested in a BatchScope's batch
constexpr unsigned kDeferred = 2;   // synchronous lowered for this transaction (DeferSync)
}  // namespace

Status Connection::begin_write(Isolation, unsigned& state) {
  if (BatchScope::inside(*this)) {
    state |= kSavepoint;
    return exec("SAVEPOINT write_tx");
  }
  if (DeferSync::active() && durability_ == Durability::kPowerLoss) {
    // Set before BEGIN, restored after COMMIT or ROLLBACK: only this transaction skips its fsync.
    REPAY_TRY(exec(synchronous_pragma(Durability::kCrash)));
    state |= kDeferred;
  }
  return exec("BEGIN IMMEDIATE");
}

void Connection::restore_sync(unsigned& state) {
  if (!(state & kDeferred)) return;
  state &= ~kDeferred;
  (void)exec(synchronous_pragma(durability_));
}

Status Connection::commit_write(unsigned& state) {
  auto st = exec((state & kSavepoint) ? "RELEASE write_tx" : "COMMIT");
  if (st) restore_sync(state);
  return st;
}

void Connection::rollback_write(unsigned& state) {
  if (state & kSavepoint) {
    (void)exec("ROLLBACK TO write_tx");  // this write only; the batch goes on
    (void)exec("RELEASE write_tx");
  } else {
    (void)exec("ROLLBACK");
  }
  restore_sync(state);
}

Status Connection::relax_durability() {
  if (BatchScope::inside(*this)) return ok_status();  // never syncs at its commits anyway
  return exec("PRAGMA synchronous=NORMAL");
}

void Connection::restore_durability() {
  if (!BatchScope::inside(*this)) (void)exec(synchronous_pragma(durability_));
}

Result<Connection::Checkpointed> Connection::checkpoint() {
  int log = 0;
  int copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc == SQLITE_BUSY) return Checkpointed{1, 0};  // another checkpoint runs: not complete
  if (rc != SQLITE_OK) return error("checkpoint");
  return Checkpointed{log < 0 ? 0 : log, copied < 0 ? 0 : copied};
}

Status Connection::set_auto_checkpoint(bool automatic) {
  if (sqlite3_wal_autocheckpoint(db_, automatic ? 1000 : 0) != SQLITE_OK) return error("wal_autocheckpoint");
  return ok_status();
}

Status Connection::sync_log() {
  sqlite3_file* log = nullptr;
  // The write-ahead log is opened with the connection's first read in WAL mode.
  auto log_file = [&] {
    log = nullptr;
    return sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log) == SQLITE_OK &&
           log != nullptr && log->pMethods != nullptr;
  };
  if (!log_file()) {
    REPAY_TRY(exec("SELECT count(*) FROM sqlite_schema"));
    if (!log_file()) return make_error("DB", "no write-ahead log to sync");
  }
  // What SQLite itself calls for the log at a synchronous=FULL commit in WAL mode.
  int rc = log->pMethods->xSync(log, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) return make_error("DB", "sync of the write-ahead log failed: " + std::to_string(rc));
  return ok_status();
}

}  // namespace repay::db::sqlite
