// Conformance, notifications (realtime::NotificationOutbox, store/notify_sql.cc), on the store
// under test.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "store/notify_sql.h"
#include "store/conformance/suite_store.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;
using realtime::Notification;

const Instant kT0 = from_unix_ms(1'700'000'000'000);
const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

struct NotifyDb {
  std::string dir;
  crypto::FieldCipher cipher = [] {
    auto c = crypto::FieldCipher::from_hex_key(kKey);
    REQUIRE(c.ok());
    return *c;
  }();
  std::unique_ptr<conformance::StoreUnderTest> opened;
  Stores* store = nullptr;

  NotifyDb() {
    char tmpl[] = "/tmp/repay_notify_test_XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    opened = conformance::open_store_under_test(dir + "/repay.db", cipher);
    store = &opened->stores();
  }
  ~NotifyDb() {
    opened.reset();
    (void)std::system(("rm -rf '" + dir + "'").c_str());
  }

  // Enqueues the way a use-case does: inside its own write transaction. Returns the id.
  int64_t enqueue(const std::string& key, Instant created, const std::string& center = "CC01",
                  NotifyFields fields = {{"Type", "REPAY"}, {"Status", "SUCCESS"}}) {
    Notification n;
    n.center_id = center;
    n.key = key;
    n.url = "https://center.example/cb/notify?c=1";
    n.fields = std::move(fields);
    n.created_at = created;
    auto c = store->pool().acquire();
    WriteTx tx(*c);
    REQUIRE(tx.begin().ok());
    auto st = enqueue_notification(*c, n);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
    int64_t id = 0;
    {  // the id just given (any engine answers this; no last-insert-id of its own)
      auto q = c->prepare("SELECT MAX(id) FROM notifications");
      REQUIRE(q.ok());
      auto row = q->step();
      REQUIRE((row.ok() && *row));
      id = q->integer(0);
    }
    REQUIRE(tx.commit().ok());
    return id;
  }

  std::vector<Notification> due(Instant now, int max = 64, std::chrono::milliseconds lease = 60s) {
    auto r = store->outbox().due_notifications(now, max, lease);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    return std::move(*r);
  }

  Notification get(int64_t id) {
    auto c = store->pool().acquire();
    auto r = find_notification(*c, id);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
  }
};

std::vector<int64_t> ids(const std::vector<Notification>& ns) {
  std::vector<int64_t> out;
  for (const auto& n : ns) out.push_back(n.id);
  return out;
}

TEST_CASE("notify: a notification is due at once and comes back as written") {
  NotifyDb db;
  const NotifyFields fields = {{"Type", "REPAY"}, {"TxnNo", "T1"}, {"RespMsg", "a\\b\nc\rd=e"},
                               {"Reason", ""}};
  const int64_t id = db.enqueue("REPAY:T1", kT0, "CC01", fields);
  auto due = db.due(kT0);
  REQUIRE(due.size() == 1);
  const auto& n = due[0];
  CHECK(n.id == id);
  CHECK(n.center_id == "CC01");
  CHECK(n.key == "REPAY:T1");
  CHECK(n.url == "https://center.example/cb/notify?c=1");
  CHECK(n.fields == fields);
  CHECK(n.state == "PENDING");
  CHECK(n.attempts == 0);
  CHECK(n.created_at == kT0);
  CHECK(n.first_try_at == Instant{});
}

TEST_CASE("notify: a notification written in a transaction that rolls back is never sent") {
  NotifyDb db;
  Notification n;
  n.center_id = "CC01";
  n.key = "REPAY:T1";
  n.url = "https://center.example/n";
  n.created_at = kT0;
  {
    auto c = db.store->pool().acquire();
    WriteTx tx(*c);
    REQUIRE(tx.begin().ok());
    REQUIRE(enqueue_notification(*c, n).ok());
    // tx ends without a commit: rolled back
  }
  CHECK(db.due(kT0 + 1h).empty());
}

TEST_CASE("notify: body fields survive escaping; a corrupt body is an error") {
  const NotifyFields f = {{"A", ""}, {"B", "\\n"}, {"C", "x\n\ny"}, {"D", "="}, {"E", "\\"}};
  const std::string text = encode_notify_fields(f);
  CHECK(text.find("\n\n") == std::string::npos);
  auto back = decode_notify_fields(text);
  REQUIRE(back.ok());
  CHECK(*back == f);
  CHECK(decode_notify_fields("")->empty());
  CHECK_FALSE(decode_notify_fields("A=1\nnoequals").ok());
  CHECK_FALSE(decode_notify_fields("A=bad\\x").ok());
  CHECK_FALSE(decode_notify_fields("A=trailing\\").ok());
}

