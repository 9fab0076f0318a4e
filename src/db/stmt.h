// A prepared statement, engine-neutral: `Stmt` is the handle the store uses (bind, step, read
// columns); `Statement` is what a driver implements behind it. A driver keeps its statements
// prepared per connection and lends one to each Stmt: executing a cached statement allocates
// nothing beyond what its values need (docs/performance.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace repay::db {

class Statement {
 public:
  virtual void reset() = 0;  // clears the previous run and the bindings
  virtual void bind_text(int i, std::string_view text) = 0;  // 1-based
  virtual void bind_blob(int i, std::string_view bytes) = 0;
  virtual void bind_int(int i, int64_t v) = 0;
  virtual void bind_null(int i) = 0;
  // True when a row is available, false when done. Errors: "DB"; "BUSY" when the engine's lock
  // wait ran out; "CONFLICT" when the engine refused it for a concurrent transaction
  // (serialization failure, deadlock): the whole transaction may be retried (db/retry.h).
  virtual Result<bool> step() = 0;
  virtual std::string text(int col) const = 0;  // "" for NULL
  virtual std::string blob(int col) const = 0;
  virtual int64_t integer(int col) const = 0;
  virtual bool is_null(int col) const = 0;
  // The Stmt holding it ended: back to its connection's cache (reset, bindings cleared) or gone.
  virtual void release() = 0;

 protected:
  ~Statement() = default;  // only release() ends one
};

class Stmt {
 public:
  explicit Stmt(Statement* s) : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    if (s_) s_->release();
  }

  // Clears the previous run and bindings, for reuse.
  Stmt& reset() {
    s_->reset();
    return *this;
  }
  Stmt& bind(int i, std::string_view text) {  // 1-based
    s_->bind_text(i, text);
    return *this;
  }
  Stmt& bind_blob(int i, std::string_view bytes) {
    s_->bind_blob(i, bytes);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    s_->bind_int(i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    s_->bind_null(i);
    return *this;
  }
  // Binds "" as NULL: for optional columns.
  Stmt& bind_opt(int i, std::string_view text) { return text.empty() ? bind_null(i) : bind(i, text); }

  // Result<bool>: true when a row is available, false when done.
  Result<bool> step() { return s_->step(); }
  // Runs to completion (for statements without rows).
  Status run() {
    for (;;) {
      auto r = step();
      if (!r) return r.error();
      if (!*r) return ok_status();
    }
  }

  std::string text(int col) const { return s_->text(col); }  // "" for NULL
  std::string blob(int col) const { return s_->blob(col); }
  int64_t integer(int col) const { return s_->integer(col); }
  bool is_null(int col) const { return s_->is_null(col); }

 private:
  Statement* s_;
};

}  // namespace repay::db
