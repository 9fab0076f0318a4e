// The lease of a real-time repayment or refund in UNKNOWN for one QUERY (store/realtime_lease.h),
// on a real SQLite file. Two workers that read the same UNKNOWN row as due at the same time
// (possible without a single writer: READ COMMITTED, several nodes) must not both query it.
#include "store/realtime_lease.h"

#include <chrono>

#include <doctest/doctest.h>

#include "support/agreement_fixture.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Instant kT0 = from_unix_ms(1'700'000'000'000);

struct LeaseDb {
  testing::TempDir dir;
  crypto::FieldCipher cipher = [] {
    auto c = crypto::FieldCipher::from_hex_key(kKey);
    REQUIRE(c.ok());
    return *c;
  }();
  std::unique_ptr<testing::TestStores> opened;
  Stores* store = nullptr;

  LeaseDb() {
    auto s = testing::TestStores::open(dir.path + "/repay.db", cipher);
    REQUIRE_MESSAGE(s.ok(), s.error().to_string());
    opened = std::move(*s);
    store = &opened->stores();
    testing::sign_collect_agreement(store->signing(), "C1", "AG1", kT0);
  }

  // A repayment of 100.00 yuan, SENDING, then with the given fact.
  realtime::RepaymentView repayment(const std::string& req_no, batch::BankFact::Kind kind) {
    realtime::NewRepayment n;
    n.center_id = "C1";
    n.req_no = req_no;
    n.canonical = "canonical " + req_no;
    n.agreement_no = "AG1";
    n.channel_id = "CB1";
    n.amount = 10000;
    n.debit_amount = 10000;
    n.fee_rule = "FIXED:0";
    auto claim = store->realtime().claim_repayment(n, kT0, "node1");
    REQUIRE_MESSAGE(claim.ok(), claim.error().to_string());
    batch::BankFact f;
    f.kind = kind;
    auto v = store->realtime().apply_repayment_fact(claim->view.txn_no, f, kT0 + 10s, kT0 + 1s, "test");
    REQUIRE_MESSAGE(v.ok(), v.error().to_string());
    return *v;
  }
};

TEST_CASE("real time: an UNKNOWN repayment read as due by two workers is leased by the first only") {
  LeaseDb db;
  const auto v = db.repayment("P1", batch::BankFact::Kind::kUnknown);
  REQUIRE(v.state == debit::ItemState::kUnknown);
  auto c = db.store->pool().acquire();
  const Instant now = kT0 + 20s;
  auto first = lease_realtime_query(*c, RealtimeTable::kRepayments, v.txn_no, "node1", now, now + 30s);
  REQUIRE(first.ok());
  CHECK(*first);
  auto second = lease_realtime_query(*c, RealtimeTable::kRepayments, v.txn_no, "node2", now, now + 30s);
  REQUIRE(second.ok());
  CHECK_FALSE(*second);
  auto after = db.store->realtime().repayment_by_txn_no("C1", v.txn_no);
  REQUIRE(after.ok());
  CHECK((*after)->query_count == 1);
  // Once its lease has run out it is due again.
  auto later = lease_realtime_query(*c, RealtimeTable::kRepayments, v.txn_no, "node2", now + 30s,
                                    now + 60s);
  REQUIRE(later.ok());
  CHECK(*later);
}

TEST_CASE("real time: an UNKNOWN refund read as due by two workers is leased by the first only") {
  LeaseDb db;
  const auto v = db.repayment("P1", batch::BankFact::Kind::kSuccess);
  REQUIRE(v.state == debit::ItemState::kSuccess);
  realtime::NewRefund n;
  n.center_id = "C1";
  n.req_no = "RF1";
  n.canonical = "canonical RF1";
  n.orig_txn_no = v.txn_no;
  n.amount = 4000;
  auto refund = db.store->realtime().claim_refund(n, kT0 + 2s, "node1");
  REQUIRE_MESSAGE(refund.ok(), refund.error().to_string());
  REQUIRE(refund->view.state == realtime::RefundState::kSending);
  batch::BankFact unknown;
  unknown.kind = batch::BankFact::Kind::kUnknown;
  auto u = db.store->realtime().apply_refund_fact(refund->view.refund_no, unknown, kT0 + 10s, kT0 + 3s, "test");
  REQUIRE(u.ok());
  REQUIRE(u->state == realtime::RefundState::kUnknown);
  auto c = db.store->pool().acquire();
  const Instant now = kT0 + 20s;
  auto first = lease_realtime_query(*c, RealtimeTable::kRefunds, u->refund_no, "node1", now, now + 30s);
  REQUIRE(first.ok());
  CHECK(*first);
  auto second = lease_realtime_query(*c, RealtimeTable::kRefunds, u->refund_no, "node2", now, now + 30s);
  REQUIRE(second.ok());
  CHECK_FALSE(*second);
  // A SUCCESS repayment is never leased for a QUERY.
  auto success = lease_realtime_query(*c, RealtimeTable::kRepayments, v.txn_no, "node1", now, now + 30s);
  REQUIRE(success.ok());
  CHECK_FALSE(*success);
}

}  // namespace
}  // namespace repay::store
