#include "db/sqlite/group_sync.h"

#include <cstdlib>
#include <exception>
#include <future>

#include "core/log.h"

namespace repay::db::sqlite {

Result<std::unique_ptr<GroupSync>> GroupSync::open(const std::string& path, const db::Pool* pool,
                                                   SyncHooks hooks) {
  auto c = Connection::open(path, Durability::kPowerLoss);
  if (!c) return c.error();
  REPAY_TRY((*c)->sync_log());  // fails now, not on the first repayment, if it cannot work
  auto checkpointing = Connection::open(path, Durability::kPowerLoss);
  if (!checkpointing) return checkpointing.error();
  std::unique_ptr<Connection> writer;
  if (pool) {
    // No fsync at its commits (kCrash): nobody is told before the syncing thread's sync.
    auto w = Connection::open(path, Durability::kCrash);
    if (!w) return w.error();
    REPAY_TRY((*w)->set_auto_checkpoint(false));
    writer = std::move(*w);
  }
  return std::unique_ptr<GroupSync>(
      new GroupSync(std::move(*c), std::move(*checkpointing), std::move(writer), pool, std::move(hooks)));
}

GroupSync::GroupSync(std::unique_ptr<Connection> c, std::unique_ptr<Connection> checkpointing,
                     std::unique_ptr<Connection> writer, const db::Pool* pool, SyncHooks hooks)
    : c_(std::move(c)), hooks_(std::move(hooks)), checkpointing_(std::move(checkpointing)),
      writer_(std::move(writer)),
      pool_(pool) {
  thread_ = std::thread([this] { run(); });
  checkpoint_thread_ = std::thread([this] { checkpoints(); });
  if (writer_) writer_thread_ = std::thread([this] { writes(); });
}

GroupSync::~GroupSync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_writes_ = true;
  }
  // The writer first: what it still commits goes to the syncing thread.
  writer_cv_.notify_one();
  if (writer_thread_.joinable()) {
    writer_thread_.join();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    writer_gone_ = true;  // later writes are refused, not queued for nobody
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  checkpoint_cv_.notify_one();
  thread_.join();
  checkpoint_thread_.join();
}

void GroupSync::checkpoints() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!checkpoint_cv_.wait_for(lock, kCheckpointEvery, [this] { return stopping_; })) {
    lock.unlock();
    // PASSIVE: copies what it can without waiting; readers and the writer go on meanwhile.
    std::unique_lock<std::mutex> no_rewind(checkpointing_mu_);
    auto done = checkpointing_->checkpoint();
    no_rewind.unlock();
    if (!done) log::warn("store.checkpoint_failed", {{"error", done.error().to_string()}});
    lock.lock();
    if (writer_ && done && done->complete() && done->log_frames >= kRewindLogFrames &&
        std::chrono::steady_clock::now() >= next_rewind_) {
      rewind_wanted_ = true;
      writer_cv_.notify_one();
    }
  }
}

bool GroupSync::rewind_log() {
  // Copies what was written since the checkpointing thread's pass: little.
  auto done = writer_->checkpoint();
  if (!done) log::warn("store.checkpoint_failed", {{"error", done.error().to_string()}});
  std::lock_guard<std::mutex> lock(mu_);
  if (done && done->complete()) {
    ++rewinds_;
    return true;
  }
  next_rewind_ = std::chrono::steady_clock::now() + kRewindBackoff;  // a reader: later
  return false;
}

int64_t GroupSync::rewinds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rewinds_;
}

void GroupSync::after_durable(std::function<void(bool)> then) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.push_back(std::move(then));
  }
  cv_.notify_one();
}

int64_t GroupSync::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

int64_t GroupSync::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}

void GroupSync::write_then(std::function<void()> write, std::function<void(bool)> then) {
  if (!writer_) {  // a programmer's error: opened without a pool
    log::error("store.write_then_without_writer");
    return then(false);
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (writer_gone_) {  // nobody would run it
      lock.unlock();
      return then(false);
    }
    queued_.push_back({std::move(write), std::move(then)});
  }
  writer_cv_.notify_one();
}

std::optional<bool> GroupSync::write_committed(std::function<void()> write,
                                               std::chrono::milliseconds max_wait) {
  if (!writer_) return false;
  // Shared: the writer may tell it after this caller stopped waiting.
  auto committed = std::make_shared<std::promise<bool>>();
  auto told = committed->get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (writer_gone_) return false;
    queued_.push_back({std::move(write), [committed](bool ok) { committed->set_value(ok); }, true});
  }
  writer_cv_.notify_one();
  if (told.wait_for(max_wait) != std::future_status::ready) return std::nullopt;
  return told.get();
}

