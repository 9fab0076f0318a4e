// Group commit for synchronous=FULL (docs/performance.md, Real time). On this disk an fsync costs
// about 1.5 ms and SQLite has one writer: a sync per commit caps real time at a few hundred
// repayments a second. Writes made under a DeferSync commit without waiting for the disk; their
// callers then ask after_durable() and act (answer, send a DEBIT, acknowledge) only when called
// back. One thread syncs the write-ahead log for every caller waiting at that moment, so a burst
// shares one fsync — and each caller is still told only after its own write is on disk. A
// second thread checkpoints the WAL, so that no request waits for a checkpoint either.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/sqlite_db.h"

namespace repay::store {

class GroupSync {
 public:
  // Opens its own connection to the database (WAL mode) and starts the syncing thread.
  static Result<std::unique_ptr<GroupSync>> open(const std::string& path);
  // Syncs for whoever still waits, calls them, then stops.
  ~GroupSync();
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  // `then(true)` once every commit that returned before this call is on disk; `then(false)` when
  // the sync failed (nothing written may be told). Called on the syncing thread: keep it short.
  void after_durable(std::function<void(bool durable)> then);
  // Syncs done so far (one per group of waiters).
  int64_t syncs() const;

  // How often the checkpointing thread copies the WAL into the database file. The store's own
  // connections then stop checkpointing (Connection::set_auto_checkpoint(false)): a checkpoint
  // is two fsyncs and up to 4 MiB of copying, which SQLite otherwise does in whichever request
  // commits past 1,000 pages — at 1,000 repays/s, one every few dozen milliseconds.
  static constexpr std::chrono::milliseconds kCheckpointEvery{50};

 private:
  GroupSync(std::unique_ptr<Connection> c, std::unique_ptr<Connection> checkpointing);
  void run();

  void checkpoints();

  std::unique_ptr<Connection> c_;
  std::unique_ptr<Connection> checkpointing_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable checkpoint_cv_;
  std::vector<std::function<void(bool)>> waiting_;
  bool stopping_ = false;
  int64_t syncs_ = 0;
  std::thread thread_;
  std::thread checkpoint_thread_;
};

}  // namespace repay::store
