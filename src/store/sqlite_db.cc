#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace repay::store {
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

}  // namespace

Stmt::~Stmt() {
  if (!s_) return;
  constexpr size_t kIdlePerSql = 4;  // more than one Stmt of the same SQL at once is rare
  if (home_ && home_->size() < kIdlePerSql) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    home_->push_back(s_);
  } else {
    sqlite3_finalize(s_);
  }
}

Stmt& Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view text) {
  sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
  sqlite3_bind_blob(s_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Stmt& Stmt::bind_opt(int i, std::string_view text) {
  return text.empty() ? bind_null(i) : bind(i, text);
}

namespace {
thread_local sqlite3* batch_db = nullptr;  // BatchScope's connection on this thread

// A statement on a BatchScope's connection whose transaction SQLite rolled back: refused.
bool outside_batch(sqlite3* db) { return db == batch_db && sqlite3_get_autocommit(db) != 0; }

Error refused_outside_batch() {
  return make_error("DB", "sqlite: the batch's transaction was rolled back; statement not run");
}
}  // namespace

Result<bool> Stmt::step() {
  if (outside_batch(db_)) return refused_outside_batch();
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? "BUSY" : "DB";
  return make_error(code, std::string("sqlite step: ") + sqlite3_errmsg(db_));
}

Status Stmt::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return ok_status();
  }
}

std::string Stmt::text(int col) const {
  auto* p = sqlite3_column_text(s_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col));
}

std::string Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  if (!p) return {};
  return std::string(static_cast<const char*>(p), sqlite3_column_bytes(s_, col));
}

int64_t Stmt::integer(int col) const { return sqlite3_column_int64(s_, col); }
bool Stmt::is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

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
    for (sqlite3_stmt* s : idle) sqlite3_finalize(s);
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
    it = cache_.emplace(std::move(key), std::vector<sqlite3_stmt*>{}).first;
  }
  std::vector<sqlite3_stmt*>* home = it == cache_.end() ? nullptr : &it->second;
  if (home && !home->empty()) {
    sqlite3_stmt* s = home->back();
    home->pop_back();
    return Stmt(db_, s, home);
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              home ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) return error("prepare");
  return Stmt(db_, s, home);
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }
int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Error Connection::error(std::string_view what) const {
  return make_error("DB", std::string("sqlite ") + std::string(what) + ": " + sqlite3_errmsg(db_));
}

namespace {
thread_local bool defer_sync_active = false;
thread_local const Pool* batch_pool = nullptr;
thread_local Connection* batch_conn = nullptr;
}  // namespace

BatchScope::BatchScope(const Pool& pool, Connection& c) : prev_pool_(batch_pool), prev_conn_(batch_conn) {
  batch_pool = &pool;
  batch_conn = &c;
  batch_db = c.db_;
}
BatchScope::~BatchScope() {
  batch_pool = prev_pool_;
  batch_conn = prev_conn_;
  batch_db = prev_conn_ ? prev_conn_->db_ : nullptr;
}
Connection* BatchScope::lent(const Pool* pool) { return pool && pool == batch_pool ? batch_conn : nullptr; }
bool BatchScope::inside(const Connection& c) { return batch_conn == &c; }

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

DeferSync::DeferSync() : prev_(defer_sync_active) { defer_sync_active = true; }
DeferSync::~DeferSync() { defer_sync_active = prev_; }
bool DeferSync::active() { return defer_sync_active; }

Status WriteTx::begin() {
  if (BatchScope::inside(c_)) {
    savepoint_ = true;
    return c_.exec("SAVEPOINT write_tx");
  }
  if (DeferSync::active() && c_.durability() == Durability::kPowerLoss) {
    // Set before BEGIN, restored after COMMIT or ROLLBACK: only this transaction skips its fsync.
    REPAY_TRY(c_.exec(Connection::synchronous_pragma(Durability::kCrash)));
    deferred_ = true;
  }
  return c_.exec("BEGIN IMMEDIATE");
}

void WriteTx::restore_sync() {
  if (!deferred_) return;
  deferred_ = false;
  (void)c_.exec(Connection::synchronous_pragma(c_.durability()));
}

Status WriteTx::commit() {
  auto st = c_.exec(savepoint_ ? "RELEASE write_tx" : "COMMIT");
  if (st) open_ = false;
  if (!open_) restore_sync();
  return st;
}

WriteTx::~WriteTx() {
  if (open_ && savepoint_) {
    (void)c_.exec("ROLLBACK TO write_tx");  // this write only; the batch goes on
    (void)c_.exec("RELEASE write_tx");
  } else if (open_) {
    (void)c_.exec("ROLLBACK");
  }
  restore_sync();
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

Result<std::unique_ptr<Pool>> Pool::open(const std::string& path, int size, Durability durability) {
  auto pool = std::make_unique<Pool>();
  for (int i = 0; i < size; ++i) {
    auto c = Connection::open(path, durability);
    if (!c) return c.error();
    pool->free_.push_back(std::move(*c));
  }
  return pool;
}

Pool::Lease Pool::acquire() {
  if (Connection* lent = BatchScope::lent(this)) return Lease(*this, lent);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  auto c = std::move(free_.back());
  free_.pop_back();
  return Lease(*this, std::move(c));
}

std::optional<Pool::Lease> Pool::try_acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return std::nullopt;
  auto c = std::move(free_.back());
  free_.pop_back();
  return std::optional<Lease>(std::in_place, *this, std::move(c));
}

Pool::Lease::~Lease() {
  if (!c_) return;
  std::lock_guard<std::mutex> lock(p_.mu_);
  p_.free_.push_back(std::move(c_));
  p_.cv_.notify_one();
}

}  // namespace repay::store
