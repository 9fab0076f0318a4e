// Conformance, signing (signing::SigningStore): claims, agreements, quick-pay applications and
// their encryption at rest, on the store under test with a real FieldCipher.
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "store/conformance/signing_fixture.h"

namespace repay::store {
namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------------------------
// Signing claims

TEST_CASE("claims: claimed, in progress, conflict, release, done") {
  Db db;
  auto& s = *db.store;
  auto claim = [&](const std::string& tx, const std::string& canon, Instant at = kT0) {
    auto c = s.signing().claim("C1", "R1", tx, canon, at, 120s);
    REQUIRE_MESSAGE(c.ok(), c.error().to_string());
    return *c;
  };
  Claim first = claim("sign3", "fields A");
  REQUIRE(first.kind == Claim::Kind::kClaimed);
  CHECK_FALSE(first.token.empty());

  CHECK(claim("sign3", "fields A").kind == Claim::Kind::kInProgress);
  CHECK(claim("sign3", "fields B").kind == Claim::Kind::kConflict);
  CHECK(claim("qsign/apply", "fields A").kind == Claim::Kind::kConflict);
  // The same ReqNo of another center is another key.
  auto other_center = s.signing().claim("C2", "R1", "sign3", "fields A", kT0, 120s);
  REQUIRE(other_center.ok());
  CHECK(other_center->kind == Claim::Kind::kClaimed);

  SUBCASE("release with a wrong token keeps the claim") {
    REQUIRE(s.signing().release("C1", "R1", "not-the-token").ok());
    CHECK(claim("sign3", "fields A").kind == Claim::Kind::kInProgress);
  }
  SUBCASE("release frees the ReqNo") {
    REQUIRE(s.signing().release("C1", "R1", first.token).ok());
    CHECK(*s.count_rows("signing_requests") == 1);  // C2's only
    Claim again = claim("sign3", "fields B");  // any fields: nothing was stored
    CHECK(again.kind == Claim::Kind::kClaimed);
    CHECK(again.token != first.token);
  }
  SUBCASE("finish, then a claim answers kDone with the stored record") {
    SigningOutcome o;
    o.center_id = "C1";
    o.req_no = "R1";
    o.token = first.token;
    o.record = rec("sign3", "FAILED", "2003");
    o.now = kT0 + 1s;
    auto done = s.signing().finish(o);
    REQUIRE_MESSAGE(done.ok(), done.error().to_string());
    CHECK(done->center_id == "C1");
    CHECK(done->req_no == "R1");

    Claim later = claim("sign3", "fields A", kT0 + 1h);
    REQUIRE(later.kind == Claim::Kind::kDone);
    CHECK(later.token.empty());
    CHECK(later.record.center_id == "C1");
    CHECK(later.record.req_no == "R1");
    CHECK(later.record.tx_code == "sign3");
    CHECK(later.record.status == "FAILED");
    CHECK(later.record.resp_code == "2003");
    CHECK(later.record.resp_msg == "msg 2003");
    CHECK(later.record.agreement_no.empty());
    CHECK(claim("sign3", "fields B", kT0 + 1h).kind == Claim::Kind::kConflict);

    // Finishing twice is refused: the claim is gone.
    auto twice = s.signing().finish(o);
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().code == "STALE");
    // Releasing a finished request does not free it.
    REQUIRE(s.signing().release("C1", "R1", first.token).ok());
    CHECK(claim("sign3", "fields A").kind == Claim::Kind::kDone);
  }
}

