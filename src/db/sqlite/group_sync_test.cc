// Group commit against real SQLite files: DeferSync lowers `synchronous` for its transactions
// only, GroupSync calls back every waiter once their commits are synced, and the driver's
// Pool::write_then ties both together.
#include "db/sqlite/group_sync.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "db/sqlite/pool.h"
#include "db/sqlite/test_db.h"
#include "db/transaction.h"
#include "support/temp_dir.h"

namespace repay::db::sqlite {
namespace {

using testing::TempDir;

// Inserts a row in a WriteTx; returns `synchronous` as seen inside the transaction.
int64_t insert_row(db::Connection& c, int64_t v, bool commit = true) {
  WriteTx tx(c);
  REQUIRE(tx.begin().ok());
  const int64_t inside = query_int(c, "PRAGMA synchronous");
  auto s = c.prepare("INSERT INTO t(v) VALUES (?)");
  REQUIRE(s.ok());
  REQUIRE(s->bind(1, v).run().ok());
  if (commit) REQUIRE(tx.commit().ok());
  return inside;
}

const std::string kCreate = "CREATE TABLE IF NOT EXISTS t(v INTEGER)";

// The pool a store opens: four connections.
std::unique_ptr<Pool> open_pool(const std::string& path) {
  auto opened = Pool::open(path, 4);
  REQUIRE_MESSAGE(opened.ok(), opened.error().to_string());
  return std::move(*opened);
}

// Inserts v in a WriteTx on a connection of the pool; commits unless `fail`.
void store_row(db::Pool& pool, int64_t v, bool fail = false) {
  auto c = pool.acquire();
  WriteTx tx(*c);
  REQUIRE(tx.begin().ok());
  auto s = c->prepare("INSERT INTO t(v) VALUES (?)");
  REQUIRE(s.ok());
  REQUIRE(s->bind(1, v).run().ok());
  if (!fail) REQUIRE(tx.commit().ok());
}


}  // namespace

TEST_CASE("DeferSync: only the transactions begun in its scope skip their sync") {
  TempDir dir;
  auto c = open_db(dir.path + "/db");
  REQUIRE(c->exec(kCreate).ok());
  constexpr int64_t kFull = 2, kNormal = 1;
  CHECK(insert_row(*c, 1) == kFull);
  {
    DeferSync deferred;
    CHECK(DeferSync::active());
    CHECK(insert_row(*c, 2) == kNormal);
    CHECK(query_int(*c, "PRAGMA synchronous") == kFull);  // restored after COMMIT
    CHECK(insert_row(*c, 3, /*commit=*/false) == kNormal);
    CHECK(query_int(*c, "PRAGMA synchronous") == kFull);  // restored after ROLLBACK
    std::thread other([&] { CHECK_FALSE(DeferSync::active()); });  // per thread
    other.join();
  }
  CHECK_FALSE(DeferSync::active());
  CHECK(insert_row(*c, 4) == kFull);
  CHECK(query_int(*c, "SELECT count(*) FROM t") == 3);  // the rolled-back row is not there

  // A connection opened for kCrash stays as it is.
  auto normal = open_db(dir.path + "/db", Durability::kCrash);
  DeferSync deferred;
  CHECK(insert_row(*normal, 5) == kNormal);
  CHECK(query_int(*normal, "PRAGMA synchronous") == kNormal);
}

TEST_CASE("Connection::sync_log: needs a write-ahead log") {
  TempDir dir;
  auto wal = open_db(dir.path + "/wal.db");
  CHECK(wal->sync_log().ok());
  auto rollback = open_db(dir.path + "/rollback.db");
  REQUIRE(rollback->exec("PRAGMA journal_mode=DELETE").ok());
  auto st = rollback->sync_log();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("write-ahead log") != std::string::npos);
}