TEST_CASE("notify: in order per key — a later notification waits for the older undelivered one") {
  NotifyDb db;
  const int64_t first = db.enqueue("REFUND:R1", kT0);
  const int64_t second = db.enqueue("REFUND:R1", kT0 + 1s);
  const int64_t other = db.enqueue("REFUND:R2", kT0 + 2s);

  auto due = db.due(kT0 + 5s);
  CHECK(ids(due) == std::vector<int64_t>{first, other});

  // The first fails and waits for its retry: the second still waits, even when due itself.
  REQUIRE(db.store->outbox().record_attempt(first, false, "HTTP 500", kT0 + 20s, kT0 + 5s).ok());
  REQUIRE(db.store->outbox().record_attempt(other, true, "SUCCESS", std::nullopt, kT0 + 5s).ok());
  CHECK(db.due(kT0 + 10s).empty());
  due = db.due(kT0 + 20s);
  CHECK(ids(due) == std::vector<int64_t>{first});

  // Once the first is delivered, the second goes.
  REQUIRE(db.store->outbox().record_attempt(first, true, "SUCCESS", std::nullopt, kT0 + 20s).ok());
  CHECK(ids(db.due(kT0 + 21s)) == std::vector<int64_t>{second});
}

TEST_CASE("notify: one that gave up does not hold back the later ones of its key") {
  NotifyDb db;
  const int64_t first = db.enqueue("REPAY:T9", kT0);
  const int64_t second = db.enqueue("REPAY:T9", kT0 + 1s);
  CHECK(ids(db.due(kT0 + 2s)) == std::vector<int64_t>{first});
  REQUIRE(db.store->outbox().record_attempt(first, false, "timeout", std::nullopt, kT0 + 2s).ok());
  CHECK(db.get(first).state == "GAVE_UP");
  CHECK(ids(db.due(kT0 + 3s)) == std::vector<int64_t>{second});
}

TEST_CASE("notify: a lease keeps a notification from a second worker until it runs out") {
  NotifyDb db;
  const int64_t id = db.enqueue("REPAY:T1", kT0);
  CHECK(ids(db.due(kT0, 64, 30s)) == std::vector<int64_t>{id});
  CHECK(db.due(kT0 + 1s).empty());
  CHECK(db.due(kT0 + 29s).empty());
  // The worker died without recording anything: after the lease it is due again.
  CHECK(ids(db.due(kT0 + 30s)) == std::vector<int64_t>{id});
  CHECK(db.get(id).attempts == 0);
}

TEST_CASE("notify: due_notifications honours max and takes the oldest due first") {
  NotifyDb db;
  const int64_t a = db.enqueue("REPAY:A", kT0 + 2s);
  const int64_t b = db.enqueue("REPAY:B", kT0);
  const int64_t c = db.enqueue("REPAY:C", kT0 + 1s);
  db.enqueue("REPAY:D", kT0 + 1h);  // not due yet
  CHECK(ids(db.due(kT0 + 5s, 2)) == std::vector<int64_t>{b, c});
  CHECK(ids(db.due(kT0 + 5s, 2)) == std::vector<int64_t>{a});
  CHECK(db.due(kT0 + 5s, 0).empty());
}

TEST_CASE("notify: record_attempt counts tries, keeps the first try and the history") {
  NotifyDb db;
  const int64_t id = db.enqueue("REPAY:T1", kT0);
  REQUIRE(db.store->outbox().record_attempt(id, false, "HTTP 500", kT0 + 15s, kT0 + 1s).ok());
  auto n = db.get(id);
  CHECK(n.state == "PENDING");
  CHECK(n.attempts == 1);
  CHECK(n.first_try_at == kT0 + 1s);
  CHECK(n.next_at == kT0 + 15s);
  CHECK(n.last_result == "HTTP 500");

  REQUIRE(db.store->outbox().record_attempt(id, false, "timeout", kT0 + 1min, kT0 + 16s).ok());
  REQUIRE(db.store->outbox().record_attempt(id, true, "SUCCESS", std::nullopt, kT0 + 61s).ok());
  n = db.get(id);
  CHECK(n.state == "DELIVERED");
  CHECK(n.attempts == 3);
  CHECK(n.first_try_at == kT0 + 1s);
  CHECK(n.last_result == "SUCCESS");

  auto history = db.store->outbox().attempts_of(id);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK((*history)[0] == std::make_pair(kT0 + 1s, std::string("HTTP 500")));
  CHECK((*history)[1] == std::make_pair(kT0 + 16s, std::string("timeout")));
  CHECK((*history)[2] == std::make_pair(kT0 + 61s, std::string("SUCCESS")));

  // A late attempt (another worker after a lease ran out) never undoes DELIVERED.
  REQUIRE(db.store->outbox().record_attempt(id, false, "HTTP 502", kT0 + 2min, kT0 + 62s).ok());
  CHECK(db.get(id).state == "DELIVERED");
  CHECK(db.get(id).attempts == 4);

  CHECK(db.store->outbox().record_attempt(999, true, "SUCCESS", std::nullopt, kT0).error().code ==
        "NOT_FOUND");
}