TEST_CASE("claims: a stale claim is taken over; the old holder's finish is STALE") {
  Db db;
  auto& s = *db.store;
  auto first = s.signing().claim("C1", "R1", "sign3", "fields", kT0, 120s);
  REQUIRE(first.ok());
  REQUIRE(first->kind == Claim::Kind::kClaimed);
  // Not stale yet at 119 s.
  auto young = s.signing().claim("C1", "R1", "sign3", "fields", kT0 + 119s, 120s);
  REQUIRE(young.ok());
  CHECK(young->kind == Claim::Kind::kInProgress);

  auto taken = s.signing().claim("C1", "R1", "sign3", "fields", kT0 + 24h, 1s);
  REQUIRE(taken.ok());
  REQUIRE(taken->kind == Claim::Kind::kClaimed);
  CHECK(taken->token != first->token);
  // A stale claim with other fields is still a conflict, not a take-over.
  auto other = s.signing().claim("C1", "R1", "sign3", "other fields", kT0 + 48h, 1s);
  REQUIRE(other.ok());
  CHECK(other->kind == Claim::Kind::kConflict);

  SigningOutcome o;
  o.center_id = "C1";
  o.req_no = "R1";
  o.token = first->token;
  o.record = rec("sign3", "SIGNED", "0000");
  o.create_agreement = agreement_of("AG1");
  o.now = kT0 + 24h;
  auto old = s.signing().finish(o);
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().code == "STALE");
  CHECK(*s.count_rows("agreements") == 0);  // the refused finish changed nothing
  CHECK(*s.count_rows("audit") == 0);

  o.token = taken->token;
  auto now_ours = s.signing().finish(o);
  REQUIRE_MESSAGE(now_ours.ok(), now_ours.error().to_string());
  CHECK(now_ours->agreement_no == "AG1");
}

TEST_CASE("claims: 4 threads over two stores claiming one ReqNo: exactly one wins") {
  Db db;
  auto other = open_store(db.path, db.cipher);
  for (int round = 0; round < 20; ++round) {
    const std::string req_no = "R" + std::to_string(round);
    std::vector<Claim::Kind> kinds(4, Claim::Kind::kConflict);
    std::vector<int> errors(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        Stores& s = t % 2 ? *other : *db.store;
        auto c = s.signing().claim("C1", req_no, "sign3", "fields", kT0, 120s);
        if (c) kinds[t] = c->kind;
        else ++errors[t];
      });
    }
    for (auto& th : threads) th.join();
    int claimed = 0;
    int in_progress = 0;
    for (int t = 0; t < 4; ++t) {
      CHECK(errors[t] == 0);
      if (kinds[t] == Claim::Kind::kClaimed) ++claimed;
      if (kinds[t] == Claim::Kind::kInProgress) ++in_progress;
    }
    CHECK(claimed == 1);
    CHECK(in_progress == 3);
  }
}

// ---------------------------------------------------------------------------------------------
// Agreements