void GroupSync::writes() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    writer_cv_.wait(lock, [this] { return stopping_writes_ || !queued_.empty() || rewind_wanted_; });
    const bool rewind = std::exchange(rewind_wanted_, false);
    if (!rewind && queued_.empty()) return;  // stopping, nothing left to write
    // After a rewind the checkpointing thread waits until the next batch has begun: a
    // checkpoint running when a write begins keeps that write from rewinding the log.
    std::unique_lock<std::mutex> no_checkpoint(checkpointing_mu_, std::defer_lock);
    if (rewind) {
      lock.unlock();
      no_checkpoint.lock();
      if (!rewind_log()) no_checkpoint.unlock();
      lock.lock();
    }
    std::vector<Write> batch;
    batch.swap(queued_);
    if (batch.empty()) continue;
    lock.unlock();
    const std::vector<bool> committed = write_batch(batch);
    if (no_checkpoint.owns_lock()) no_checkpoint.unlock();
    lock.lock();
    ++batches_;
    // Told now: write_committed()'s (at the commit), and every write that is not committed.
    std::vector<std::pair<std::function<void(bool)>, bool>> now;
    bool synced_later = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      Write& w = batch[i];
      if (w.after_commit || !committed[i]) {
        now.emplace_back(std::move(w.then), committed[i]);
      } else {
        // Committed before they wait: the next sync covers them.
        waiting_.push_back(std::move(w.then));
        synced_later = true;
      }
    }
    if (synced_later) cv_.notify_one();
    lock.unlock();
    for (auto& [then, ok] : now) then(ok);
    lock.lock();
  }
}

std::vector<bool> GroupSync::write_batch(std::vector<Write>& batch) {
  Connection& c = *writer_;
  std::vector<bool> committed(batch.size(), false);
  auto begin = [&c] {
    Status st = c.exec("BEGIN IMMEDIATE");
    if (!st) log::error("store.write_batch_failed", {{"error", st.error().to_string()}});
    return st.ok();
  };
  if (!begin()) return committed;  // none of the writes ran
  size_t first = 0;  // the first write of the open transaction
  DeferSync deferred;
  for (size_t i = 0; i < batch.size(); ++i) {
    {
      // Statements of the write run only inside this transaction: once SQLite has rolled it
      // back they are refused, never run (and committed) one by one outside it.
      BatchScope scope(*pool_, c);
      try {
        batch[i].write();
      } catch (const std::exception& e) {  // its SAVEPOINT was rolled back while unwinding
        log::error("store.write_threw", {{"error", e.what()}});
      }
    }
    if (!c.in_transaction()) {
      // SQLite rolled the whole transaction back during this write (an I/O error, a full disk,
      // busy): it and every write before it since `first` stored nothing — none of them was told
      // anything yet, and none will be told "stored". The next writes get a transaction of
      // their own, and are told what became of it.
      log::error("store.write_batch_rolled_back", {{"writes", std::to_string(i + 1 - first)}});
      first = i + 1;
      if (first < batch.size() && !begin()) return committed;
    }
  }
  if (first == batch.size()) return committed;  // no transaction open
  Status st = c.exec("COMMIT");
  if (!st) {
    // Rolled back by SQLite, or still open (then rolled back here): nothing of it is stored.
    log::error("store.write_batch_failed", {{"error", st.error().to_string()}});
    if (c.in_transaction()) (void)c.exec("ROLLBACK");
    return committed;
  }
  for (size_t i = first; i < batch.size(); ++i) committed[i] = true;
  return committed;
}

void GroupSync::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, nobody waits
    // Everyone waiting now committed before asking: one sync covers them all. Whoever asks
    // while it runs waits for the next one (their commit may have missed this sync).
    std::vector<std::function<void(bool)>> group;
    group.swap(waiting_);
    lock.unlock();
    Status st = hooks_.sync ? hooks_.sync(*c_) : c_->sync_log();
    if (!st) {
      log::alert("store.sync_failed", {{"error", st.error().to_string()},
                                       {"action", "stopping: the commits it was to cover may or may "
                                                  "not be on disk; the next start queries what was "
                                                  "claimed"}});
      if (!hooks_.on_failed_sync) std::_Exit(kExitSyncFailed);
      hooks_.on_failed_sync(st.error());
    }
    for (auto& then : group) then(st.ok());
    lock.lock();
    ++syncs_;
  }
}

}  // namespace repay::db::sqlite
