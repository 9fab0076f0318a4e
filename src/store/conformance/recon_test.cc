// Conformance, reconciliation (settlement::ReconStore), on the store under test: a day of batch items, real-time repayments and
// refunds in every state, a statement, load + reconcile, every class's action; a re-run changes
// nothing; the next day's statement releases what was held; suspense ends in OURS_MISSING.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "settlement/channel_recon.h"
#include "store/review_sql.h"
#include "store/conformance/suite_store.h"

namespace repay::store {
namespace {

using namespace std::chrono_literals;
using settlement::Class;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Date kT(2026, 11, 21);
const Date kT1(2026, 11, 22);
const std::string kCh = "BANKC";

int64_t at(Date d, int minutes) { return to_unix_ms(cst_time_on(d, minutes)); }

struct Fixture {
  std::string dir;
  crypto::FieldCipher cipher = *crypto::FieldCipher::from_hex_key(kKey);
  std::unique_ptr<conformance::StoreUnderTest> opened;
  Stores* store = nullptr;

  Fixture() {
    dir = (std::filesystem::temp_directory_path() / ("recon_test_" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    opened = conformance::open_store_under_test(dir + "/repay.db", cipher);
    store = &opened->stores();
    exec("INSERT INTO batches(center_id, batch_no, batch_date, file_name, sha256, total_count, "
         "total_amount, received_at, send_from_at, force_fail_at, encoding, state, open_items) VALUES "
         "('CC01', 'B1', '20261121', 'f', 'x', 9, 0, 0, 0, " + std::to_string(at(kT1, 47 * 60)) +
         ", 'UTF-8', 'OPEN', 1)");
  }
  ~Fixture() {
    opened.reset();
    std::filesystem::remove_all(dir);
  }

  void exec(const std::string& sql) {
    auto c = store->pool().acquire();
    auto st = c->exec(sql);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  }
  int64_t count(const std::string& sql) {
    auto c = store->pool().acquire();
    auto q = c->prepare(sql);
    REQUIRE(q.ok());
    auto row = q->step();
    REQUIRE(row.ok());
    return q->integer(0);
  }
  std::string text(const std::string& sql) {
    auto c = store->pool().acquire();
    auto q = c->prepare(sql);
    REQUIRE(q.ok());
    auto row = q->step();
    REQUIRE(row.ok());
    return *row ? q->text(0) : "";
  }
  void item(int seq, const std::string& sn, const std::string& state, int forced, Fen amount,
            const std::string& finished, int64_t updated) {
    exec("INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, amount, "
         "debit_amount, state, forced, late_state, txn_no, req_sn, send_from_at, force_fail_at, "
         "finished_at, updated_at) VALUES ('CC01', 'B1', " + std::to_string(seq) + ", 'I" +
         std::to_string(seq) + "', 'AG1', 'BANKC', " + std::to_string(amount) + ", " +
         std::to_string(amount) + ", '" + state + "', " + std::to_string(forced) + ", " +
         (forced ? "'UNRESOLVED'" : "NULL") + ", 'T" + sn + "', '" + sn + "', 0, " +
         std::to_string(at(kT1, 47 * 60)) + ", " + finished + ", " + std::to_string(updated) + ")");
  }
  void repayment(const std::string& sn, const std::string& state, Fen amount,
                 const std::string& finished, int64_t created) {
    exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
         "amount, debit_amount, state, req_sn, answered_processing, created_at, finished_at, "
         "updated_at) VALUES ('T" + sn + "', 'CC01', 'Q" + sn + "', 'fp', 'AG1', 'BANKC', " +
         std::to_string(amount) + ", " + std::to_string(amount) + ", '" + state + "', '" + sn +
         "', 0, " + std::to_string(created) + ", " + finished + ", " + std::to_string(created) + ")");
  }
  void refund(const std::string& sn, const std::string& state, Fen amount, const std::string& finished,
              int64_t created) {
    exec("INSERT INTO refunds(refund_no, center_id, origin, req_no, orig_txn_no, channel_id, amount, "
         "debit_amount, state, req_sn, created_at, created_by, finished_at, updated_at) VALUES ('F" +
         sn + "', 'CC01', 'CENTER', 'Q" + sn + "', 'TRS11', 'BANKC', " + std::to_string(amount) +
         ", " + std::to_string(amount) + ", '" + state + "', '" + sn + "', " + std::to_string(created) +
         ", 'api', " + finished + ", " + std::to_string(created) + ")");
  }

  // Stores the statement text, parses it, reconciles (channel, day).
  Result<settlement::ReconRun> reconcile(Date day, const std::string& body, Instant now) {
    const std::string path = dir + "/" + settlement::statement_file_name(kCh, day);
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << body;
    }
    auto in = files::LineReader::open(path, files::Encoding::kUtf8);
    REQUIRE(in.ok());
    settlement::Statement st;
    auto errors = settlement::read_statement(**in, path, kCh, day, &st);
    REQUIRE_MESSAGE(errors.empty(), errors[0].to_string());
    auto sha = files::file_sha256(path);
    REQUIRE(sha.ok());
    auto stored = store->recon().record_statement(
        settlement::StatementFile{kCh, day, path, sha->first, st.count, st.debit_amount, st.refund_amount}, now);
    REQUIRE(stored.ok());
    return settlement::reconcile_channel_day(store->recon(), kCh, day, stored->id, st, 3, now, "job:test");
  }
};

std::string stmt(Date day, const std::vector<std::tuple<std::string, std::string, Fen>>& lines) {
  Fen debit = 0, refund = 0;
  std::string body;
  int n = 0;
  for (const auto& [sn, type, amount] : lines) {
    (type == "DEBIT" ? debit : refund) += amount;
    body += "D|C" + std::to_string(++n) + "|" + sn + "|" + type + "|" + std::to_string(amount) +
            "|" + format_date(day) + "120000\n";
  }
  return "H|BANKC|" + format_date(day) + "|" + std::to_string(lines.size()) + "|" +
         std::to_string(debit) + "|" + std::to_string(refund) + "\n" + body;
}

TEST_CASE("channel reconciliation: every class acts once; a re-run changes nothing; later days") {
  Fixture f;
  const std::string finT = std::to_string(at(kT, 10 * 60));
  const int64_t sentT = at(kT, 9 * 60);
  f.item(1, "RS01", "SUCCESS", 0, 10000, finT, sentT);   // matched
  f.item(2, "RS02", "FAILED", 1, 20000, finT, sentT);    // force-failed, debited: LATE_SUCCESS
  f.item(3, "RS03", "FAILED", 0, 30000, finT, sentT);    // failed, debited: OTHER
  f.item(4, "RS04", "UNKNOWN", 0, 40000, "NULL", sentT); // processing, debited: SUCCESS now
  f.item(5, "RS05", "SUCCESS", 0, 50000, finT, sentT);   // bank missing: held
  f.item(6, "RS06", "SUCCESS", 0, 60000, finT, sentT);   // amount differs
  f.item(7, "RS07", "SUCCESS", 0, 70000, finT, sentT);   // listed twice
  f.item(8, "RS08", "FAILED", 0, 80000, finT, sentT);    // nothing moved
  f.item(9, "RS09", "SUCCESS", 0, 90000, std::to_string(at(kT1, 5)), sentT);  // our day T+1
  f.repayment("RS11", "SUCCESS", 1100, finT, sentT);
  f.repayment("RS12", "UNKNOWN", 1200, "NULL", sentT);
  f.repayment("RS13", "FAILED", 1300, finT, sentT);
  f.refund("RS21", "SUCCESS", 500, finT, sentT);
  f.refund("RS22", "FAILED", 600, finT, sentT);
  f.refund("RS23", "SUCCESS", 700, finT, sentT);
  f.exec("UPDATE batches SET open_items = 1");

  const std::string body = stmt(kT, {{"RS01", "DEBIT", 10000}, {"RS02", "DEBIT", 20000},
                                     {"RS03", "DEBIT", 30000}, {"RS04", "DEBIT", 40000},
                                     {"RS06", "DEBIT", 60001}, {"RS07", "DEBIT", 70000},
                                     {"RS07", "DEBIT", 70000}, {"RS09", "DEBIT", 90000},
                                     {"RS11", "DEBIT", 1100},  {"RS12", "DEBIT", 1200},
                                     {"RS13", "DEBIT", 1300},  {"RS21", "REFUND", 500},
                                     {"RS22", "REFUND", 600},  {"RS99", "DEBIT", 999}});
  const Instant now = cst_time_on(kT1, 9 * 60);
  auto run = f.reconcile(kT, body, now);
  REQUIRE_MESSAGE(run.ok(), run.error().to_string());
  auto n = [&](Class c) { return run->counts[static_cast<size_t>(c)]; };
  CHECK(n(Class::kMatched) == 5);  // RS01, RS07, RS09 (another day), RS11, RS21
  CHECK(n(Class::kLateSuccess) == 1);
  CHECK(n(Class::kDebitedOursFailed) == 2);
  CHECK(n(Class::kBankDoneOursPending) == 2);
  CHECK(n(Class::kSuspense) == 2);  // RS05, RS23 (a refund)
  CHECK(n(Class::kAmountDiffers) == 1);
  CHECK(n(Class::kDuplicateLine) == 1);
  CHECK(n(Class::kUnknownReqSn) == 1);
  CHECK(n(Class::kRefundContradicts) == 1);
  CHECK(n(Class::kNotMoved) == 1);
  CHECK(run->proposals == 3);
  CHECK(run->exceptions == 4);
  CHECK(run->facts_applied == 2);
  CHECK(run->runs == 1);

  CHECK(f.count("SELECT COUNT(*) FROM refunds WHERE origin = 'US' AND reason = 'LATE_SUCCESS' "
                "AND orig_txn_no = 'TRS02' AND state = 'PENDING_REVIEW'") == 1);
  CHECK(f.count("SELECT COUNT(*) FROM refunds WHERE origin = 'US' AND reason = 'OTHER' "
                "AND orig_txn_no IN ('TRS03', 'TRS13')") == 2);
  CHECK(f.text("SELECT state FROM batch_items WHERE req_sn = 'RS04'") == "SUCCESS");
  CHECK(f.text("SELECT state FROM repayments WHERE req_sn = 'RS12'") == "SUCCESS");
  CHECK(f.text("SELECT state FROM batch_items WHERE req_sn = 'RS02'") == "FAILED");  // for good
  for (const char* kind : {"AMOUNT_DIFFERS", "DUPLICATE_LINE", "UNKNOWN_REQSN", "REFUND_CONTRADICTS"}) {
    CAPTURE(kind);
    CHECK(f.count(std::string("SELECT COUNT(*) FROM exceptions WHERE kind = '") + kind + "'") == 1);
  }
  CHECK(f.text("SELECT ref FROM exceptions WHERE kind = 'AMOUNT_DIFFERS'") == "RS06");
  // Only the records the run listed are kept as it saw them; plain matches (RS01, RS11, RS21)
  // and a failure nothing moved (RS08) keep no row.
  CHECK(f.count("SELECT COUNT(*) FROM recon_ours WHERE channel_id = 'BANKC'") == 11);
  CHECK(f.count("SELECT COUNT(*) FROM recon_ours WHERE req_sn IN ('RS01', 'RS11', 'RS21', 'RS08')") == 0);
  CHECK(f.text("SELECT state || day FROM recon_ours WHERE req_sn = 'RS04'") == "P20261121");
  // RS04 finished today (T+1) by the statement's fact: its kept state now goes with day T+1.
  CHECK(f.text("SELECT day || moving FROM recon_state WHERE req_sn = 'RS04'") == "202611220");
  auto held = f.store->recon().held_figures("CC01", kT);
  REQUIRE(held.ok());
  CHECK(held->held_count == 1);  // RS05 (RS23 is a refund)
  CHECK(held->held_amount == 50000);
  CHECK(held->released_count == 0);

  // The same statement again: nothing new anywhere.
  const auto refunds = f.count("SELECT COUNT(*) FROM refunds");
  const auto exceptions = f.count("SELECT COUNT(*) FROM exceptions");
  const auto audit = f.count("SELECT COUNT(*) FROM audit");
  auto again = f.reconcile(kT, body, now + 1h);
  REQUIRE_MESSAGE(again.ok(), again.error().to_string());
  CHECK(again->runs == 2);
  CHECK(again->statement_version == 1);
  CHECK(again->proposals == 0);
  CHECK(again->exceptions == 0);
  CHECK(again->facts_applied == 0);
  CHECK(f.count("SELECT COUNT(*) FROM refunds") == refunds);
  CHECK(f.count("SELECT COUNT(*) FROM exceptions") == exceptions);
  CHECK(f.count("SELECT COUNT(*) FROM audit") == audit);
  CHECK(f.count("SELECT COUNT(*) FROM recon_ours WHERE channel_id = 'BANKC'") == 11);
  CHECK(again->counts[static_cast<size_t>(Class::kSuspense)] == 2);

  // A replaced statement for T that lacks RS01 and the others (matched before): a new version;
  // what was matched stays matched, nothing is proposed or raised again, RS05 stays held.
  const std::string v2 = stmt(kT, {{"RS02", "DEBIT", 20000}});
  auto third = f.reconcile(kT, v2, now + 2h);
  REQUIRE_MESSAGE(third.ok(), third.error().to_string());
  CHECK(third->statement_version == 2);
  CHECK(third->proposals == 0);
  CHECK(third->exceptions == 0);
  // RS01, RS03, RS06, RS07, RS11, RS13, RS21, RS22; RS04 and RS12 finished on T+1 when the
  // statement told us, so they are records of day T+1 now.
  CHECK(third->counts[static_cast<size_t>(Class::kMatchedBefore)] == 8);
  CHECK(third->counts[static_cast<size_t>(Class::kSuspense)] == 2);
  CHECK(f.store->recon().held_figures("CC01", kT)->held_count == 1);
  CHECK(f.count("SELECT COUNT(*) FROM refunds") == refunds);

  // T+1's statement lists RS05 (late): released on T+1; T keeps it as held (confirmed after T).
  auto next = f.reconcile(kT1, stmt(kT1, {{"RS05", "DEBIT", 50000}}), cst_time_on(kT1 + boost::gregorian::days(1), 9 * 60));
  REQUIRE_MESSAGE(next.ok(), next.error().to_string());
  CHECK(next->counts[static_cast<size_t>(Class::kReleased)] == 1);
  CHECK(next->counts[static_cast<size_t>(Class::kSuspense)] == 1);  // RS23, age 1
  auto released = f.store->recon().held_figures("CC01", kT1);
  REQUIRE(released.ok());
  CHECK(released->released_count == 1);
  CHECK(released->released_amount == 50000);
  CHECK(f.store->recon().held_figures("CC01", kT)->held_count == 1);

  // RS23 is still missing 3 days after T: OURS_MISSING, once.
  const Date t3 = kT + boost::gregorian::days(3);
  auto late = f.reconcile(t3, stmt(t3, {}), cst_time_on(t3 + boost::gregorian::days(1), 9 * 60));
  REQUIRE(late.ok());
  CHECK(late->counts[static_cast<size_t>(Class::kOursMissing)] == 1);
  CHECK(f.count("SELECT COUNT(*) FROM exceptions WHERE kind = 'OURS_MISSING' AND ref = 'RS23'") == 1);
  auto late2 = f.reconcile(t3, stmt(t3, {}), cst_time_on(t3 + boost::gregorian::days(1), 10 * 60));
  REQUIRE(late2.ok());
  CHECK(f.count("SELECT COUNT(*) FROM exceptions WHERE kind = 'OURS_MISSING'") == 1);
}

// Issue 16: proposals of debits the card center was told failed could not be approved (2008),
// and a force-failed item's late state stayed as the statement contradicted it.
TEST_CASE("debits the card center was told failed: the statement is recorded, every proposal is approved once for the whole debit") {
  Fixture f;
  const std::string finT = std::to_string(at(kT, 10 * 60));
  const int64_t sentT = at(kT, 9 * 60);
  f.item(1, "RS31", "FAILED", 1, 10000, finT, sentT);  // force-failed 3002 (never sent, we thought)
  f.item(2, "RS32", "FAILED", 1, 20000, finT, sentT);  // force-failed 3001, a QUERY said not debited
  f.item(3, "RS33", "FAILED", 0, 30000, finT, sentT);  // declined, debited all the same
  f.repayment("RS34", "FAILED", 40000, finT, sentT);   // real time, answered FAILED
  f.exec("UPDATE batch_items SET late_state = NULL, resp_code = '3002' WHERE req_sn = 'RS31'");
  f.exec("UPDATE batch_items SET late_state = 'NOT_DEBITED', resp_code = '3001' WHERE req_sn = 'RS32'");
  f.exec("UPDATE batch_items SET resp_code = '3001' WHERE req_sn = 'RS33'");
  f.exec("UPDATE repayments SET resp_code = '3001' WHERE req_sn = 'RS34'");
  // The cardholder paid a fee of 200 with each: the whole debit goes back, never more.
  f.exec("UPDATE batch_items SET fee = 300, cardholder_fee = 200, debit_amount = amount + 200");
  f.exec("UPDATE repayments SET fee = 300, cardholder_fee = 200, debit_amount = amount + 200");
  const std::string body = stmt(kT, {{"RS31", "DEBIT", 10200}, {"RS32", "DEBIT", 20200},
                                     {"RS33", "DEBIT", 30200}, {"RS34", "DEBIT", 40200}});
  const Instant now = cst_time_on(kT1, 9 * 60);
  auto run = f.reconcile(kT, body, now);
  REQUIRE_MESSAGE(run.ok(), run.error().to_string());
  CHECK(run->counts[static_cast<size_t>(Class::kLateSuccess)] == 2);
  CHECK(run->counts[static_cast<size_t>(Class::kDebitedOursFailed)] == 2);
  CHECK(run->proposals == 4);
  // The statement is the bank's word: the forced items' late state is DEBITED now, audited.
  CHECK(f.text("SELECT late_state FROM batch_items WHERE req_sn = 'RS31'") == "DEBITED");
  CHECK(f.text("SELECT late_state FROM batch_items WHERE req_sn = 'RS32'") == "DEBITED");
  CHECK(f.text("SELECT state FROM batch_items WHERE req_sn = 'RS32'") == "FAILED");  // for good
  CHECK(f.count("SELECT COUNT(*) FROM audit WHERE entity = 'batch_item' AND new_state = 'FAILED/DEBITED' "
                "AND reason LIKE '%statement 20261121 line%'") == 2);
  CHECK(f.count("SELECT COUNT(*) FROM bank_debits WHERE channel_id = 'BANKC'") == 4);

  settlement::ReviewStore& review = f.opened->review();
  settlement::ReviewPolicy policy;
  policy.two_approvals_above = 25'000;  // RS33 and RS34 need two approvers
  for (const char* sn : {"RS31", "RS32", "RS33", "RS34"}) {
    CAPTURE(sn);
    const std::string txn = std::string("T") + sn;
    const std::string no = f.text("SELECT refund_no FROM refunds WHERE origin = 'US' AND orig_txn_no = '" + txn + "'");
    REQUIRE(!no.empty());
    // What happened, not "proposed by staff": the statement line and what the center was told.
    auto shown = review.show_proposal(no);
    REQUIRE(shown.ok());
    REQUIRE(shown->has_value());
    const auto& d = **shown;
    CHECK(d.discrepancy.find("proposed by staff") == std::string::npos);
    CHECK(d.discrepancy.find("statement of BANKC for 20261121") != std::string::npos);
    CHECK(d.discrepancy.find(sn) != std::string::npos);
    CHECK(d.statement_date == "20261121");
    CHECK(d.statement_amount == d.orig_debit_amount);
    if (std::string(sn) == "RS34") {
      CHECK(d.discrepancy.find("answered FAILED 3001") != std::string::npos);
    }
    auto first = review.approve(no, "alice", "", "", now, policy);
    REQUIRE_MESSAGE(first.ok(), first.error().to_string());
    if (first->kind == settlement::ReviewOutcome::Kind::kWaitingSecond) {
      auto second = review.approve(no, "bob", "", "", now, policy);
      REQUIRE_MESSAGE(second.ok(), second.error().to_string());
      CHECK(second->kind == settlement::ReviewOutcome::Kind::kDone);
    }
    CHECK(f.text("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "APPROVED");
    CHECK(f.text("SELECT fee || '/' || cardholder_fee || '/' || debit_amount FROM refunds WHERE refund_no = '" +
                 no + "'") == "200/200/" + std::to_string(d.orig_debit_amount));
    CHECK(f.count("SELECT reserved FROM refund_ceilings WHERE txn_no = '" + txn + "'") == d.orig_amount);
  }
  // Never two refunds of one debit: another proposal of the same original no longer fits.
  f.exec("INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, amount, "
         "fee, cardholder_fee, debit_amount, state, created_at, created_by, updated_at) VALUES "
         "('RFX', 'CC01', 'US', 'ONE_SIDED', 'TRS33', 'B', 1, 0, 0, 1, 'PENDING_REVIEW', " +
         std::to_string(to_unix_ms(now)) + ", 'job:test', 0)");
  auto over = review.approve("RFX", "alice", "", "", now, policy);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == "2008");
  // A re-run of the same statement: nothing new.
  const auto audit = f.count("SELECT COUNT(*) FROM audit");
  auto again = f.reconcile(kT, body, now + 1h);
  REQUIRE_MESSAGE(again.ok(), again.error().to_string());
  CHECK(again->proposals == 0);
  CHECK(f.count("SELECT COUNT(*) FROM bank_debits") == 4);
  CHECK(f.count("SELECT COUNT(*) FROM audit") == audit);
}

}  // namespace
}  // namespace repay::store

namespace repay::store {
namespace {

TEST_CASE("channel reconciliation: a record still processing at T, finished and matched on T+2, is "
          "never held afterwards (its kept state follows it to its new day)") {
  Fixture f;
  const Date t1 = kT + boost::gregorian::days(1), t2 = kT + boost::gregorian::days(2),
             t3 = kT + boost::gregorian::days(3);
  f.item(1, "RS30", "UNKNOWN", 0, 3000, "NULL", at(kT, 9 * 60));
  f.item(2, "RS31", "SUCCESS", 0, 3100, std::to_string(at(kT, 10 * 60)), at(kT, 9 * 60));
  auto n = [](const settlement::ReconRun& r, Class c) { return r.counts[static_cast<size_t>(c)]; };

  auto day_t = f.reconcile(kT, stmt(kT, {{"RS31", "DEBIT", 3100}}), cst_time_on(t1, 9 * 60));
  REQUIRE_MESSAGE(day_t.ok(), day_t.error().to_string());
  CHECK(n(*day_t, Class::kStillOpen) == 1);
  CHECK(f.text("SELECT status || moving FROM recon_state WHERE req_sn = 'RS30'") == "OPEN1");

  // T+1: still processing, looked at again as an earlier day's open record.
  auto day_t1 = f.reconcile(t1, stmt(t1, {}), cst_time_on(t2, 9 * 60));
  REQUIRE_MESSAGE(day_t1.ok(), day_t1.error().to_string());
  CHECK(n(*day_t1, Class::kStillOpen) == 1);

  // It finishes on T+2 (a query answered) and T+2's statement lists it: matched, remembered.
  f.exec("UPDATE batch_items SET state = 'SUCCESS', finished_at = " + std::to_string(at(t2, 10 * 60)) +
         ", updated_at = " + std::to_string(at(t2, 10 * 60)) + " WHERE req_sn = 'RS30'");
  auto day_t2 = f.reconcile(t2, stmt(t2, {{"RS30", "DEBIT", 3000}}), cst_time_on(t3, 9 * 60));
  REQUIRE_MESSAGE(day_t2.ok(), day_t2.error().to_string());
  CHECK(n(*day_t2, Class::kMatched) == 1);
  CHECK(n(*day_t2, Class::kSuspense) == 0);
  CHECK(f.text("SELECT status || day || moving FROM recon_state WHERE req_sn = 'RS30'") ==
        "MATCHED202611230");
  CHECK(f.store->recon().held_figures("CC01", t2)->held_count == 0);

  // T+3 has nothing of it: not held, not open, not counted at all.
  auto day_t3 = f.reconcile(t3, stmt(t3, {}), cst_time_on(t3 + boost::gregorian::days(1), 9 * 60));
  REQUIRE_MESSAGE(day_t3.ok(), day_t3.error().to_string());
  int64_t total = 0;
  for (auto c : day_t3->counts) total += c;
  CHECK(total == 0);
  CHECK(f.count("SELECT COUNT(*) FROM exceptions") == 0);
}

}  // namespace
}  // namespace repay::store
