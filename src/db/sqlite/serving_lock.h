// One serving process per SQLite database (docs/decisions.md, One process per database): `repay
// serve` takes an exclusive lock on `<database>.lock` before it recovers anything and holds it for
// its life; the kernel releases it when the process ends, however it ends. A second `repay serve`
// on the same database is refused with the holder's process id. The CLI steps do not take it:
// they act beside a running processor through the store's conditional updates.
// It is the SQLite driver's (docs/decisions.md, Engine seam): a lock file beside the database file
// guards what only SQLite needs — one process writing one file, group commit's writer and WAL
// checkpoints; a server engine has no such file and takes several nodes, whose claims are tagged
// by node.
#pragma once

#include <string>

#include "core/result.h"

namespace repay::db::sqlite {

class ServingLock {
 public:
  // Error "LOCKED" naming the lock file (and the pid of the holder) when another process holds
  // it; "IO" when the file cannot be opened.
  static Result<ServingLock> acquire(const std::string& database);
  static std::string path_for(const std::string& database) { return database + ".lock"; }

  ServingLock(ServingLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  ServingLock& operator=(ServingLock&& o) noexcept;
  ServingLock(const ServingLock&) = delete;
  ServingLock& operator=(const ServingLock&) = delete;
  ~ServingLock();

  const std::string& path() const { return path_; }

 private:
  ServingLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace repay::db::sqlite