TEST_CASE("GroupSync: every waiter is called once, after its commit, in shared syncs") {
  TempDir dir;
  const std::string path = dir.path + "/db";
  {
    auto c = open_db(path);
    REQUIRE(c->exec(kCreate).ok());
  }
  auto g = GroupSync::open(path);
  REQUIRE_MESSAGE(g.ok(), g.error().to_string());
  GroupSync& sync = **g;

  constexpr int kThreads = 4, kEach = 50;
  std::atomic<int> called{0}, durable{0}, missing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = open_db(path);
      auto reader = open_db(path);
      for (int i = 0; i < kEach; ++i) {
        const int64_t v = t * 1000 + i;
        {
          DeferSync deferred;
          insert_row(*c, v);
        }
        std::promise<void> done;
        sync.after_durable([&](bool ok) {
          ++called;
          if (ok) ++durable;
          done.set_value();
        });
        done.get_future().wait();
        // What was committed before asking is there once called back.
        if (query_int(*reader, "SELECT count(*) FROM t WHERE v = " + std::to_string(v)) != 1) ++missing;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(called == kThreads * kEach);
  CHECK(durable == kThreads * kEach);
  CHECK(missing == 0);
  CHECK(sync.syncs() >= 1);
  CHECK(sync.syncs() <= kThreads * kEach);
}

TEST_CASE("GroupSync: its own thread checkpoints the WAL of connections that no longer do") {
  TempDir dir;
  const std::string path = dir.path + "/db";
  auto c = open_db(path);
  auto reader = open_db(path);  // keeps the WAL from being checkpointed at close
  REQUIRE(c->exec(kCreate).ok());
  REQUIRE(c->set_auto_checkpoint(false).ok());
  auto db_pages = [&] { return std::filesystem::file_size(path) / 4096; };
  auto write_pages = [&] {
    for (int i = 0; i < 20; ++i) {
      REQUIRE(c->exec("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000) "
                      "INSERT INTO t(v) SELECT x FROM n").ok());
    }
  };
  write_pages();
  const auto before = db_pages();
  std::this_thread::sleep_for(4 * GroupSync::kCheckpointEvery);
  CHECK(db_pages() == before);  // nobody checkpoints: the rows are only in the WAL

  auto g = GroupSync::open(path);
  REQUIRE(g.ok());
  bool copied = false;
  for (int i = 0; i < 100 && !copied; ++i) {
    std::this_thread::sleep_for(GroupSync::kCheckpointEvery);
    copied = db_pages() > before + 50;
  }
  CHECK(copied);
  CHECK(query_int(*reader, "SELECT count(*) FROM t") == 40000);
}

TEST_CASE("GroupSync: a failed sync of the log stops the process, telling no waiter anything") {
  TempDir dir;
  const std::string path = dir.path + "/db";
  auto failing = [](Connection&) -> Status { return make_error("DB", "sync of the write-ahead log failed: 10"); };
  // Forked: the default stop ends the process at once, with kExitSyncFailed, before any callback.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto g = GroupSync::open(path, nullptr, GroupSync::SyncHooks{failing, {}});
    if (!g) std::_Exit(1);
    (*g)->after_durable([](bool) { std::_Exit(2); });  // never told anything
    std::this_thread::sleep_for(std::chrono::seconds(5));
    std::_Exit(3);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == GroupSync::kExitSyncFailed);

  // With the stop replaced (it returns), the waiters are told `false`.
  std::promise<std::string> failed;
  auto g = GroupSync::open(path, nullptr,
                           GroupSync::SyncHooks{failing, [&](const Error& e) { failed.set_value(e.message); }});
  REQUIRE(g.ok());
  std::promise<bool> told;
  (*g)->after_durable([&](bool durable) { told.set_value(durable); });
  CHECK(failed.get_future().get() == "sync of the write-ahead log failed: 10");
  CHECK_FALSE(told.get_future().get());
}

TEST_CASE("GroupSync: whoever still waits is called when it stops") {
  TempDir dir;
  auto g = GroupSync::open(dir.path + "/db");
  REQUIRE(g.ok());
  std::atomic<int> called{0};
  for (int i = 0; i < 20; ++i) (*g)->after_durable([&](bool ok) { called += ok ? 1 : 100; });
  g->reset();
  CHECK(called == 20);
}

