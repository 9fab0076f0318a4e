// What the signing tests and the tests of what every capability shares (signing_test.cc,
// audit_nonces_test.cc, realtime_test.cc) start from: the store under test on a file of its own
// (suite_store.h), a real FieldCipher, Luhn-valid cards, and signing's outcomes as the use-case
// builds them. Tests only (doctest).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "store/conformance/suite_store.h"
#include "support/temp_dir.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;
using signing::Agreement;
using signing::ApplicationUpdate;
using signing::Claim;
using signing::QuickApplication;
using signing::SigningOutcome;
using signing::SigningRecord;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kOtherKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

// Test data: Luhn-valid cards, the GB 11643 example ID, a mobile number.
const std::string kCredit = "6200000000000005";
const std::string kDebit = "4111111111111111";
const std::string kIdNo = "11010519491231002X";
const std::string kMobile = "13800138000";
const std::string kName = "ZhangSanHolder";

const Instant kT0 = from_unix_ms(1'700'000'000'000);

inline crypto::FieldCipher make_cipher(const std::string& hex) {
  auto c = crypto::FieldCipher::from_hex_key(hex);
  REQUIRE(c.ok());
  return *c;
}

// A fresh temporary directory, removed with its files at the end of the test.
using testing::TempDir;

// A store under test, used as a pointer to its bundle (`*s`, `s->signing()`); reset() closes it.
struct Opened {
  std::unique_ptr<conformance::StoreUnderTest> under_test;
  Stores& operator*() const { return under_test->stores(); }
  Stores* operator->() const { return &under_test->stores(); }
  void reset() { under_test.reset(); }
};

inline Opened open_store(const std::string& path, const crypto::FieldCipher& c) {
  return Opened{conformance::open_store_under_test(path, c)};
}

// One database file and one store on it. The cipher outlives the store (the store keeps a
// reference to it).
struct Db {
  TempDir dir;
  std::string path = dir.path + "/repay.db";
  crypto::FieldCipher cipher = make_cipher(kKey);
  Opened store = open_store(path, cipher);
};

inline int64_t scalar(Stores& s, const std::string& sql) {
  auto c = s.pool().acquire();
  auto q = c->prepare(sql);
  REQUIRE(q.ok());
  auto row = q->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return q->integer(0);
}

inline signing::CardHolder holder() { return signing::CardHolder{kCredit, kDebit, kName, "01", kIdNo}; }

inline Agreement agreement_of(const std::string& no, const std::string& kind = signing::kCollect) {
  Agreement a;
  a.agreement_no = no;
  a.center_id = "C1";
  a.kind = kind;
  a.channel_id = kind == signing::kQuick ? "QP1" : "CB1";
  a.state = signing::AgreementState::kActive;
  a.holder = holder();
  if (kind == signing::kQuick) {
    a.mobile = kMobile;
    a.protocol_no = "PROT-" + no;
  }
  return a;
}

inline QuickApplication application_of(const std::string& apply_req_no) {
  QuickApplication a;
  a.center_id = "C1";
  a.apply_req_no = apply_req_no;
  a.channel_id = "QP1";
  a.req_sn = "RS-" + apply_req_no;
  a.state = signing::kSmsSent;
  a.holder = holder();
  a.mobile = kMobile;
  return a;
}

inline SigningRecord rec(const char* tx, const char* status, const char* code) {
  SigningRecord r;
  r.tx_code = tx;
  r.status = status;
  r.resp_code = code;
  r.resp_msg = "msg " + std::string(code);
  return r;
}

// Claims (C1, req_no) and returns the outcome skeleton carrying the token.
inline SigningOutcome claimed(Stores& s, const std::string& req_no, const char* tx,
                              Instant now = kT0) {
  auto cl = s.signing().claim("C1", req_no, tx, "canonical " + req_no, now, 120s);
  REQUIRE(cl.ok());
  REQUIRE(cl->kind == Claim::Kind::kClaimed);
  SigningOutcome o;
  o.center_id = "C1";
  o.req_no = req_no;
  o.token = cl->token;
  o.actor = "api:C1:" + req_no;
  o.now = now;
  return o;
}

}  // namespace
}  // namespace repay::store
