// Conformance, review (settlement::ReviewStore): maker-checker, two approvers, the ceiling re-check
// at approval and its race with the card center's own refunds, expiry, audit, and the hand-over
// to the real-time resolver.
#include "store/conformance/suite_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/codes.h"
#include "support/temp_dir.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;
using settlement::ReviewOutcome;
using settlement::ReviewPolicy;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Instant kT0 = from_unix_ms(1'700'000'000'000);

using testing::TempDir;

crypto::FieldCipher make_cipher() {
  auto c = crypto::FieldCipher::from_hex_key(kKey);
  REQUIRE(c.ok());
  return *c;
}


struct Db {
  TempDir dir;
  crypto::FieldCipher cipher = make_cipher();
  std::unique_ptr<conformance::StoreUnderTest> opened =
      conformance::open_store_under_test(dir.path + "/repay.db", cipher, 8);
  Stores* store = &opened->stores();
  settlement::ReviewStore& review = opened->review();
  ReviewPolicy policy;  // defaults: 1,000,000 fen, 30 days

  Db() { exec(
      "INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
      "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
      "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) VALUES "
      "('AG1', 'CC01', 'COLLECT', 'CH01', 'ACTIVE', x'00', 'h1', '620000******0005', x'00', 'h2', "
      "'411111******1111', 'Holder', '01', x'00', 'h3', '110105********002X', 0, 0)"); }

  void exec(const std::string& sql) {
    auto c = store->pool().acquire();
    auto st = c->exec(sql);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  }
  int64_t scalar(const std::string& sql) {
    auto c = store->pool().acquire();
    auto q = c->prepare(sql);
    REQUIRE(q.ok());
    auto row = q->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return q->integer(0);
  }
  std::string text(const std::string& sql) {
    auto c = store->pool().acquire();
    auto q = c->prepare(sql);
    REQUIRE(q.ok());
    auto row = q->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return q->text(0);
  }

  // A SUCCESS real-time repayment; fee 100 borne by the cardholder.
  void success(const std::string& txn, Fen amount, const std::string& req_sn) {
    exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
         "amount, fee, cardholder_fee, debit_amount, state, resp_code, req_sn, created_at, "
         "finished_at, updated_at) VALUES ('" + txn + "', 'CC01', 'Q" + txn + "', 'f', 'AG1', 'CH01', " +
         std::to_string(amount) + ", 100, 100, " + std::to_string(amount + 100) +
         ", 'SUCCESS', '0000', '" + req_sn + "', 0, 0, 0)");
  }

  // A force-failed batch item debited late, and its LATE_SUCCESS proposal made by the job.
  std::string late_success(const std::string& txn, Fen debit_amount, Instant created) {
    exec("INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, amount, "
         "fee, cardholder_fee, debit_amount, state, resp_code, txn_no, req_sn, channel_txn_no, "
         "settle_date, forced, late_state, send_from_at, force_fail_at, finished_at, updated_at) "
         "VALUES ('CC01', 'B1', 1, 'I1', 'AG1', 'CH01', " + std::to_string(debit_amount - 50) +
         ", 50, 50, " + std::to_string(debit_amount) + ", 'FAILED', '3001', '" + txn +
         "', 'RS00000000000777', 'BK9', '20231115', 1, 'DEBITED', 0, " +
         std::to_string(to_unix_ms(kT0)) + ", 0, 0)");
    const std::string no = "RF_LATE_" + txn;
    exec("INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, "
         "orig_batch_no, orig_ref, channel_id, orig_req_sn, amount, fee, cardholder_fee, debit_amount, "
         "state, created_at, created_by, updated_at) VALUES ('" + no + "', 'CC01', 'US', "
         "'LATE_SUCCESS', '" + txn + "', 'B', 'B1', 'B1:1', 'CH01', 'RS00000000000777', " +
         std::to_string(debit_amount - 50) + ", 50, 50, " + std::to_string(debit_amount) +
         ", 'PENDING_REVIEW', " + std::to_string(to_unix_ms(created)) + ", 'job:batch-query', 0)");
    return no;
  }

  std::string propose(const std::string& txn, Fen amount, const std::string& staff = "bob",
                      Instant at = kT0) {
    auto p = review.propose(settlement::NewProposal{"CC01", txn, amount, staff, "cardholder complaint"}, at);
    REQUIRE_MESSAGE(p.ok(), p.error().to_string());
    return p->refund_no;
  }

  std::string state(const std::string& refund_no) {
    return text("SELECT state FROM refunds WHERE refund_no = '" + refund_no + "'");
  }
  Fen reserved(const std::string& txn) {
    return scalar("SELECT COALESCE(SUM(reserved), 0) FROM refund_ceilings WHERE txn_no = '" + txn + "'");
  }

  Result<realtime::RefundClaim> center_refund(const std::string& req_no, const std::string& txn,
                                              Fen amount) {
    realtime::NewRefund n;
    n.center_id = "CC01";
    n.req_no = req_no;
    n.canonical = req_no + "|" + txn + "|" + std::to_string(amount);
    n.orig_txn_no = txn;
    n.amount = amount;
    return store->realtime().claim_refund(n, kT0 + 1h, "node1");
  }
};

