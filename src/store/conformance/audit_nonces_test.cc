// Conformance, what every capability shares: migrations, exceptions, the audit log (AuditLog),
// nonces (api::NonceStore) and sequences, on the store under test.
#include <set>
#include <thread>
#include <vector>

#include "store/conformance/signing_fixture.h"
#include "store/migrations.h"

namespace repay::store {
namespace {

// ---------------------------------------------------------------------------------------------
// Migrations

TEST_CASE("migrations: a fresh database gets the latest version; reopening is a no-op") {
  Db db;
  CHECK(scalar(*db.store, "SELECT MAX(version) FROM schema_version") == latest_schema_version());
  CHECK(scalar(*db.store, "SELECT COUNT(*) FROM schema_version") == latest_schema_version());
  db.store.reset();

  auto again = open_store(db.path, db.cipher);
  CHECK(scalar(*again, "SELECT MAX(version) FROM schema_version") == latest_schema_version());
  CHECK(scalar(*again, "SELECT COUNT(*) FROM schema_version") == latest_schema_version());
  {
    auto c = again->pool().acquire();
    auto v = migrate(*c);
    REQUIRE(v.ok());
    CHECK(*v == latest_schema_version());
  }
  CHECK(scalar(*again, "SELECT COUNT(*) FROM schema_version") == latest_schema_version());
}

TEST_CASE("migrations: a database newer than this binary is refused") {
  Db db;
  {
    auto c = db.store->pool().acquire();
    auto ins = c->prepare("INSERT INTO schema_version(version, applied_at) VALUES (?, 0)");
    REQUIRE(ins.ok());
    REQUIRE(ins->bind(1, int64_t{latest_schema_version() + 1}).run().ok());
  }
  db.store.reset();
  auto s = conformance::try_open_store_under_test(db.path, db.cipher);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == "DB");
  CHECK(s.error().where == db.path);
  CHECK(s.error().message.find("newer") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Audit

// ---------------------------------------------------------------------------------------------
// Exceptions

// The same BANK_CONTRADICTS exception raised by another writer between this one's NOT EXISTS
// and its insert (READ COMMITTED, no single writer; issue 17): replayed by a trigger that stores
// it just before the insert. The open one's unique key keeps the second out; a closed one still
// keeps a new one from being raised (one per ref and detail, whatever its state).
TEST_CASE("raise_contradiction: one exception when another writer raised it meanwhile") {
  Db db;
  auto c = db.store->pool().acquire();
  REQUIRE(c->exec("CREATE TABLE raced(done INTEGER);"
                  "CREATE TRIGGER other_writer BEFORE INSERT ON exceptions WHEN NOT EXISTS "
                  "(SELECT 1 FROM raced) BEGIN INSERT INTO raced VALUES (1); "
                  "INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) "
                  "VALUES (NEW.kind, NEW.center_id, NEW.channel_id, NEW.ref, NEW.detail, "
                  "NEW.created_at); END").ok());
  auto raised = raise_contradiction(*c, "CC01", "CB1", "R:T1", "debited 1001, sent 1000", 1);
  REQUIRE_MESSAGE(raised.ok(), raised.error().to_string());
  CHECK(scalar(*db.store, "SELECT COUNT(*) FROM exceptions") == 1);
  REQUIRE(raise_contradiction(*c, "CC01", "CB1", "R:T1", "debited 1001, sent 1000", 2).ok());
  CHECK(scalar(*db.store, "SELECT COUNT(*) FROM exceptions") == 1);
  REQUIRE(c->exec("UPDATE exceptions SET state = 'RESOLVED'").ok());
  REQUIRE(raise_contradiction(*c, "CC01", "CB1", "R:T1", "debited 1001, sent 1000", 3).ok());
  CHECK(scalar(*db.store, "SELECT COUNT(*) FROM exceptions") == 1);
  // Another text is another exception.
  REQUIRE(raise_contradiction(*c, "CC01", "CB1", "R:T1", "debited 1002, sent 1000", 4).ok());
  CHECK(scalar(*db.store, "SELECT COUNT(*) FROM exceptions") == 2);
}

TEST_CASE("audit is append-only: UPDATE and DELETE fail through the triggers") {
  Db db;
  {
    auto c = db.store->pool().acquire();
    REQUIRE(append_audit(*c, AuditRow{0, kT0, "staff:x", "agreement", "AG1", "", "ACTIVE", "t"})
                .ok());
  }
  auto c = db.store->pool().acquire();
  auto up = c->exec("UPDATE audit SET reason = 'changed'");
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().message.find("append-only") != std::string::npos);
  auto del = c->exec("DELETE FROM audit");
  REQUIRE_FALSE(del.ok());
  CHECK(del.error().message.find("append-only") != std::string::npos);

  auto rows = db.store->audit().audit_of("agreement", "AG1");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].reason == "t");
  CHECK((*rows)[0].old_state.empty());
  CHECK((*rows)[0].at == kT0);
}

