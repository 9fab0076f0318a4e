// A write transaction on the seam: rolled back unless commit() succeeded. On SQLite it is a
// BEGIN IMMEDIATE (a SAVEPOINT inside a write batch of group commit); on a server engine a
// READ COMMITTED transaction (db/connection.h, Isolation).
#pragma once

#include "db/connection.h"

namespace repay::db {

class WriteTx {
 public:
  explicit WriteTx(Connection& c, Isolation isolation = Isolation::kReadCommitted)
      : c_(c), isolation_(isolation) {}
  WriteTx(const WriteTx&) = delete;
  WriteTx& operator=(const WriteTx&) = delete;
  Status begin() { return c_.begin_write(isolation_, state_); }
  Status commit() {
    auto st = c_.commit_write(state_);
    if (st) open_ = false;
    return st;
  }
  ~WriteTx() {
    if (open_) c_.rollback_write(state_);
  }

 private:
  Connection& c_;
  Isolation isolation_;
  unsigned state_ = 0;  // the driver's (Connection::begin_write)
  bool open_ = true;
};

}  // namespace repay::db