TEST_CASE("notify: give-up, then an operator's retry tries once more with the attempts kept") {
  NotifyDb db;
  const int64_t id = db.enqueue("REFUND:R7", kT0);
  REQUIRE(db.store->outbox().record_attempt(id, false, "HTTP 503", std::nullopt, kT0).ok());
  CHECK(db.get(id).state == "GAVE_UP");
  CHECK(db.due(kT0 + 24h).empty());

  REQUIRE(db.store->outbox().retry_notification(id, kT0 + 25h).ok());
  auto n = db.get(id);
  CHECK(n.state == "PENDING");
  CHECK(n.attempts == 1);
  CHECK(n.next_at == kT0 + 25h);
  CHECK(ids(db.due(kT0 + 25h)) == std::vector<int64_t>{id});

  auto audit = db.store->audit().audit_of("notification", std::to_string(id));
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 1);
  CHECK((*audit)[0].old_state == "GAVE_UP");
  CHECK((*audit)[0].new_state == "PENDING");

  REQUIRE(db.store->outbox().record_attempt(id, true, "SUCCESS", std::nullopt, kT0 + 25h).ok());
  CHECK(db.store->outbox().retry_notification(id, kT0 + 26h).error().code == "STATE");
  CHECK(db.store->outbox().retry_notification(12345, kT0).error().code == "NOT_FOUND");
}

TEST_CASE("notify: retry of a PENDING notification makes it due now") {
  NotifyDb db;
  const int64_t id = db.enqueue("REPAY:T1", kT0);
  REQUIRE(db.store->outbox().record_attempt(id, false, "timeout", kT0 + 6h, kT0).ok());
  CHECK(db.due(kT0 + 1min).empty());
  REQUIRE(db.store->outbox().retry_notification(id, kT0 + 1min).ok());
  CHECK(ids(db.due(kT0 + 1min)) == std::vector<int64_t>{id});
}

TEST_CASE("notify: list is newest first, filtered by center and state, limited") {
  NotifyDb db;
  const int64_t a = db.enqueue("REPAY:A", kT0, "CC01");
  const int64_t b = db.enqueue("REPAY:B", kT0, "CC02");
  const int64_t c = db.enqueue("REPAY:C", kT0, "CC01");
  REQUIRE(db.store->outbox().record_attempt(c, true, "SUCCESS", std::nullopt, kT0).ok());

  auto all = db.store->outbox().list_notifications("", "", 0);
  REQUIRE(all.ok());
  CHECK(ids(*all) == std::vector<int64_t>{c, b, a});
  auto cc01 = db.store->outbox().list_notifications("CC01", "", 0);
  CHECK(ids(*cc01) == std::vector<int64_t>{c, a});
  auto pending = db.store->outbox().list_notifications("CC01", "PENDING", 10);
  CHECK(ids(*pending) == std::vector<int64_t>{a});
  auto one = db.store->outbox().list_notifications("", "", 1);
  CHECK(ids(*one) == std::vector<int64_t>{c});
}

// Two workers that read the same notification as due at the same time (possible without a
// single writer: READ COMMITTED, several nodes): only the first lease takes it, and none takes
// one that was delivered since it was read.
TEST_CASE("notify: a notification read as due by two workers is leased by the first only") {
  NotifyDb db;
  const int64_t id = db.enqueue("REPAY:T1", kT0);
  const int64_t other = db.enqueue("REPAY:T2", kT0);
  auto c = db.store->pool().acquire();
  auto first = lease_notification(*c, id, kT0 + 1s, kT0 + 61s);
  REQUIRE(first.ok());
  CHECK(*first);
  auto second = lease_notification(*c, id, kT0 + 1s, kT0 + 61s);
  REQUIRE(second.ok());
  CHECK_FALSE(*second);
  CHECK(db.get(id).next_at == kT0 + 61s);

  REQUIRE(db.store->outbox().record_attempt(other, true, "SUCCESS", std::nullopt, kT0 + 1s).ok());
  auto delivered = lease_notification(*c, other, kT0 + 1s, kT0 + 61s);
  REQUIRE(delivered.ok());
  CHECK_FALSE(*delivered);
}

}  // namespace
}  // namespace repay::store