TEST_CASE("Pool::write_then: at once without group commit, after the sync with it") {
  TempDir dir;
  auto pool = open_pool(dir.path + "/repay.db");
  {
    auto c = pool->acquire();
    REQUIRE(c->exec(kCreate).ok());
  }

  bool wrote = false, deferred_inside = true, then_inline = false;
  pool->write_then(
      [&] {
        wrote = true;
        deferred_inside = DeferSync::active();
      },
      [&](bool ok) { then_inline = ok && wrote; });
  CHECK(then_inline);
  CHECK_FALSE(deferred_inside);  // every commit syncs by itself
  CHECK(pool->group_sync() == nullptr);
  CHECK_FALSE(pool->write_then_queues());

  REQUIRE(pool->enable_group_commit().ok());
  REQUIRE(pool->group_sync() != nullptr);
  CHECK(pool->write_then_queues());
  std::promise<bool> result;
  pool->write_then(
      [&] {
        deferred_inside = DeferSync::active();
        store_row(*pool, 1);
      },
      [&](bool ok) { result.set_value(ok); });
  CHECK(result.get_future().get());
  CHECK(deferred_inside);  // on the writer thread, after write_then returned
  CHECK_FALSE(DeferSync::active());
  {
    auto c = pool->acquire();
    CHECK(query_int(*c, "SELECT count(*) FROM t WHERE v = 1") == 1);  // the deferred commit is there
  }
  pool->stop_group_commit();
  CHECK(pool->group_sync() == nullptr);
  CHECK_FALSE(pool->write_then_queues());

  // kCrash: nothing to group, every commit is already as durable as it will be.
  auto crash = Pool::open(dir.path + "/crash.db", 2, Durability::kCrash);
  REQUIRE(crash.ok());
  REQUIRE((*crash)->enable_group_commit().ok());
  CHECK((*crash)->group_sync() == nullptr);
}


TEST_CASE("write batching: writes from many threads share transactions, each told once, after the sync") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto pool = open_pool(path);
  {
    auto c = pool->acquire();
    REQUIRE(c->exec(kCreate).ok());
  }
  REQUIRE(pool->enable_group_commit().ok());
  constexpr int kThreads = 4, kEach = 100;
  std::atomic<int> called{0}, durable{0}, missing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto reader = open_db(path);
      for (int i = 0; i < kEach; ++i) {
        const int64_t v = t * 1000 + i;
        std::promise<void> done;
        pool->write_then([&pool, v] { store_row(*pool, v); }, [&](bool ok) {
          ++called;
          if (ok) ++durable;
          done.set_value();
        });
        done.get_future().wait();
        if (query_int(*reader, "SELECT count(*) FROM t WHERE v = " + std::to_string(v)) != 1) ++missing;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(called == kThreads * kEach);
  CHECK(durable == kThreads * kEach);
  CHECK(missing == 0);
  const int64_t batches = pool->group_sync()->batches();
  CHECK(batches >= 1);
  CHECK(batches <= kThreads * kEach);
  pool->stop_group_commit();
}