TEST_CASE("agreements: creation audits, decrypts, and a second creation reuses the first") {
  Db db;
  auto& s = *db.store;
  SigningOutcome o = claimed(s, "R1", "sign3");
  o.record = rec("sign3", "SIGNED", "0000");
  o.create_agreement = agreement_of("AG1");
  o.reason = "three elements verified";
  auto r1 = s.signing().finish(o);
  REQUIRE_MESSAGE(r1.ok(), r1.error().to_string());
  CHECK(r1->agreement_no == "AG1");

  auto audit = s.audit().audit_of("agreement", "AG1");
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 1);
  CHECK((*audit)[0].old_state.empty());
  CHECK((*audit)[0].new_state == "ACTIVE");
  CHECK((*audit)[0].actor == "api:C1:R1");
  CHECK((*audit)[0].reason == "three elements verified");
  CHECK((*audit)[0].at == kT0);

  auto ag = s.signing().agreement("AG1");
  REQUIRE(ag.ok());
  REQUIRE(ag->has_value());
  const Agreement& a = **ag;
  CHECK(a.center_id == "C1");
  CHECK(a.kind == "COLLECT");
  CHECK(a.channel_id == "CB1");
  CHECK(a.state == signing::AgreementState::kActive);
  CHECK(a.holder.credit_card == kCredit);
  CHECK(a.holder.debit_card == kDebit);
  CHECK(a.holder.id_no == kIdNo);
  CHECK(a.holder.name == kName);
  CHECK(a.holder.id_type == "01");
  CHECK(a.mobile.empty());
  CHECK(a.protocol_no.empty());
  CHECK(a.created_at == kT0);

  auto active = s.signing().active_agreement("C1", kCredit, kDebit, "COLLECT");
  REQUIRE(active.ok());
  REQUIRE(active->has_value());
  CHECK((*active)->agreement_no == "AG1");
  CHECK_FALSE(s.signing().active_agreement("C1", kCredit, kDebit, "QUICK")->has_value());
  CHECK_FALSE(s.signing().active_agreement("C2", kCredit, kDebit, "COLLECT")->has_value());
  CHECK_FALSE(s.signing().active_agreement("C1", kDebit, kCredit, "COLLECT")->has_value());
  CHECK_FALSE(s.signing().agreement("AG404")->has_value());

  // A concurrent signing of the same cards: the second outcome reuses AG1.
  SigningOutcome o2 = claimed(s, "R2", "sign3");
  o2.record = rec("sign3", "SIGNED", "0000");
  o2.create_agreement = agreement_of("AG2");
  auto r2 = s.signing().finish(o2);
  REQUIRE_MESSAGE(r2.ok(), r2.error().to_string());
  CHECK(r2->agreement_no == "AG1");
  CHECK(*s.count_rows("agreements") == 1);
  CHECK(s.audit().audit_of("agreement", "AG2")->empty());
  auto repeat = s.signing().claim("C1", "R2", "sign3", "canonical R2", kT0, 120s);
  REQUIRE(repeat.ok());
  REQUIRE(repeat->kind == Claim::Kind::kDone);
  CHECK(repeat->record.agreement_no == "AG1");

  // The unique partial index holds even for a write that bypasses the check.
  {
    auto c = s.pool().acquire();
    auto dup = c->exec(
        "INSERT INTO agreements SELECT 'AG3', center_id, kind, channel_id, state, credit_card_enc, "
        "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
        "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, mobile_enc, mobile_masked, "
        "protocol_no, created_at, updated_at FROM agreements WHERE agreement_no = 'AG1'");
    CHECK_FALSE(dup.ok());
  }

  // A quick agreement of the same cards is another kind: a row of its own.
  SigningOutcome o3 = claimed(s, "R3", "qsign/confirm");
  o3.record = rec("qsign/confirm", "SIGNED", "0000");
  o3.create_agreement = agreement_of("AGQ", signing::kQuick);
  auto r3 = s.signing().finish(o3);
  REQUIRE(r3.ok());
  CHECK(r3->agreement_no == "AGQ");
  auto q = s.signing().agreement("AGQ");
  REQUIRE(q.ok());
  REQUIRE(q->has_value());
  CHECK((*q)->mobile == kMobile);
  CHECK((*q)->protocol_no == "PROT-AGQ");
  CHECK((*q)->kind == "QUICK");
}

TEST_CASE("agreements: revoke audits ACTIVE -> REVOKED once; the cards may sign again") {
  Db db;
  auto& s = *db.store;
  SigningOutcome o = claimed(s, "R1", "sign3");
  o.record = rec("sign3", "SIGNED", "0000");
  o.create_agreement = agreement_of("AG1");
  REQUIRE(s.signing().finish(o).ok());

  for (const char* req : {"U1", "U2"}) {
    SigningOutcome u = claimed(s, req, "unsign", kT0 + 1h);
    u.record = rec("unsign", "REVOKED", "0000");
    u.revoke_agreement = "AG1";
    u.reason = "revoked by the card center";
    auto r = s.signing().finish(u);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  }
  auto audit = s.audit().audit_of("agreement", "AG1");
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 2);
  CHECK((*audit)[1].old_state == "ACTIVE");
  CHECK((*audit)[1].new_state == "REVOKED");
  CHECK((*audit)[1].actor == "api:C1:U1");
  CHECK((*audit)[1].at == kT0 + 1h);
  auto ag = s.signing().agreement("AG1");
  REQUIRE(ag.ok());
  CHECK((*ag)->state == signing::AgreementState::kRevoked);
  CHECK((*ag)->updated_at == kT0 + 1h);
  CHECK_FALSE(s.signing().active_agreement("C1", kCredit, kDebit, "COLLECT")->has_value());

  SigningOutcome again = claimed(s, "R2", "sign3");
  again.record = rec("sign3", "SIGNED", "0000");
  again.create_agreement = agreement_of("AG2");
  auto r = s.signing().finish(again);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r->agreement_no == "AG2");
  CHECK(*s.count_rows("agreements") == 2);
}

