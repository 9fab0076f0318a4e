#include "db/sqlite/pool.h"

namespace repay::db::sqlite {

Result<std::unique_ptr<Pool>> Pool::open(const std::string& path, int size, Durability durability) {
  std::unique_ptr<Pool> pool(new Pool(path, durability));
  for (int i = 0; i < size; ++i) {
    auto c = Connection::open(path, durability);
    if (!c) return c.error();
    pool->add(std::move(*c));
  }
  return pool;
}

// The writer first, while the connections it may lend for are still there.
Pool::~Pool() { group_.reset(); }

Status Pool::enable_group_commit() {
  if (group_ || durability_ != Durability::kPowerLoss) return ok_status();
  auto g = GroupSync::open(path_, this);
  if (!g) return g.error();
  // GroupSync checkpoints from now on (GroupSync::kCheckpointEvery); the pool's connections,
  // all idle while the processor starts, stop checkpointing in the requests that commit.
  for (auto& c : acquire_all()) {
    REPAY_TRY(static_cast<Connection&>(*c).set_auto_checkpoint(false));
  }
  group_ = std::move(*g);
  return ok_status();
}

void Pool::write_then(const std::function<void()>& write, std::function<void(bool)> then) {
  if (!group_) return db::Pool::write_then(write, std::move(then));
  group_->write_then(write, std::move(then));  // batched with others on the writer thread
}

std::optional<bool> Pool::write_committed(std::function<void()> write,
                                          std::chrono::milliseconds max_wait) {
  // On the writer's own thread the write is already in its batch (the writer would wait for
  // itself).
  if (!group_ || in_write_batch()) return db::Pool::write_committed(std::move(write), max_wait);
  return group_->write_committed(std::move(write), max_wait);
}

}  // namespace repay::db::sqlite
