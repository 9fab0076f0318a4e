// The SQLite driver's connection: the engine seam (db/connection.h) over the SQLite C API, with
// a per-connection cache of prepared statements. SQLite's error codes become Errors here (code
// "DB", or "BUSY" when the lock wait timed out). What only SQLite has — syncing and checkpointing
// the write-ahead log, the `synchronous` setting — is here too, for group commit (group_sync.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "db/connection.h"
#include "db/pool.h"

struct sqlite3;

namespace repay::db::sqlite {

class CachedStatement;

// SQL as SQLite speaks it (db/dialect.h).
const Dialect& dialect();

class Connection final : public db::Connection {
 public:
  // Opens (creating) the file in WAL mode with a busy timeout; foreign keys on. The WAL journal
  // is used whatever the durability: kPowerLoss is synchronous=FULL (every commit fsynced),
  // kCrash synchronous=NORMAL (no fsync per commit, only at checkpoints).
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  Durability durability = Durability::kPowerLoss);
  ~Connection() override;

  Status exec(std::string_view sql) override;
  Result<Stmt> prepare(std::string_view sql) override;
  int64_t changes() const override;
  int64_t last_insert_rowid() const override;
  bool in_transaction() const override;
  Error error(std::string_view what) const override;
  const Dialect& dialect() const override { return sqlite::dialect(); }

  // BEGIN IMMEDIATE whatever the isolation asked (SQLite has one writer: serializable); a
  // SAVEPOINT inside a BatchScope's batch; synchronous lowered for it under a DeferSync.
  Status begin_write(Isolation isolation, unsigned& state) override;
  Status commit_write(unsigned& state) override;
  void rollback_write(unsigned& state) override;
  // PRAGMA synchronous=NORMAL until restored (nothing on the connection a BatchScope lends: it
  // never syncs at its commits).
  Status relax_durability() override;
  void restore_durability() override;

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
  // What it was opened with: the `synchronous` to restore after a statement that lowered it.
  Durability durability() const { return durability_; }
  static const char* synchronous_pragma(Durability d) {
    return d == Durability::kCrash ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL";
  }

 private:
  friend class BatchScope;
  Connection(sqlite3* db, Durability d) : db_(db), durability_(d) {}
  void restore_sync(unsigned& state);
  sqlite3* db_;
  Durability durability_;
  // Idle prepared statements by SQL text. Node-based: a statement's pointer to its vector stays
  // valid.
  std::unordered_map<std::string, std::vector<CachedStatement*>> cache_;
};

// Group commit (docs/performance.md, Real time): while a DeferSync lives on a thread, the write
// transactions begun there (WriteTx) on a kPowerLoss connection commit without their own fsync
// (synchronous=NORMAL for that transaction only). Such a commit is atomic and visible at once,
// but durable only once the log is synced: whoever opens a DeferSync must not tell anyone about
// what it wrote before GroupSync::after_durable() says so (sqlite::Pool::write_then does both).
class DeferSync {
 public:
  DeferSync();
  ~DeferSync();
  DeferSync(const DeferSync&) = delete;
  DeferSync& operator=(const DeferSync&) = delete;
  static bool active();

 private:
  // The flag itself is a thread_local of internal linkage in connection.cc: a thread_local class
  // member used from other translation units goes through GCC's TLS wrapper, which
  // UndefinedBehaviorSanitizer reported as a store through a null pointer.
  bool prev_;
};

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
  BatchScope(const db::Pool& pool, Connection& c);
  ~BatchScope();
  BatchScope(const BatchScope&) = delete;
  BatchScope& operator=(const BatchScope&) = delete;
  // The connection lent for `pool` on this thread, or null.
  static Connection* lent(const db::Pool* pool);
  static bool inside(const Connection& c);

 private:
  const db::Pool* prev_pool_;
  Connection* prev_conn_;
};

}  // namespace repay::db::sqlite