TEST_CASE("write batching: a write that fails rolls back alone; the pool lends the batch's connection") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto pool = open_pool(path);
  {
    auto c = pool->acquire();
    REQUIRE(c->exec(kCreate).ok());
  }
  REQUIRE(pool->enable_group_commit().ok());
  // Hold the writer in its first batch until the next writes are queued, so they share one.
  std::promise<void> queued;
  std::shared_future<void> go = queued.get_future().share();
  std::atomic<int> oks{0};
  bool same_connection = false, in_tx = false;
  pool->write_then([go] { go.wait(); }, [&](bool ok) { oks += ok; });
  pool->write_then([&pool] { store_row(*pool, 1); }, [&](bool ok) { oks += ok; });
  pool->write_then([&pool] { store_row(*pool, 2, /*fail=*/true); }, [&](bool ok) { oks += ok; });
  std::promise<void> last;
  pool->write_then(
      [&] {
        auto a = pool->acquire();
        auto b = pool->acquire();  // would wait for a free connection if not lent
        same_connection = &*a == &*b;
        in_tx = a->in_transaction();
        store_row(*pool, 3);
      },
      [&](bool ok) {
        oks += ok;
        last.set_value();
      });
  queued.set_value();
  last.get_future().wait();
  CHECK(oks == 4);
  CHECK(same_connection);
  CHECK(in_tx);
  auto reader = open_db(path);
  CHECK(query_int(*reader, "SELECT count(*) FROM t WHERE v IN (1, 3)") == 2);
  CHECK(query_int(*reader, "SELECT count(*) FROM t WHERE v = 2") == 0);  // its SAVEPOINT rolled back
  // The held write's batch, and the three queued meanwhile in the same or the next one.
  CHECK(pool->group_sync()->batches() <= 2);
  CHECK(BatchScope::lent(pool.get()) == nullptr);  // not on this thread
  pool->stop_group_commit();
}

TEST_CASE("write batching: SQLite rolling the batch back midway; each write told what became of it") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto pool = open_pool(path);
  {
    auto c = pool->acquire();
    REQUIRE(c->exec(kCreate).ok());
  }
  REQUIRE(pool->enable_group_commit().ok());
  // Hold the writer in its first batch until the next writes are queued, so they share one.
  std::promise<void> queued;
  std::shared_future<void> go = queued.get_future().share();
  std::mutex mu;
  std::map<int, bool> told;
  auto tell = [&](int which) {
    return [&, which](bool ok) {
      std::lock_guard<std::mutex> lock(mu);
      told[which] = ok;
    };
  };
  pool->write_then([go] { go.wait(); }, tell(0));
  pool->write_then([&pool] { store_row(*pool, 1); }, tell(1));  // before the rollback
  // A write whose statement fails with SQLITE_FULL (no room for a new page): SQLite rolls back
  // the whole transaction, its SAVEPOINTs with it. The write then goes on, as code that ignores
  // one failed result would: that statement must not run outside the batch's transaction.
  std::string full_error;
  bool after_rollback_ran = true;
  pool->write_then(
      [&] {
        auto c = pool->acquire();
        REQUIRE(c->exec("PRAGMA max_page_count = " + std::to_string(query_int(*c, "PRAGMA page_count"))).ok());
        {
          WriteTx tx(*c);
          REQUIRE(tx.begin().ok());
          auto s = c->prepare("INSERT INTO t(v) VALUES (?)");
          REQUIRE(s.ok());
          auto st = s->bind_blob(1, std::string(256 * 1024, 'x')).run();
          REQUIRE_FALSE(st.ok());
          full_error = st.error().message;
          CHECK_FALSE(c->in_transaction());  // the whole transaction, not only the SAVEPOINT
        }
        WriteTx again(*c);
        auto begun = again.begin();
        auto s = c->prepare("INSERT INTO t(v) VALUES (22)");
        after_rollback_ran = begun.ok() && s.ok() && s->run().ok() && again.commit().ok();
      },
      tell(2));
  std::promise<void> last;
  pool->write_then(
      [&] {
        auto c = pool->acquire();
        REQUIRE(c->exec("PRAGMA max_page_count = 1073741823").ok());
        store_row(*pool, 3);  // after the rollback: in a transaction of its own
      },
      [&](bool ok) {
        tell(3)(ok);
        last.set_value();
      });
  queued.set_value();
  last.get_future().wait();
  INFO("SQLite said: " << full_error);
  CHECK(full_error.find("full") != std::string::npos);
  CHECK_FALSE(after_rollback_ran);
  auto reader = open_db(path);
  std::lock_guard<std::mutex> lock(mu);
  // Each caller told exactly what is stored: nothing durable reported failed, nothing reported
  // stored missing.
  auto count = [&](const std::string& where) { return query_int(*reader, "SELECT count(*) FROM t WHERE " + where); };
  REQUIRE(told.size() == 4);
  CHECK(count("v = 1") == 0);  // rolled back with the batch's transaction...
  CHECK_FALSE(told[1]);        // ...and told so
  CHECK(count("typeof(v) = 'blob'") == 0);
  CHECK(count("v = 22") == 0);  // nothing of the failed write ran outside the transaction
  CHECK_FALSE(told[2]);
  CHECK(count("v = 3") == 1);  // committed in a transaction of its own...
  CHECK(told[3]);              // ...and told so
  pool->stop_group_commit();
}