// ---------------------------------------------------------------------------------------------
// Quick-pay applications

TEST_CASE("applications: create, SMS tries up to max, give back, update only from SMS_SENT") {
  Db db;
  auto& s = *db.store;
  SigningOutcome o = claimed(s, "A1", "qsign/apply");
  o.record = rec("qsign/apply", "SMS_SENT", "0000");
  o.create_application = application_of("A1");
  REQUIRE(s.signing().finish(o).ok());
  CHECK(s.audit().audit_of("quick_application", "C1:A1")->size() == 1);

  auto app = s.signing().application("C1", "A1");
  REQUIRE(app.ok());
  REQUIRE(app->has_value());
  CHECK((*app)->state == "SMS_SENT");
  CHECK((*app)->tries == 0);
  CHECK((*app)->req_sn == "RS-A1");
  CHECK((*app)->channel_id == "QP1");
  CHECK((*app)->holder.credit_card == kCredit);
  CHECK((*app)->holder.debit_card == kDebit);
  CHECK((*app)->holder.id_no == kIdNo);
  CHECK((*app)->mobile == kMobile);
  CHECK_FALSE(s.signing().application("C2", "A1")->has_value());
  CHECK_FALSE(s.signing().application("C1", "A2")->has_value());

  for (int i = 1; i <= 5; ++i) {
    auto t = s.signing().take_sms_try("C1", "A1", 5);
    REQUIRE(t.ok());
    CHECK(*t == i);
  }
  auto none = s.signing().take_sms_try("C1", "A1", 5);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == "1007");
  REQUIRE(s.signing().give_back_sms_try("C1", "A1").ok());
  CHECK((*s.signing().application("C1", "A1"))->tries == 4);
  auto last = s.signing().take_sms_try("C1", "A1", 5);
  REQUIRE(last.ok());
  CHECK(*last == 5);
  CHECK(s.signing().take_sms_try("C1", "A404", 5).error().code == "1007");

  // Signed: the application takes the agreement of the outcome.
  SigningOutcome c = claimed(s, "K1", "qsign/confirm");
  c.record = rec("qsign/confirm", "SIGNED", "0000");
  c.create_agreement = agreement_of("AGQ", signing::kQuick);
  c.application_update = ApplicationUpdate{"A1", signing::kSigned, "0000"};
  REQUIRE(s.signing().finish(c).ok());
  app = s.signing().application("C1", "A1");
  REQUIRE(app.ok());
  CHECK((*app)->state == "SIGNED");
  CHECK((*app)->agreement_no == "AGQ");
  CHECK(s.signing().take_sms_try("C1", "A1", 5).error().code == "1007");
  REQUIRE(s.signing().give_back_sms_try("C1", "A1").ok());
  CHECK((*s.signing().application("C1", "A1"))->tries == 5);  // only an SMS_SENT application gives back

  // A later FAILED update does not apply to a SIGNED application.
  SigningOutcome f = claimed(s, "K2", "qsign/confirm");
  f.record = rec("qsign/confirm", "FAILED", "1007");
  f.application_update = ApplicationUpdate{"A1", signing::kFailed, "1007"};
  REQUIRE(s.signing().finish(f).ok());
  app = s.signing().application("C1", "A1");
  CHECK((*app)->state == "SIGNED");
  CHECK((*app)->resp_code == "0000");
  auto trail = s.audit().audit_of("quick_application", "C1:A1");
  REQUIRE(trail.ok());
  REQUIRE(trail->size() == 2);
  CHECK((*trail)[1].old_state == "SMS_SENT");
  CHECK((*trail)[1].new_state == "SIGNED");
}

