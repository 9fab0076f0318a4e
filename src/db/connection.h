// The engine seam (docs/decisions.md, Engine seam and the SQLite driver): one connection to a
// database, whatever the engine. The store is written against this; a driver (db/sqlite/)
// implements it. A connection is used by one thread at a time (a pool lends it: db/pool.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "db/dialect.h"
#include "db/stmt.h"

namespace repay::db {

// What a committed transaction survives (settings.md, processor.database_synchronous).
enum class Durability {
  kPowerLoss,  // every commit is on disk before it returns — survives a power loss (the default)
  kCrash,      // commits reach the disk later — survive a crash of the process (kill -9), but a
               // power loss or OS crash may undo the last ones
};

// What a write transaction (WriteTx) sees of other transactions. The store's SQL is written to be
// correct under kReadCommitted with several writers: every read-then-write is a conditional
// update, an insert guarded by a unique key, or reads its rows locked (Dialect::lock_rows).
// SQLite gives more whatever is asked (BEGIN IMMEDIATE: one writer, serializable).
enum class Isolation {
  kReadCommitted,  // each statement sees what was committed before it began
  kSerializable,   // as if the transactions ran one after the other; may fail with "CONFLICT"
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Status exec(std::string_view sql) = 0;
  // A prepared statement, from this connection's cache when the same SQL was prepared before
  // (parsing and planning cost a quarter of the processor's CPU under real-time load:
  // docs/performance.md, Real time). The Stmt must end before the connection goes back to its
  // pool.
  virtual Result<Stmt> prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int64_t changes() const = 0;
  // The rowid of the last INSERT (only where Dialect::has_last_insert_rowid; else RETURNING).
  virtual int64_t last_insert_rowid() const = 0;
  // Inside a transaction (BEGIN ... not yet committed or rolled back).
  virtual bool in_transaction() const = 0;
  // An error ("DB") naming `what` and the engine's last message.
  virtual Error error(std::string_view what) const = 0;
  virtual const Dialect& dialect() const = 0;

  // For WriteTx only. `state` is the driver's own word about the transaction, kept by the
  // WriteTx so that transactions may nest where the driver allows it (a SAVEPOINT in SQLite's
  // write batches). commit_write(): on success the transaction is over; on failure, or when
  // never committed, rollback_write() ends it.
  virtual Status begin_write(Isolation isolation, unsigned& state) = 0;
  virtual Status commit_write(unsigned& state) = 0;
  virtual void rollback_write(unsigned& state) = 0;

  // Until restore_durability(), this connection's commits need not be on disk when they return:
  // a later durable commit covers them (a nonce: docs/performance.md, Real time). Engines
  // without such a setting do nothing.
  virtual Status relax_durability() { return ok_status(); }
  virtual void restore_durability() {}
};

}  // namespace repay::db
