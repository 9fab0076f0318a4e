// The SQLite driver's pool: connections to one database file, and group commit (group_sync.h)
// behind the seam's write_then() / write_committed() once enable_group_commit() started it.
#pragma once

#include <memory>
#include <string>

#include "db/pool.h"
#include "db/sqlite/connection.h"
#include "db/sqlite/group_sync.h"

namespace repay::db::sqlite {

class Pool final : public db::Pool {
 public:
  // `size` connections to the database file (db/sqlite/connection.h, Connection::open).
  static Result<std::unique_ptr<Pool>> open(const std::string& path, int size,
                                            Durability durability = Durability::kPowerLoss);
  ~Pool() override;

  // Starts group commit (group_sync.h) for write_then(): its writes commit without their own
  // fsync and are synced together. Nothing to do when opened with kCrash.
  Status enable_group_commit() override;
  // Syncs for whoever still waits, calls them and stops; write_then() then syncs each commit.
  // Only once no other thread can call write_then(): at shutdown (nothing checkpoints the WAL
  // any more until the pool closes, which checkpoints it).
  void stop_group_commit() override { group_.reset(); }
  void write_then(const std::function<void()>& write, std::function<void(bool)> then) override;
  bool write_then_queues() const override { return group_ != nullptr; }
  std::optional<bool> write_committed(std::function<void()> write,
                                      std::chrono::milliseconds max_wait) override;
  GroupSync* group_sync() { return group_.get(); }

 private:
  Pool(std::string path, Durability durability) : db::Pool(sqlite::dialect()), path_(std::move(path)), durability_(durability) {}
  db::Connection* lent() const override { return BatchScope::lent(this); }

  std::string path_;
  Durability durability_;
  std::unique_ptr<GroupSync> group_;
};

}  // namespace repay::db::sqlite
