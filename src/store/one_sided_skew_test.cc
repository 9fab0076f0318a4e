// The write skew between a ONE_SIDED proposal and a posting file (docs/decisions.md,
// Reconciliation's actions in settlement (issue 17)): propose_one_sided reads "no posting line
// took this TxnNo", store_posting_file reads "no ONE_SIDED proposal of it". Under READ COMMITTED a
// posting file may commit between propose_one_sided's read of its candidates and its proposal;
// SQLite's one writer never lets that happen inside one call, so the test runs the two steps
// apart, with the posting file stored and committed between them, as such an engine allows.
#include <doctest/doctest.h>

#include "store/sql_center_files_store.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::store {
namespace {

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Date kT(2026, 11, 21);

Instant at(Date d, int h) { return cst_day_start(d) + std::chrono::hours(h); }

struct Rig {
  testing::TempDir dir;
  crypto::FieldCipher cipher = *crypto::FieldCipher::from_hex_key(kKey);
  std::unique_ptr<testing::TestStores> db;

  Rig() {
    auto s = testing::TestStores::open(dir.path + "/repay.db", cipher);
    REQUIRE_MESSAGE(s.ok(), s.error().to_string());
    db = std::move(*s);
    exec("INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
         "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
         "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) VALUES "
         "('AG1', 'CC01', 'QUICK', 'CHQ', 'ACTIVE', x'00', 'hAG1', 'm', x'00', 'dAG1', 'm', 'N', "
         "'01', x'00', 'i', 'm', 0, 0)");
    // Day T's one success: a repayment of 100.00, the fee paid by the card center.
    exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
         "amount, fee, cardholder_fee, debit_amount, fee_rule, state, req_sn, created_at, "
         "finished_at, updated_at) VALUES ('T1', 'CC01', 'REQ1', 'f', 'AG1', 'CHQ', 10000, 200, 0, "
         "10000, 'FIXED:200/CENTER', 'SUCCESS', 'RST1', 0, " +
         std::to_string(to_unix_ms(at(kT, 10))) + ", 0)");
  }

  void exec(const std::string& sql) {
    auto st = db->exec(sql);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  }
  int64_t count(const std::string& sql) {
    auto n = db->integer(sql);
    REQUIRE_MESSAGE(n.ok(), n.error().to_string());
    return *n;
  }

  // The card center's posting file of `day`, listing T1: stored and committed.
  settlement::PostingStored post_t1(Date day) {
    settlement::PostingFileInfo info;
    info.center_id = "CC01";
    info.post_date = day;
    info.file_name = "POST_CC01_" + format_date(day) + ".txt";
    info.sha256 = "sha-" + format_date(day);
    info.header_count = 1;
    info.header_amount = 10000;
    auto stored = db->stores().center_files().store_posting_file(
        info,
        [](const settlement::CenterFilesStore::PostingSink& sink) {
          return sink(settlement::PostingLine{2, "T1", "REQ1", 10000, "20261121200000"});
        },
        at(day, 12), "job:posting");
    REQUIRE_MESSAGE(stored.ok(), stored.error().to_string());
    return *stored;
  }

  // propose_one_sided's second step on `c`, in a write transaction of its own.
  bool propose(Connection& c, const OneSidedCandidate& k) {
    WriteTx tx(c);
    REQUIRE(tx.begin().ok());
    auto made = propose_one_sided_candidate(c, k, kT, at(kT + boost::gregorian::days(3), 9),
                                            "job:posting");
    REQUIRE_MESSAGE(made.ok(), made.error().to_string());
    REQUIRE(tx.commit().ok());
    return *made;
  }
};

TEST_CASE("propose_one_sided: a TxnNo a posting line took after the candidates were read is not proposed") {
  Rig r;
  auto c = r.db->stores().pool().acquire();
  auto found = one_sided_candidates(*c, "CC01", kT);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].p.orig_txn_no == "T1");

  // The other writer: a late posting file (after the grace days) lists T1, matched and committed.
  const settlement::PostingStored posted = r.post_t1(kT + boost::gregorian::days(3));
  CHECK(posted.counts.matched == 1);

  // The proposal step now sees the match: no ONE_SIDED refund of a repayment the card center
  // posted (without the re-check after the lock, it proposed one: a refund of money kept).
  CHECK_FALSE(r.propose(*c, (*found)[0]));
  CHECK(r.count("SELECT COUNT(*) FROM refunds WHERE reason = 'ONE_SIDED'") == 0);
  CHECK(r.count("SELECT COUNT(*) FROM audit WHERE entity = 'refund'") == 0);
}

TEST_CASE("propose_one_sided: with no posting line meanwhile the candidate is proposed, once") {
  Rig r;
  auto c = r.db->stores().pool().acquire();
  auto found = one_sided_candidates(*c, "CC01", kT);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(r.propose(*c, (*found)[0]));
  CHECK_FALSE(r.propose(*c, (*found)[0]));
  CHECK(r.count("SELECT COUNT(*) FROM refunds WHERE reason = 'ONE_SIDED' AND orig_txn_no = 'T1' "
                "AND amount = 10000 AND fee = 200 AND debit_amount = 10000") == 1);

  // A posting line after it is the AFTER_ONE_SIDED exception, never a match.
  const settlement::PostingStored posted = r.post_t1(kT + boost::gregorian::days(3));
  CHECK(posted.counts.matched == 0);
  CHECK(posted.counts.after_one_sided == 1);
}

TEST_CASE("propose_one_sided: a refund by the card center after the candidates were read lowers the proposal") {
  Rig r;
  auto c = r.db->stores().pool().acquire();
  auto found = one_sided_candidates(*c, "CC01", kT);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  REQUIRE((*found)[0].reserved == 0);
  // Meanwhile the card center refunds 30.00 of T1 (its ceiling row, as real time reserves it).
  r.exec("INSERT INTO refund_ceilings(txn_no, center_id, amount, fee, cardholder_fee, reserved, "
         "fee_reserved) VALUES ('T1', 'CC01', 10000, 200, 0, 3000, 60)");
  CHECK(r.propose(*c, (*found)[0]));
  // What is left: 70.00 and the fee on the running total (200 - 60), none of it the card's.
  CHECK(r.count("SELECT COUNT(*) FROM refunds WHERE reason = 'ONE_SIDED' AND orig_txn_no = 'T1' "
                "AND amount = 7000 AND fee = 140 AND cardholder_fee = 0 AND debit_amount = 7000") == 1);
}

}  // namespace
}  // namespace repay::store
