// The tests' and the benchmarks' one door to a database. TestStores opens every store of one
// database as the processor does (migrations applied), through the store factory
// (store/factory.h) for the engine its options name; Database opens a connection of its own on an
// existing database, for what a test sees from outside the processor. Both run SQL for fixtures
// and counts through the store's own connection layer (store::Pool, Connection, Stmt), never
// through an engine's C API, and name no engine's type. The conformance suite
// (store/conformance/suite_store.h) opens its store here, for the engine a setting chooses.
//
// The few things that only mean something for SQLite are named so (hold_write_lock, flush_log);
// the tests that use them check SQLite's own behaviour (a locked database file).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "console/ports.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "settlement/review_ports.h"
#include "store/db.h"
#include "store/factory.h"
#include "store/stores.h"

namespace repay::testing {

using Row = std::vector<std::string>;

// SQL on one pool of connections.
class Sql {
 public:
  explicit Sql(store::Pool& pool) : pool_(pool) {}
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  // One or more statements without rows (a fixture). The error names the engine's complaint.
  Status exec(const std::string& sql);
  // The rows of a query, `columns` values each as text (NULL as ""). `columns` must be the
  // number the query selects.
  Result<std::vector<Row>> rows(const std::string& sql, int columns = 1);
  // The first column of the first row as an integer (a count); error NOT_FOUND when no row.
  Result<int64_t> integer(const std::string& sql);
  // A connection for statements of one's own (bulk fixtures: prepare, bind, step). A Database
  // has one connection: while its lease lives, the other methods here wait for it.
  store::Pool::Lease acquire() { return pool_.acquire(); }

  // An injected failure: every UPDATE of `table` whose old row matches `when` (a condition on
  // OLD.<column>) is refused with "injected", until allow_updates(name).
  Status refuse_updates(const std::string& name, const std::string& table, const std::string& when);
  Status allow_updates(const std::string& name);

 private:
  store::Pool& pool_;
};

// A connection of its own on an existing database (error NOT_FOUND when there is none: nothing
// is created), beside whatever process has the database open.
class Database : public Sql {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();

  // SQLite's write lock (BEGIN IMMEDIATE), held until release_write_lock() or the end: every other
  // writer waits for it, then gives up BUSY. Reading still works, here and elsewhere.
  Status hold_write_lock();
  Status release_write_lock();
  // SQLite: copies the write-ahead log into the database file and empties it (after a bulk
  // fixture, so that the first measured writes do not pay for it).
  Status flush_log();

 private:
  Database(std::unique_ptr<store::Pool> pool);
  std::unique_ptr<store::Pool> pool_;
  bool locked_ = false;
};

// Every store of one database, opened for a test.
class TestStores : public Sql {
 public:
  struct Options {
    std::string engine = "sqlite";  // database.engine's values (store/factory.h)
    int connections = 4;
    // As the processor runs them: writes of write_then() committed together, one sync for all.
    bool group_commit = false;
    // processor.database_synchronous (store/factory.h, StoreOptions).
    bool survive_power_loss = true;
  };
  // Opens (creating) the database on `path` and applies the migrations. `cipher` outlives it.
  static Result<std::unique_ptr<TestStores>> open(const std::string& path,
                                                  const crypto::FieldCipher& cipher,
                                                  Options options);
  static Result<std::unique_ptr<TestStores>> open(const std::string& path,
                                                  const crypto::FieldCipher& cipher) {
    return open(path, cipher, Options{});
  }
  ~TestStores();

  // Every capability's port, as the processor gets them (store/factory.h).
  store::Database& ports() { return *ports_; }
  // The engine-neutral bundle under the ports (store/stores.h): the ports it implements itself
  // (signing, batch, real time, notifications, settlement files, reconciliation, nonces, audit)
  // and what it offers besides (sequences, counts, group commit, its pool).
  store::Stores& stores() { return *store_; }
  console::ConsoleStore& console() { return ports_->console(); }
  settlement::ReviewStore& review() { return ports_->review(); }

 private:
  explicit TestStores(std::unique_ptr<store::Stores> store);
  std::unique_ptr<store::Stores> store_;
  std::unique_ptr<store::Database> ports_;  // over store_
};

}  // namespace repay::testing
