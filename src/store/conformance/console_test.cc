// Conformance, console (console::ConsoleStore), on the store under test: lock-out under concurrent failed logins, staff
// changes audited, sessions ending, audit search.
#include "store/conformance/suite_store.h"

#include <unistd.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace repay::store {
namespace {

using namespace std::chrono_literals;

const Instant kT0 = from_unix_ms(1'700'000'000'000);

struct ConsoleDb {
  std::string dir;
  std::unique_ptr<crypto::FieldCipher> cipher;
  std::unique_ptr<conformance::StoreUnderTest> opened;
  Stores* store = nullptr;
  console::ConsoleStore* staff = nullptr;
  ConsoleDb() {
    char tmpl[] = "/tmp/repay_console_store_XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    auto c = crypto::FieldCipher::from_hex_key(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    REQUIRE(c.ok());
    cipher = std::make_unique<crypto::FieldCipher>(std::move(*c));
    opened = conformance::open_store_under_test(dir + "/repay.db", *cipher, 8);
    store = &opened->stores();
    staff = &opened->console();
  }
  ~ConsoleDb() {
    opened.reset();
    (void)std::system(("rm -rf '" + dir + "'").c_str());
  }
  int64_t count(const std::string& sql) {
    auto c = store->pool().acquire();
    auto q = c->prepare(sql);
    REQUIRE(q.ok());
    auto row = q->step();
    REQUIRE(row.ok());
    return q->integer(0);
  }
};

}  // namespace

TEST_CASE("console store: concurrent failed logins lock the account exactly once") {
  ConsoleDb db;
  REQUIRE(db.staff->add_staff("alice", "reviewer", "pbkdf2-sha256$1$00$x", "cli:test", kT0).ok());
  std::vector<std::thread> threads;
  std::atomic<int> locked_answers{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = db.staff->login_failed("alice", 5, kT0 + 1s);
      REQUIRE(r.ok());
      if (*r) ++locked_answers;
    });
  }
  for (auto& t : threads) t.join();
  auto a = db.staff->staff("alice");
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->failed_logins == 8);
  CHECK((*a)->locked);
  CHECK(locked_answers == 4);  // the 5th to the 8th failure see it locked
  CHECK(db.count("SELECT COUNT(*) FROM audit WHERE entity = 'staff' AND new_state = 'LOCKED'") == 1);
  CHECK(db.count("SELECT COUNT(*) FROM audit WHERE entity = 'staff' AND new_state = 'LOGIN_FAILED'") == 7);
  // A locked account cannot open a session; unlocking resets the count.
  CHECK_FALSE(db.staff->login_succeeded("alice", "h1", "c1", kT0 + 2s, kT0 + 1h).ok());
  REQUIRE(db.staff->unlock("alice", "cli:root", kT0 + 3s).ok());
  REQUIRE(db.staff->login_succeeded("alice", "h1", "c1", kT0 + 4s, kT0 + 1h).ok());
  auto after = db.staff->staff("alice");
  CHECK((*after)->failed_logins == 0);
  CHECK_FALSE((*after)->locked);
}

TEST_CASE("console store: sessions end at expiry, logout, a new password and a lock") {
  ConsoleDb db;
  REQUIRE(db.staff->add_staff("bob", "viewer", "x", "cli:test", kT0).ok());
  CHECK(db.staff->add_staff("bob", "admin", "y", "cli:test", kT0).error().code == "CONFLICT");
  REQUIRE(db.staff->login_succeeded("bob", "h1", "c1", kT0, kT0 + 30min).ok());
  auto s = db.staff->session("h1", kT0 + 29min);
  REQUIRE(s.ok());
  REQUIRE(s->has_value());
  CHECK((*s)->role == "viewer");
  CHECK((*s)->csrf == "c1");
  CHECK_FALSE(db.staff->session("h1", kT0 + 30min)->has_value());
  CHECK_FALSE(db.staff->session("other", kT0)->has_value());
  REQUIRE(db.staff->logout("h1", "bob", kT0 + 1min).ok());
  CHECK_FALSE(db.staff->session("h1", kT0 + 2min)->has_value());
  REQUIRE(db.staff->login_succeeded("bob", "h2", "c2", kT0, kT0 + 30min).ok());
  REQUIRE(db.staff->set_password("bob", "z", "cli:root", kT0 + 1min).ok());
  CHECK_FALSE(db.staff->session("h2", kT0 + 2min)->has_value());
  REQUIRE(db.staff->login_succeeded("bob", "h3", "c3", kT0, kT0 + 30min).ok());
  for (int i = 0; i < 5; ++i) REQUIRE(db.staff->login_failed("bob", 5, kT0 + 1min).ok());
  CHECK_FALSE(db.staff->session("h3", kT0 + 2min)->has_value());
  CHECK(db.staff->set_password("nobody", "z", "cli:root", kT0).error().code == "NOT_FOUND");
  REQUIRE(db.staff->purge_sessions(kT0 + 1h).ok());
  CHECK(db.count("SELECT COUNT(*) FROM staff_sessions") == 0);
}

TEST_CASE("console store: audit search by entity, actor prefix and time") {
  ConsoleDb db;
  REQUIRE(db.staff->add_staff("carol", "admin", "x", "cli:ops", kT0).ok());
  REQUIRE(db.staff->refused("carol", "approve RF1: MAKER_CHECKER", kT0 + 1h).ok());
  console::AuditQuery q;
  q.entity = "staff";
  auto all = db.staff->audit(q);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].new_state == "REFUSED");  // newest first
  q.actor = "cli:";
  CHECK(db.staff->audit(q)->size() == 1);
  q.actor.clear();
  q.from = kT0 + 30min;
  CHECK(db.staff->audit(q)->size() == 1);
  q.to = kT0 + 50min;
  CHECK(db.staff->audit(q)->empty());
}

}  // namespace repay::store
