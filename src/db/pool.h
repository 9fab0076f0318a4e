// A few connections to one database shared by threads; each operation borrows one. What the
// store holds of its database: a driver fills it (db/sqlite/pool.h) and may add group commit,
// which the store reaches through write_then() / write_committed() and their plain defaults.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/result.h"
#include "db/connection.h"

namespace repay::db {

class Pool {
 public:
  virtual ~Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Pool& p, std::unique_ptr<Connection> c) : p_(p), c_(std::move(c)) {}
    // Lent by the driver (a write batch's connection): not the pool's, not given back.
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
  // A connection of the pool, waiting for one to be free; inside one of the pool's write batches
  // on this thread (in_write_batch()), the batch's connection.
  Lease acquire();
  // A free connection of the pool, if there is one now (never a batch's).
  std::optional<Lease> try_acquire();

  const Dialect& dialect() const { return dialect_; }

  // Group commit, where the driver has it (docs/performance.md, Real time). Starts it: from then
  // on write_then() batches and syncs writes together. Nothing to do on engines without.
  virtual Status enable_group_commit() { return ok_status(); }
  // Syncs for whoever still waits, calls them and stops; write_then() then runs at once again.
  // Only once no other thread can call write_then() (shutdown).
  virtual void stop_group_commit() {}
  // Runs `write` (its transactions on connections of this pool), then `then(durable)`: with group
  // commit, `write` is queued for a writer thread and `then(true)` comes once what it committed is
  // on disk (`then(false)` when it could not be: tell nobody anything). Plain: at once, here.
  virtual void write_then(const std::function<void()>& write, std::function<void(bool)> then) {
    write();
    then(true);
  }
  // True when write_then() only queues (group commit is on).
  virtual bool write_then_queues() const { return false; }
  // Runs `write` with the writer's next batch and returns once that committed (not synced): true
  // committed, false not, nullopt when `max_wait` passed first (`write` may still run later, so it
  // must own what it touches). Plain, or on the writer's own thread: at once, here, true.
  virtual std::optional<bool> write_committed(std::function<void()> write,
                                              std::chrono::milliseconds max_wait) {
    (void)max_wait;
    write();
    return true;
  }
  // On this thread, inside one of this pool's write batches (acquire() lends its connection).
  bool in_write_batch() const { return lent() != nullptr; }

 protected:
  explicit Pool(const Dialect& dialect) : dialect_(dialect) {}
  // For the driver filling the pool.
  void add(std::unique_ptr<Connection> c);
  // The connection this thread's write batch lends for this pool, or null.
  virtual Connection* lent() const { return nullptr; }
  // Every connection of the pool, waiting until all are free (for settings applied to each).
  std::vector<Lease> acquire_all();

 private:
  const Dialect& dialect_;
  size_t size_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;
};

}  // namespace repay::db