TEST_CASE("applications: FAILED keeps its code and counts no more tries") {
  Db db;
  auto& s = *db.store;
  SigningOutcome o = claimed(s, "A1", "qsign/apply");
  o.record = rec("qsign/apply", "SMS_SENT", "0000");
  o.create_application = application_of("A1");
  REQUIRE(s.signing().finish(o).ok());
  SigningOutcome f = claimed(s, "K1", "qsign/confirm");
  f.record = rec("qsign/confirm", "FAILED", "1007");
  f.application_update = ApplicationUpdate{"A1", signing::kFailed, "1007"};
  REQUIRE(s.signing().finish(f).ok());
  auto app = s.signing().application("C1", "A1");
  REQUIRE(app.ok());
  CHECK((*app)->state == "FAILED");
  CHECK((*app)->resp_code == "1007");
  CHECK((*app)->agreement_no.empty());
  CHECK(s.signing().take_sms_try("C1", "A1", 5).error().code == "1007");
}

// ---------------------------------------------------------------------------------------------
// Encryption at rest

TEST_CASE("card, ID and mobile numbers are not in clear in the files; another key gives CRYPTO") {
  Db db;
  auto& s = *db.store;
  SigningOutcome o = claimed(s, "A1", "qsign/apply");
  o.record = rec("qsign/apply", "SMS_SENT", "0000");
  o.create_application = application_of("A1");
  REQUIRE(s.signing().finish(o).ok());
  SigningOutcome c = claimed(s, "K1", "qsign/confirm");
  c.record = rec("qsign/confirm", "SIGNED", "0000");
  c.create_agreement = agreement_of("AGQ", signing::kQuick);
  c.application_update = ApplicationUpdate{"A1", signing::kSigned, "0000"};
  REQUIRE(s.signing().finish(c).ok());

  auto check_files = [&](const char* when) {
    INFO(when);
    std::string bytes = file_bytes(db.path) + file_bytes(db.path + "-wal");
    REQUIRE(bytes.find(kName) != std::string::npos);  // the search does find clear text
    CHECK(bytes.find(kCredit) == std::string::npos);
    CHECK(bytes.find(kDebit) == std::string::npos);
    CHECK(bytes.find(kIdNo) == std::string::npos);
    CHECK(bytes.find(kMobile) == std::string::npos);
  };
  // The files are SQLite's (its database and write-ahead log): another engine needs its own
  // look at what it writes to disk.
  if (conformance::engine_under_test() == "sqlite") {
    check_files("before a checkpoint");
    {
      auto conn = s.pool().acquire();
      REQUIRE(conn->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    }
    check_files("after a checkpoint");
  }

  // The store decrypts for the domain.
  auto ag = s.signing().agreement("AGQ");
  REQUIRE(ag.ok());
  REQUIRE(ag->has_value());
  CHECK((*ag)->holder.credit_card == kCredit);
  CHECK((*ag)->holder.id_no == kIdNo);
  CHECK((*ag)->mobile == kMobile);

  // Another key: an error, never garbage.
  const crypto::FieldCipher other_cipher = make_cipher(kOtherKey);
  auto other = open_store(db.path, other_cipher);
  auto bad = other->signing().agreement("AGQ");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "CRYPTO");
  auto bad_app = other->signing().application("C1", "A1");
  REQUIRE_FALSE(bad_app.ok());
  CHECK(bad_app.error().code == "CRYPTO");
  // Look-ups by keyed hash find nothing under another key.
  auto none = other->signing().active_agreement("C1", kCredit, kDebit, "QUICK");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

}  // namespace
}  // namespace repay::store
