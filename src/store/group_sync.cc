#include "store/group_sync.h"

#include "core/log.h"

namespace repay::store {

Result<std::unique_ptr<GroupSync>> GroupSync::open(const std::string& path) {
  auto c = Connection::open(path, Durability::kPowerLoss);
  if (!c) return c.error();
  REPAY_TRY((*c)->sync_log());  // fails now, not on the first repayment, if it cannot work
  auto checkpointing = Connection::open(path, Durability::kPowerLoss);
  if (!checkpointing) return checkpointing.error();
  return std::unique_ptr<GroupSync>(new GroupSync(std::move(*c), std::move(*checkpointing)));
}

GroupSync::GroupSync(std::unique_ptr<Connection> c, std::unique_ptr<Connection> checkpointing)
    : c_(std::move(c)), checkpointing_(std::move(checkpointing)) {
  thread_ = std::thread([this] { run(); });
  checkpoint_thread_ = std::thread([this] { checkpoints(); });
}

GroupSync::~GroupSync() {
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
    Status st = checkpointing_->checkpoint();
    if (!st) log::warn("store.checkpoint_failed", {{"error", st.error().to_string()}});
    lock.lock();
  }
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
    Status st = c_->sync_log();
    if (!st) log::error("store.group_sync_failed", {{"error", st.error().to_string()}});
    for (auto& then : group) then(st.ok());
    lock.lock();
    ++syncs_;
  }
}

}  // namespace repay::store