TEST_CASE("write batching: writes still queued when it stops are written and told") {
  TempDir dir;
  auto pool = open_pool(dir.path + "/repay.db");
  {
    auto c = pool->acquire();
    REQUIRE(c->exec(kCreate).ok());
  }
  REQUIRE(pool->enable_group_commit().ok());
  std::atomic<int> called{0};
  for (int i = 0; i < 50; ++i) {
    pool->write_then([&pool, i] { store_row(*pool, i); }, [&](bool ok) { called += ok ? 1 : 100; });
  }
  pool->stop_group_commit();
  CHECK(called == 50);
  auto c = pool->acquire();
  CHECK(query_int(*c, "SELECT count(*) FROM t") == 50);
}

TEST_CASE("write batching: write_committed returns once committed, through the writer") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto pool = open_pool(path);
  {
    auto c = pool->acquire();
    REQUIRE(c->exec(kCreate).ok());
  }
  // Without group commit: at once, on this thread.
  CHECK(pool->write_committed([&pool] { store_row(*pool, 6); }, std::chrono::seconds(30)) ==
        std::optional<bool>(true));
  REQUIRE(pool->enable_group_commit().ok());
  const int64_t before = pool->group_sync()->batches();
  CHECK(pool->write_committed([&pool] { store_row(*pool, 7); }, std::chrono::seconds(30)) ==
        std::optional<bool>(true));
  CHECK(pool->group_sync()->batches() == before + 1);  // it went through the writer
  auto reader = open_db(path);
  CHECK(query_int(*reader, "SELECT count(*) FROM t WHERE v IN (6, 7)") == 2);
  pool->stop_group_commit();
}

TEST_CASE("write batching: a log that writes never let rest is rewound, not grown without end") {
  TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto pool = open_pool(path);
  {
    auto c = pool->acquire();
    REQUIRE(c->exec("CREATE TABLE t(v BLOB)").ok());
  }
  REQUIRE(pool->enable_group_commit().ok());
  const std::string insert_mib =  // 250 rows of 4,000 bytes
      "INSERT INTO t(v) SELECT zeroblob(4000) FROM (WITH RECURSIVE n(x) AS "
      "(SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 250) SELECT x FROM n)";
  std::atomic<int> told{0};
  std::atomic<int> durable{0};
  const int writes = 160;  // 160 MiB through the writer, ten times the size that rewinds
  for (int i = 0; i < writes; ++i) {
    pool->write_then(
        [&] {
          auto c = pool->acquire();  // the batch's connection, lent
          auto s = c->prepare(insert_mib);
          REQUIRE(s.ok());
          REQUIRE(s->run().ok());
        },
        [&](bool ok) {
          if (ok) ++durable;
          ++told;
        });
    // Meanwhile a reader reads, as the processor's other threads do.
    {
      auto c = pool->acquire();
      CHECK(query_int(*c, "SELECT count(*) FROM t WHERE rowid = 1") <= 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // 100 MiB/s
  }
  for (int i = 0; i < 3000 && told < writes; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(told == writes);
  CHECK(durable == writes);
  CHECK(pool->group_sync()->rewinds() >= 1);
  // Without the rewinds: 160 MiB. With: about 16 MiB and what was written until the next one.
  CHECK(std::filesystem::file_size(path + "-wal") < 64u << 20);
  auto c = pool->acquire();
  CHECK(query_int(*c, "SELECT count(*) FROM t") == writes * 250);
}

}  // namespace repay::db::sqlite