// ---------------------------------------------------------------------------------------------
// Nonces

TEST_CASE("nonces: replays within the window are refused, the window and the sender count") {
  Db db;
  auto& s = *db.store;
  auto remember = [&](const std::string& sender, const std::string& nonce, Instant at) {
    auto r = s.nonces().remember_nonce(sender, nonce, at, 600, std::chrono::seconds(5));
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(remember("C1", "nonce0000000001", kT0));
  CHECK_FALSE(remember("C1", "nonce0000000001", kT0));
  CHECK_FALSE(remember("C1", "nonce0000000001", kT0 + 599s));
  CHECK(remember("C2", "nonce0000000001", kT0 + 10s));  // another sender
  CHECK(remember("C1", "nonce0000000001", kT0 + 601s));  // after the window
  CHECK_FALSE(remember("C1", "nonce0000000001", kT0 + 700s));  // the window restarted at 601 s

  SUBCASE("purge removes only the old ones") {
    CHECK(remember("C1", "nonce0000000002", kT0));
    REQUIRE(s.count_rows("nonces").ok());
    CHECK(*s.count_rows("nonces") == 3);
    REQUIRE(s.nonces().purge_nonces(kT0 + 700s, 600).ok());  // forgets what was seen before kT0 + 100 s
    CHECK(*s.count_rows("nonces") == 1);              // C1 nonce0000000001 seen at 601 s
    CHECK_FALSE(remember("C1", "nonce0000000001", kT0 + 700s));
    CHECK(remember("C1", "nonce0000000002", kT0 + 700s));
  }
}

// ---------------------------------------------------------------------------------------------
// Sequences

TEST_CASE("sequences: consecutive distinct values across two stores on one file") {
  Db db;
  auto other = open_store(db.path, db.cipher);
  std::vector<int64_t> got;
  for (int i = 0; i < 6; ++i) {
    auto v = (i % 2 ? *other : *db.store).reserve_sequence("s", 1);
    REQUIRE(v.ok());
    got.push_back(*v);
  }
  CHECK(got == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  auto block = other->reserve_sequence("s", 10);
  REQUIRE(block.ok());
  CHECK(*block == 7);
  auto after = db.store->reserve_sequence("s", 1);
  REQUIRE(after.ok());
  CHECK(*after == 17);
  auto fresh = db.store->reserve_sequence("another", 1);
  REQUIRE(fresh.ok());
  CHECK(*fresh == 1);

  auto sn1 = db.store->signing().next_req_sn();
  auto sn2 = other->signing().next_req_sn();
  REQUIRE(sn1.ok());
  REQUIRE(sn2.ok());
  CHECK(*sn1 != *sn2);
  auto ag = db.store->signing().next_agreement_no(kT0);
  REQUIRE(ag.ok());
  CHECK(ag->starts_with("AG20231115"));  // 2023-11-14 22:13 UTC is the 15th in CST
}

TEST_CASE("sequences: 4 threads x 200 reservations over two stores give no duplicate") {
  Db db;
  auto other = open_store(db.path, db.cipher);
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<int> errors(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Stores& s = t % 2 ? *other : *db.store;
      for (int i = 0; i < kEach; ++i) {
        auto v = s.reserve_sequence("req_sn", 1);
        if (v) got[t].push_back(*v);
        else ++errors[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    CHECK(errors[t] == 0);
    all.insert(got[t].begin(), got[t].end());
    // Each thread sees increasing values.
    for (size_t i = 1; i < got[t].size(); ++i) CHECK(got[t][i] > got[t][i - 1]);
  }
  CHECK(all.size() == size_t{kThreads * kEach});
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == kThreads * kEach);
}


}  // namespace
}  // namespace repay::store
