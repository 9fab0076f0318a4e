// Conformance, real time (realtime::RealtimeStore) where it meets signing, on the store under
// test.
#include "store/conformance/signing_fixture.h"

namespace repay::store {
namespace {

// center-api.md: a revoked agreement can no longer be used. A real-time repayment waiting to be
// sent again (busy) read its agreement without the state and was debited; a claim racing an
// unsign (checked active by the service, revoked before the claim's transaction) too.
TEST_CASE("real time: a resend whose agreement was revoked fails 2001 and is notified; a claim after it is refused") {
  Db db;
  auto& s = *db.store;
  SigningOutcome o = claimed(s, "R1", "sign3");
  o.record = rec("sign3", "SIGNED", "0000");
  o.create_agreement = agreement_of("AG1");
  REQUIRE(s.signing().finish(o).ok());
  realtime::NewRepayment n;
  n.center_id = "C1";
  n.req_no = "P1";
  n.canonical = "canonical P1";
  n.agreement_no = "AG1";
  n.channel_id = "CB1";
  n.amount = 10000;
  n.fee = 200;
  n.cardholder_fee = 200;
  n.debit_amount = 10200;
  n.fee_rule = "FIXED:200";
  n.notify_url = "https://center.example/notify";
  auto claim = s.realtime().claim_repayment(n, kT0, "node1");
  REQUIRE_MESSAGE(claim.ok(), claim.error().to_string());
  REQUIRE(claim->kind == realtime::RepayClaim::Kind::kNew);
  const std::string txn = claim->view.txn_no;
  REQUIRE(claim->view.state == debit::ItemState::kSending);
  REQUIRE(s.realtime().answer_processing(txn, kT0 + 1s).ok());
  batch::BankFact busy;
  busy.kind = batch::BankFact::Kind::kBusy;
  auto pending = s.realtime().apply_repayment_fact(txn, busy, kT0 + 2s, kT0 + 1s, "test");
  REQUIRE(pending.ok());
  REQUIRE(pending->state == debit::ItemState::kPending);

  SigningOutcome u = claimed(s, "U1", "unsign", kT0 + 1s);
  u.record = rec("unsign", "REVOKED", "0000");
  u.revoke_agreement = "AG1";
  REQUIRE(s.signing().finish(u).ok());
  auto work = s.realtime().claim_realtime_work(kT0 + 2s, 10, 30s, "node1");
  REQUIRE(work.ok());
  CHECK(work->empty());  // nothing to send
  auto v = s.realtime().repayment_by_txn_no("C1", txn);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  CHECK((*v)->state == debit::ItemState::kFailed);
  CHECK((*v)->resp_code == "2001");
  CHECK(scalar(s, "SELECT COUNT(*) FROM notifications WHERE key = 'REPAY:" + txn + "'") == 1);
  CHECK(s.realtime().claim_realtime_work(kT0 + 1h, 10, 30s, "node1")->empty());

  n.req_no = "P2";
  n.canonical = "canonical P2";
  auto refused = s.realtime().claim_repayment(n, kT0 + 3s, "node1");
  REQUIRE(refused.ok());
  CHECK(refused->view.state == debit::ItemState::kRejected);
  CHECK(refused->view.resp_code == "2001");
  CHECK(refused->view.txn_no.empty());
  CHECK(refused->view.req_sn.empty());
}

}  // namespace
}  // namespace repay::store
