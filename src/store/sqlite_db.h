// A thin RAII layer over the SQLite C API: connections, prepared statements, transactions.
// SQLite's error codes become Errors here (code "DB", or "BUSY" when the lock wait timed out).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace repay::store {

class Stmt {
 public:
  // `home`: the connection's cache of this SQL's prepared statements, which takes `s` back
  // (reset, bindings cleared) when this Stmt ends; null: finalized instead.
  Stmt(sqlite3* db, sqlite3_stmt* s, std::vector<sqlite3_stmt*>* home = nullptr)
      : db_(db), s_(s), home_(home) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_), home_(o.home_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Clears the previous run and bindings, for reuse.
  Stmt& reset();
  Stmt& bind(int i, std::string_view text);   // 1-based
  Stmt& bind_blob(int i, std::string_view bytes);
  Stmt& bind(int i, int64_t v);
  Stmt& bind_null(int i);
  // Binds "" as NULL: for optional columns.
  Stmt& bind_opt(int i, std::string_view text);

  // Result<bool>: true when a row is available, false when done.
  Result<bool> step();
  // Runs to completion (for statements without rows).
  Status run();

  std::string text(int col) const;  // "" for NULL
  std::string blob(int col) const;
  int64_t integer(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  std::vector<sqlite3_stmt*>* home_;
};

// What a committed transaction survives (settings.md, processor.database_synchronous). The WAL
// journal is used either way.
enum class Durability {
  kPowerLoss,  // synchronous=FULL: every commit is fsynced — survives a power loss (the default)
  kCrash,      // synchronous=NORMAL: no fsync per commit, only at checkpoints — survives a crash
               // of the process (kill -9), but a power loss or OS crash may undo the last commits
};

class Connection {
 public:
  // Opens (creating) the file in WAL mode with a busy timeout; foreign keys on.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  Durability durability = Durability::kPowerLoss);
  ~Connection();

  Status exec(std::string_view sql);
  // A prepared statement, from this connection's cache when the same SQL was prepared before
  // (parsing and planning cost a quarter of the processor's CPU under real-time load:
  // docs/performance.md, Real time). The Stmt must end before the connection goes back to its
  // pool, as it always had to.
  Result<Stmt> prepare(std::string_view sql);
  int64_t changes() const;
  // Syncs the database's write-ahead log to disk as a synchronous=FULL commit does, without
  // taking any lock: every commit that returned before this call is durable after it. The
  // connection must be in WAL mode and used by no other thread meanwhile.
  Status sync_log();
  // A PASSIVE checkpoint of the WAL (copies what no reader still needs into the database file;
  // never waits for a lock). `automatic` false: this connection's own commits no longer
  // checkpoint (PRAGMA wal_autocheckpoint=0); true: SQLite's default, every 1,000 pages.
  struct Checkpointed {
    int64_t log_frames = 0;     // frames in the WAL
    int64_t copied_frames = 0;  // of which in the database file now (all of them: complete)
    bool complete() const { return copied_frames == log_frames; }
  };
  Result<Checkpointed> checkpoint();
  Status set_auto_checkpoint(bool automatic);
  int64_t last_insert_rowid() const;
  // Inside a transaction (BEGIN ... not yet committed or rolled back).
  bool in_transaction() const;
  Error error(std::string_view what) const;
  // What it was opened with: the `synchronous` to restore after a statement that lowered it.
  Durability durability() const { return durability_; }
  static const char* synchronous_pragma(Durability d) {
    return d == Durability::kCrash ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL";
  }

 private:
  friend class BatchScope;
  Connection(sqlite3* db, Durability d) : db_(db), durability_(d) {}
  sqlite3* db_;
  Durability durability_;
  // Idle prepared statements by SQL text. Node-based: a Stmt's pointer to its vector stays valid.
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> cache_;
};

// Group commit (docs/performance.md, Real time): while a DeferSync lives on a thread, the write
// transactions begun there (WriteTx) on a kPowerLoss connection commit without their own fsync
// (synchronous=NORMAL for that transaction only). Such a commit is atomic and visible at once,
// but durable only once the log is synced: whoever opens a DeferSync must not tell anyone about
// what it wrote before GroupSync::after_durable() says so (SqliteStore::write_then does both).
class DeferSync {
 public:
  DeferSync();
  ~DeferSync();
  DeferSync(const DeferSync&) = delete;
  DeferSync& operator=(const DeferSync&) = delete;
  static bool active();

 private:
  // The flag itself is a thread_local of internal linkage in sqlite_db.cc: a thread_local class
  // member used from other translation units goes through GCC's TLS wrapper, which
  // UndefinedBehaviorSanitizer reported as a store through a null pointer.
  bool prev_;
};

class Pool;

// Write batching (GroupSync's writer thread): while a BatchScope lives on a thread, Pool::acquire()
// of `pool` lends `c` — the writer's connection, inside the batch's open transaction — instead of
// one of its own, and a WriteTx on `c` becomes a SAVEPOINT: each write of the batch still commits
// or rolls back on its own (a failed one leaves the others as they were), and the batch commits
// them all at once, so the pages they share (indexes, audit, sequences) are written once.
// While it lives, a statement on `c` runs only inside the batch's transaction: once SQLite has
// rolled that back (SQLITE_FULL, IOERR, BUSY can roll back the whole transaction, SAVEPOINTs and
// all), every further statement of the write is refused instead of committing on its own.
class BatchScope {
 public:
  BatchScope(const Pool& pool, Connection& c);
  ~BatchScope();
  BatchScope(const BatchScope&) = delete;
  BatchScope& operator=(const BatchScope&) = delete;
  // The connection lent for `pool` on this thread, or null.
  static Connection* lent(const Pool* pool);
  static bool inside(const Connection& c);

 private:
  const Pool* prev_pool_;
  Connection* prev_conn_;
};

// A write transaction (BEGIN IMMEDIATE; a SAVEPOINT inside a BatchScope's batch): rolled back
// unless commit() succeeded.
class WriteTx {
 public:
  explicit WriteTx(Connection& c) : c_(c) {}
  Status begin();
  Status commit();
  ~WriteTx();

 private:
  void restore_sync();
  Connection& c_;
  bool open_ = true;
  bool savepoint_ = false;  // nested in a BatchScope's batch
  bool deferred_ = false;  // synchronous lowered for this transaction (DeferSync)
};

// A few connections shared by threads; each operation borrows one.
class Pool {
 public:
  static Result<std::unique_ptr<Pool>> open(const std::string& path, int size,
                                            Durability durability = Durability::kPowerLoss);

  class Lease {
   public:
    Lease(Pool& p, std::unique_ptr<Connection> c) : p_(p), c_(std::move(c)) {}
    // Lent by a BatchScope: not the pool's, not given back.
    Lease(Pool& p, Connection* lent) : p_(p), lent_(lent) {}
    Lease(Lease&&) = default;
    ~Lease();
    Connection& operator*() { return lent_ ? *lent_ : *c_; }
    Connection* operator->() { return lent_ ? lent_ : c_.get(); }

   private:
    Pool& p_;
    std::unique_ptr<Connection> c_;
    Connection* lent_ = nullptr;
  };
  // A connection of the pool, waiting for one to be free; inside a BatchScope for this pool, the
  // batch's connection.
  Lease acquire();
  // A free connection of the pool, if there is one now (never a BatchScope's).
  std::optional<Lease> try_acquire();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;
};

}  // namespace repay::store
