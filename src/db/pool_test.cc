// The seam's pool and write transaction over a connection that records what it is asked: what
// every driver gets without writing it.
#include "db/pool.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "db/transaction.h"

namespace repay::db {
namespace {

const Dialect kDialect{.name = "recording"};

class RecordingConnection final : public Connection {
 public:
  explicit RecordingConnection(std::vector<std::string>* log) : log_(log) {}
  Status exec(std::string_view sql) override {
    log_->emplace_back(sql);
    return ok_status();
  }
  Result<Stmt> prepare(std::string_view) override { return make_error("DB", "not here"); }
  int64_t changes() const override { return 0; }
  int64_t last_insert_rowid() const override { return 0; }
  bool in_transaction() const override { return false; }
  Error error(std::string_view what) const override { return make_error("DB", std::string(what)); }
  const Dialect& dialect() const override { return kDialect; }
  Status begin_write(Isolation isolation, unsigned& state) override {
    state = 7;
    log_->push_back(isolation == Isolation::kReadCommitted ? "BEGIN READ COMMITTED" : "BEGIN SERIALIZABLE");
    return ok_status();
  }
  Status commit_write(unsigned& state) override {
    log_->push_back("COMMIT " + std::to_string(state));
    if (fail_commit) return make_error("DB", "commit failed");
    return ok_status();
  }
  void rollback_write(unsigned& state) override { log_->push_back("ROLLBACK " + std::to_string(state)); }
  bool fail_commit = false;

 private:
  std::vector<std::string>* log_;
};

class RecordingPool final : public Pool {
 public:
  RecordingPool(int size, std::vector<std::string>* log) : Pool(kDialect) {
    for (int i = 0; i < size; ++i) add(std::make_unique<RecordingConnection>(log));
  }
  using Pool::acquire_all;
};

}  // namespace

TEST_CASE("Pool: leases go back when they end; try_acquire never waits") {
  std::vector<std::string> log;
  RecordingPool pool(2, &log);
  CHECK(&pool.dialect() == &kDialect);
  Connection* first = nullptr;
  {
    auto a = pool.acquire();
    first = &*a;
    auto b = pool.try_acquire();
    REQUIRE(b.has_value());
    CHECK(&**b != first);
    CHECK_FALSE(pool.try_acquire().has_value());  // both out
  }
  CHECK(pool.acquire_all().size() == 2);  // both back
  {
    auto a = pool.acquire();
    std::thread giver([b = pool.acquire()] {});  // gives its lease back when the thread ends
    auto c = pool.acquire();                      // waits for it
    giver.join();
  }
  CHECK_FALSE(pool.in_write_batch());
}

TEST_CASE("Pool: without group commit, write_then and write_committed run here, at once") {
  std::vector<std::string> log;
  RecordingPool pool(1, &log);
  CHECK(pool.enable_group_commit().ok());
  CHECK_FALSE(pool.write_then_queues());
  const auto here = std::this_thread::get_id();
  bool ran_here = false, told = false;
  pool.write_then([&] { ran_here = std::this_thread::get_id() == here; }, [&](bool durable) { told = durable; });
  CHECK(ran_here);
  CHECK(told);
  bool wrote = false;
  CHECK(pool.write_committed([&] { wrote = true; }, std::chrono::milliseconds(1)) == std::optional<bool>(true));
  CHECK(wrote);
}

TEST_CASE("WriteTx: rolled back unless committed; the driver's state goes with it") {
  std::vector<std::string> log;
  RecordingConnection c(&log);
  {
    WriteTx tx(c);
    REQUIRE(tx.begin().ok());
  }
  {
    WriteTx tx(c, Isolation::kSerializable);
    REQUIRE(tx.begin().ok());
    REQUIRE(tx.commit().ok());
  }
  {
    c.fail_commit = true;
    WriteTx tx(c);
    REQUIRE(tx.begin().ok());
    CHECK_FALSE(tx.commit().ok());
  }
  CHECK(log == std::vector<std::string>{"BEGIN READ COMMITTED", "ROLLBACK 7", "BEGIN SERIALIZABLE",
                                        "COMMIT 7", "BEGIN READ COMMITTED", "COMMIT 7", "ROLLBACK 7"});
}

}  // namespace repay::db
