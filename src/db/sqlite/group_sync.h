// Group commit for synchronous=FULL (docs/performance.md, Real time). On this disk an fsync costs
// about 1.5 ms and SQLite has one writer: a sync per commit caps real time at a few hundred
// repayments a second. Writes made under a DeferSync commit without waiting for the disk; their
// callers then ask after_durable() and act (answer, send a DEBIT, acknowledge) only when called
// back. One thread syncs the write-ahead log for every caller waiting at that moment, so a burst
// shares one fsync — and each caller is still told only after its own write is on disk. A
// second thread checkpoints the WAL, so that no request waits for a checkpoint either.
// With a pool (open(path, &pool)), a third thread batches writes too (write_then()): the writes
// queued meanwhile run one after the other in one transaction on its own connection (each in
// its own SAVEPOINT: BatchScope), committed once and then synced as above — one BEGIN/COMMIT, and
// the pages the writes share written once, for the whole group instead of for each write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "db/pool.h"
#include "db/sqlite/connection.h"

namespace repay::db::sqlite {

class GroupSync {
 public:
  // A sync of the log that fails stops the process at once (docs/decisions.md): the commits it
  // was to cover may or may not be on disk — and after a failed fsync the kernel may have dropped
  // their pages — so no caller may be told "stored", nor "not stored" (a card center told 9999
  // must not find the repayment executed). The next start queries whatever was claimed. Tests
  // replace the sync and the stop.
  struct SyncHooks {
    std::function<Status(Connection&)> sync;            // instead of Connection::sync_log
    std::function<void(const Error&)> on_failed_sync;   // instead of stopping the process
  };
  static constexpr int kExitSyncFailed = 70;

  // Opens its own connection to the database (WAL mode) and starts the syncing thread.
  // With `pool` (the store's pool of the same database), write_then() batches writes on a
  // writer thread; without, only after_durable() is offered.
  static Result<std::unique_ptr<GroupSync>> open(const std::string& path, const db::Pool* pool = nullptr,
                                                 SyncHooks hooks = {});
  // Syncs for whoever still waits, calls them, then stops.
  ~GroupSync();
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  // `then(true)` once every commit that returned before this call is on disk. A failed sync stops
  // the process (SyncHooks); only with a replaced stop that returns is `then(false)` called.
  // Called on the syncing thread: keep it short.
  void after_durable(std::function<void(bool durable)> then);
  // Queues `write` for the writer thread (only when opened with a pool): it runs there later,
  // with the writes queued meanwhile, in one transaction; the pool's connections it acquires
  // are that transaction's. `then(true)` once that transaction is committed and synced;
  // `then(false)` when it could not be — perhaps without `write` having run at all: tell
  // nothing. `write` must capture what it uses by value and never wait for another write.
  void write_then(std::function<void()> write, std::function<void(bool durable)> then);
  // Runs `write` on the writer thread in its next batch and returns once that batch committed
  // (not synced): true when committed, false when it could not be, nullopt when `max_wait`
  // passed first (the database busy: another process holding the write lock) — `write` may then
  // still run later, so it must own what it touches. For small writes that need no sync of their
  // own (a nonce) from threads that would otherwise compete with the writer for SQLite's write
  // lock — a busy-waiting thread rarely finds the lock free between two batches. Never call it
  // from a write (the writer would wait for itself).
  std::optional<bool> write_committed(std::function<void()> write, std::chrono::milliseconds max_wait);
  // Syncs done so far (one per group of waiters); write batches committed so far.
  int64_t syncs() const;
  int64_t batches() const;

  // How often the checkpointing thread copies the WAL into the database file. The store's own
  // connections then stop checkpointing (Connection::set_auto_checkpoint(false)): a checkpoint
  // is two fsyncs and up to 4 MiB of copying, which SQLite otherwise does in whichever request
  // commits past 1,000 pages — at 1,000 repays/s, one every few dozen milliseconds.
  static constexpr std::chrono::milliseconds kCheckpointEvery{50};
  // SQLite rewinds the WAL only in a write that starts when every frame of it is copied; with
  // writes every millisecond there is always one frame more, and the log grew without end
  // (1.6 GB in 18 s at 1,000 repays/s, 1 GB in a 300,000-item batch: every write a new page of
  // the file, zeroed by the kernel and cached). So once the checkpointing thread finds the log
  // past kRewindLogFrames (16 MiB of 4 KiB pages) and all of it copied, the writer thread, between
  // two of its batches, copies what was written since (a PASSIVE checkpoint: little, and two
  // fsyncs) — its next write, or another connection's, then starts the log from its beginning.
  // Nobody else waits for it. When a reader still reads from the log it is tried again
  // kRewindBackoff later.
  static constexpr int64_t kRewindLogFrames = 4096;
  static constexpr std::chrono::milliseconds kRewindBackoff{200};
  // Times the writer found the whole log copied right before its next write.
  int64_t rewinds() const;

 private:
  struct Write {
    std::function<void()> write;
    std::function<void(bool)> then;
    bool after_commit = false;  // `then` at the commit, not after the sync (write_committed)
  };
  GroupSync(std::unique_ptr<Connection> c, std::unique_ptr<Connection> checkpointing,
            std::unique_ptr<Connection> writer, const db::Pool* pool, SyncHooks hooks);
  void run();
  void checkpoints();
  void writes();
  // On the writer thread: see kRewindLogFrames. True when the whole log is copied.
  bool rewind_log();
  // Runs the batch in one transaction and commits it; for each write, whether it is committed.
  // When SQLite rolls the transaction back midway, the writes it held are not, and the rest run
  // in a new one: each caller is told exactly what became of its own write.
  std::vector<bool> write_batch(std::vector<Write>& batch);

  std::unique_ptr<Connection> c_;
  SyncHooks hooks_;
  std::unique_ptr<Connection> checkpointing_;
  std::mutex checkpointing_mu_;  // held by a checkpoint; by the writer from a rewind to its batch
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable checkpoint_cv_;
  std::vector<std::function<void(bool)>> waiting_;
  bool stopping_ = false;
  int64_t syncs_ = 0;
  int64_t rewinds_ = 0;
  bool rewind_wanted_ = false;  // for the writer thread (kRewindLogFrames)
  std::chrono::steady_clock::time_point next_rewind_{};
  std::thread thread_;
  std::thread checkpoint_thread_;
  // The writer (null without a pool).
  std::unique_ptr<Connection> writer_;
  const db::Pool* pool_ = nullptr;
  std::condition_variable writer_cv_;
  std::vector<Write> queued_;
  bool stopping_writes_ = false;
  bool writer_gone_ = false;
  int64_t batches_ = 0;
  std::thread writer_thread_;
};

}  // namespace repay::db::sqlite