TEST_CASE("maker-checker: the maker of a staff proposal cannot approve it; another staff can") {
  Db db;
  db.success("T1", 10'000, "RS00000000000001");
  const std::string no = db.propose("T1", 4'000, "bob");
  CHECK(db.state(no) == "PENDING_REVIEW");
  auto own = db.review.approve(no, "bob", "", "", kT0 + 1h, db.policy);
  REQUIRE_FALSE(own.ok());
  CHECK(own.error().code == settlement::kMakerChecker);
  CHECK(db.state(no) == "PENDING_REVIEW");
  CHECK(db.reserved("T1") == 0);

  auto ok = db.review.approve(no, "alice", "checked the complaint", "", kT0 + 2h, db.policy);
  REQUIRE_MESSAGE(ok.ok(), ok.error().to_string());
  CHECK(ok->kind == ReviewOutcome::Kind::kDone);
  CHECK(ok->after.state == realtime::RefundState::kApproved);
  CHECK(db.reserved("T1") == 4'000);
  // files.md, Fees of refunds: 4,000 of 10,000 returns 40 of the fee of 100, to the card.
  CHECK(ok->after.cardholder_fee == 40);
  CHECK(ok->after.debit_amount == 4'040);
  // A repeat by the same approver answers as before and reserves nothing more.
  auto again = db.review.approve(no, "alice", "", "", kT0 + 3h, db.policy);
  REQUIRE(again.ok());
  CHECK(again->kind == ReviewOutcome::Kind::kRepeat);
  CHECK(db.reserved("T1") == 4'000);
  // Another staff member after it was approved: refused, nothing changes.
  auto late = db.review.approve(no, "carol", "", "", kT0 + 3h, db.policy);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == settlement::kNotPending);
}

TEST_CASE("above the threshold two different approvers; then the resolver picks it up with a ReqSn") {
  Db db;
  const std::string no = db.late_success("T9", 2'000'050, kT0);
  auto first = db.review.approve(no, "alice", "bank statement shows the debit", "", kT0 + 1h, db.policy);
  REQUIRE_MESSAGE(first.ok(), first.error().to_string());
  CHECK(first->kind == ReviewOutcome::Kind::kWaitingSecond);
  CHECK(db.state(no) == "PENDING_REVIEW");
  auto same = db.review.approve(no, "alice", "", "", kT0 + 2h, db.policy);
  REQUIRE(same.ok());
  CHECK(same->kind == ReviewOutcome::Kind::kRepeat);
  CHECK(db.state(no) == "PENDING_REVIEW");

  // Nothing is sent while it waits for the second approver.
  auto none = db.store->realtime().claim_realtime_work(kT0 + 2h, 10, 30s, "node1");
  REQUIRE(none.ok());
  CHECK(none->empty());

  auto second = db.review.approve(no, "carol", "", "https://cc01.example/notify", kT0 + 3h, db.policy);
  REQUIRE_MESSAGE(second.ok(), second.error().to_string());
  CHECK(second->kind == ReviewOutcome::Kind::kDone);
  CHECK(second->after.state == realtime::RefundState::kApproved);
  CHECK(second->after.approvers == std::vector<std::string>{"staff:alice", "staff:carol"});
  CHECK(db.scalar("SELECT COUNT(*) FROM refund_approvals WHERE refund_no = '" + no + "'") == 2);
  // One ceiling rule for every refund: LATE_SUCCESS reserves the item's whole principal (what the
  // bank debited, its cardholder fee going back with it).
  CHECK(db.reserved("T9") == 2'000'000);

  auto work = db.store->realtime().claim_realtime_work(kT0 + 3h, 10, 30s, "node1");
  REQUIRE(work.ok());
  REQUIRE(work->size() == 1);
  const auto& w = work->front();
  CHECK(w.kind == realtime::Work::Kind::kSendRefund);
  CHECK(w.key == no);
  CHECK(w.req_sn.rfind("RS", 0) == 0);
  CHECK(w.orig_req_sn == "RS00000000000777");
  CHECK(w.amount == 2'000'050);
  CHECK(db.state(no) == "SENDING");
  CHECK(db.text("SELECT req_sn FROM refunds WHERE refund_no = '" + no + "'") == w.req_sn);

  // Its final result is notified for information, with its Reason.
  batch::BankFact ok;
  ok.kind = batch::BankFact::Kind::kSuccess;
  ok.channel_txn_no = "BKR1";
  auto after = db.store->realtime().apply_refund_fact(no, ok, kT0 + 4h, kT0 + 4h, "job:realtime");
  REQUIRE(after.ok());
  CHECK(after->state == realtime::RefundState::kSuccess);
  CHECK(db.scalar("SELECT COUNT(*) FROM notifications WHERE key = 'REFUND:" + no +
                  "' AND body_fields LIKE '%LATE_SUCCESS%'") == 1);
}

TEST_CASE("approval re-checks the refundable amount at its moment: over it is refused, still pending") {
  Db db;
  db.success("T2", 10'000, "RS00000000000002");
  const std::string no = db.propose("T2", 6'000);
  // Meanwhile the card center refunds 5,000 of its own (a pending proposal holds nothing).
  auto c = db.center_refund("R1", "T2", 5'000);
  REQUIRE(c.ok());
  CHECK(c->view.state == realtime::RefundState::kSending);
  auto refused = db.review.approve(no, "alice", "", "", kT0 + 2h, db.policy);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == codes::kRefundNotAllowed);
  CHECK(db.state(no) == "PENDING_REVIEW");
  CHECK(db.reserved("T2") == 5'000);
  CHECK(db.scalar("SELECT COUNT(*) FROM refund_approvals") == 0);
  auto audit = db.store->audit().audit_of("refund", no);
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 2);
  CHECK(audit->back().actor == "staff:alice");
  CHECK(audit->back().reason.find("over the refundable amount") != std::string::npos);

  // The center's refund fails: its share is given back, and the approval now fits.
  batch::BankFact failed;
  failed.kind = batch::BankFact::Kind::kFailed;
  failed.code = "1099";
  REQUIRE(db.store->realtime().apply_refund_fact(c->view.refund_no, failed, kT0 + 3h, kT0 + 3h, "job:realtime").ok());
  CHECK(db.reserved("T2") == 0);
  auto ok = db.review.approve(no, "alice", "", "", kT0 + 4h, db.policy);
  REQUIRE_MESSAGE(ok.ok(), ok.error().to_string());
  CHECK(db.reserved("T2") == 6'000);
  // And when our approved refund fails at the bank, its share goes back too.
  auto work = db.store->realtime().claim_realtime_work(kT0 + 4h, 10, 30s, "node1");
  REQUIRE(work.ok());
  REQUIRE(work->size() == 1);
  REQUIRE(db.store->realtime().apply_refund_fact(no, failed, kT0 + 5h, kT0 + 5h, "job:realtime").ok());
  CHECK(db.reserved("T2") == 0);
}

TEST_CASE("approval racing the card center's refunds of the same repayment: never both") {
  Db db;
  constexpr int kRounds = 12;
  constexpr int kCenterRefunds = 3;
  for (int round = 0; round < kRounds; ++round) {
    const std::string txn = "TR" + std::to_string(round);
    db.success(txn, 10'000, "RS0000000000010" + std::to_string(round));
    const std::string no = db.propose(txn, 7'000);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<int> approved{0}, center_passed{0};
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      ++ready;
      while (!go) std::this_thread::yield();
      auto r = db.review.approve(no, "alice", "", "", kT0 + 1h, db.policy);
      if (r.ok()) ++approved;
      else CHECK(r.error().code == codes::kRefundNotAllowed);
    });
    for (int i = 0; i < kCenterRefunds; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (!go) std::this_thread::yield();
        auto r = db.center_refund("R" + txn + "_" + std::to_string(i), txn, 7'000);
        REQUIRE_MESSAGE(r.ok(), r.error().to_string());
        if (r->view.state == realtime::RefundState::kSending) ++center_passed;
      });
    }
    while (ready < kCenterRefunds + 1) std::this_thread::yield();
    go = true;
    for (auto& t : threads) t.join();
    // center-api.md: the sum of refunds not failed or rejected never exceeds the Amount.
    CHECK(approved + center_passed == 1);
    CHECK(db.reserved(txn) == 7'000);
    CHECK(db.scalar("SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE orig_txn_no = '" + txn +
                    "' AND state NOT IN ('REFUSED', 'PENDING_REVIEW', 'REJECTED', 'EXPIRED', 'FAILED')") == 7'000);
  }
}

TEST_CASE("a pending proposal expires after the expiry days; an expired one is never approved") {
  Db db;
  const std::string a = db.late_success("T3", 10'050, kT0);
  db.success("T4", 10'000, "RS00000000000004");
  const std::string b = db.propose("T4", 1'000, "bob", kT0 + 24h);
  auto early = db.review.expire_due(kT0 + 24h * 30 - 1ms, db.policy);
  REQUIRE(early.ok());
  CHECK(early->empty());
  auto due = db.review.expire_due(kT0 + 24h * 30, db.policy);
  REQUIRE(due.ok());
  CHECK(*due == std::vector<std::string>{a});
  CHECK(db.state(a) == "EXPIRED");
  CHECK(db.state(b) == "PENDING_REVIEW");
  auto audit = db.store->audit().audit_of("refund", a);
  REQUIRE(audit.ok());
  REQUIRE_FALSE(audit->empty());
  CHECK(audit->back().actor == "job:review-expiry");
  CHECK(audit->back().new_state == "EXPIRED");
  auto refused = db.review.approve(a, "alice", "", "", kT0 + 24h * 31, db.policy);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == settlement::kNotPending);
  // Past its expiry but before the job ran: refused, and it expires right then.
  auto late = db.review.approve(b, "alice", "", "", kT0 + 24h * 31, db.policy);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == settlement::kProposalExpired);
  CHECK(db.state(b) == "EXPIRED");
  CHECK(db.reserved("T4") == 0);
}

TEST_CASE("rejection needs a comment; every action is audited; decisions are append-only") {
  Db db;
  const std::string no = db.late_success("T5", 10'050, kT0);
  auto bare = db.review.reject(no, "alice", " ", kT0 + 1h);
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().code == settlement::kCommentNeeded);
  auto r = db.review.reject(no, "alice", "statement shows no debit after all", kT0 + 1h);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r->after.state == realtime::RefundState::kRejected);
  auto again = db.review.reject(no, "alice", "statement shows no debit after all", kT0 + 2h);
  REQUIRE(again.ok());
  CHECK(again->kind == ReviewOutcome::Kind::kRepeat);
  auto approve = db.review.approve(no, "carol", "", "", kT0 + 2h, db.policy);
  REQUIRE_FALSE(approve.ok());
  CHECK(approve.error().code == settlement::kNotPending);

  db.success("T6", 10'000, "RS00000000000006");
  const std::string other = db.propose("T6", 500, "bob");
  REQUIRE(db.review.approve(other, "alice", "ok", "", kT0 + 1h, db.policy).ok());
  auto audit = db.store->audit().audit_of("refund", other);
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 2);
  CHECK(audit->at(0).actor == "staff:bob");
  CHECK(audit->at(0).new_state == "PENDING_REVIEW");
  CHECK(audit->at(0).reason == "OTHER: cardholder complaint");
  CHECK(audit->at(1).actor == "staff:alice");
  CHECK(audit->at(1).old_state == "PENDING_REVIEW");
  CHECK(audit->at(1).new_state == "APPROVED");
  {
    auto c = db.store->pool().acquire();
    CHECK_FALSE(c->exec("UPDATE refund_approvals SET actor = 'staff:x'").ok());
    CHECK_FALSE(c->exec("DELETE FROM refund_approvals").ok());
  }
  // One OTHER proposal per repayment (refunds_proposal: one per reason and TxnNo).
  auto second = db.review.propose({"CC01", "T6", 500, "bob", "again"}, kT0 + 2h);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == codes::kDuplicate);
}

TEST_CASE("propose: only a SUCCESS repayment of the center, within what is refundable now") {
  Db db;
  db.success("T7", 10'000, "RS00000000000007");
  db.late_success("T8", 10'050, kT0);
  auto unknown = db.review.propose({"CC01", "NOPE", 100, "bob", "x"}, kT0);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == codes::kNoSuchTxn);
  auto other_center = db.review.propose({"CC02", "T7", 100, "bob", "x"}, kT0);
  REQUIRE_FALSE(other_center.ok());
  CHECK(other_center.error().code == codes::kNoSuchTxn);
  auto forced = db.review.propose({"CC01", "T8", 100, "bob", "x"}, kT0);
  REQUIRE_FALSE(forced.ok());
  CHECK(forced.error().code == codes::kRefundNotAllowed);
  auto over = db.review.propose({"CC01", "T7", 10'001, "bob", "x"}, kT0);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == codes::kRefundNotAllowed);
  auto no_comment = db.review.propose({"CC01", "T7", 100, "bob", ""}, kT0);
  REQUIRE_FALSE(no_comment.ok());
  CHECK(no_comment.error().code == settlement::kCommentNeeded);
  auto zero = db.review.propose({"CC01", "T7", 0, "bob", "x"}, kT0);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().code == codes::kInvalidAmount);
}

TEST_CASE("list filters and show: the original with masked cards and the discrepancy") {
  Db db;
  const std::string late = db.late_success("T10", 10'050, kT0);
  db.success("T11", 10'000, "RS00000000000011");
  const std::string other = db.propose("T11", 300, "bob", kT0 + 48h);
  settlement::ReviewFilter f;
  auto all = db.review.list_proposals(f);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK(all->front().refund_no == other);  // newest first
  f.reason = "LATE_SUCCESS";
  auto by_reason = db.review.list_proposals(f);
  REQUIRE(by_reason.ok());
  REQUIRE(by_reason->size() == 1);
  CHECK(by_reason->front().refund_no == late);
  f = {};
  f.day = format_date(cst_date(kT0 + 48h));
  auto by_day = db.review.list_proposals(f);
  REQUIRE(by_day.ok());
  REQUIRE(by_day->size() == 1);
  CHECK(by_day->front().refund_no == other);
  f = {};
  f.center = "CC02";
  CHECK(db.review.list_proposals(f)->empty());
  f = {};
  f.state = "APPROVED";
  CHECK(db.review.list_proposals(f)->empty());

  auto d = db.review.show_proposal(late);
  REQUIRE(d.ok());
  REQUIRE(d->has_value());
  const auto& detail = **d;
  CHECK(detail.row.reason == "LATE_SUCCESS");
  CHECK(detail.orig_state == "FAILED");
  CHECK(detail.orig_resp_code == "3001");
  CHECK(detail.forced);
  CHECK(detail.late_state == "DEBITED");
  CHECK(detail.credit_card_masked == "620000******0005");
  CHECK(detail.debit_card_masked == "411111******1111");
  CHECK(detail.discrepancy.find("force-failed") != std::string::npos);
  CHECK(detail.discrepancy.find("BK9") != std::string::npos);
  auto shown_other = db.review.show_proposal(other);
  REQUIRE(shown_other.ok());
  CHECK((*shown_other)->orig_state == "SUCCESS");
  CHECK((*shown_other)->history.size() == 1);
  auto none = db.review.show_proposal("RF_NONE");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

}  // namespace
}  // namespace repay::store
