// Conformance, center files (settlement::CenterFilesStore), on the store under test: RECON (mode 1), posting
// files and one-sided proposals (mode 2), SETTLE versions, the FEE statement. Transactions are
// written as the pipeline and the real-time service leave them (final rows with finished_at).
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <doctest/doctest.h>

#include "settlement/center_files.h"
#include "settlement/fee_statement.h"
#include "settlement/posting_apply.h"
#include "settlement/settle_file.h"
#include "store/refund_proposal.h"
#include "store/conformance/suite_store.h"
#include "support/temp_dir.h"

namespace repay::store {
namespace {

using settlement::HeldFigures;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Date kT(2026, 11, 21);
Instant at(Date d, int h, int m, int s = 0) {
  return cst_day_start(d) + std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
}
Date day(int d) { return Date(2026, 11, static_cast<unsigned short>(d)); }

struct TempDir : testing::TempDir {
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path + "/" + name, std::ios::binary) << bytes;
    return path + "/" + name;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
};

struct Txn {
  std::string center = "CC01";
  std::string txn_no;
  std::string agreement = "AG1";
  std::string state = "SUCCESS";
  Fen amount = 0, fee = 0, cardholder_fee = 0;
  std::string fee_rule = "FIXED:200/CENTER";
  Instant finished{};
  // batch items
  std::string batch_no = "B001";
  int64_t seq = 0;
  std::string item_id;
  bool forced = false;
  // repayments
  std::string req_no;
};

struct Rig {
  TempDir dir;
  crypto::FieldCipher cipher = *crypto::FieldCipher::from_hex_key(kKey);
  std::unique_ptr<conformance::StoreUnderTest> opened;
  Stores* store = nullptr;

  Rig() {
    opened = conformance::open_store_under_test(dir.path + "/repay.db", cipher);
    store = &opened->stores();
    agreement("AG1", "CC01", "COLLECT");
    agreement("AG2", "CC01", "QUICK");
    agreement("AG3", "CC02", "COLLECT");
    agreement("AG4", "CC02", "QUICK");
  }

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

  void agreement(const std::string& no, const std::string& center, const std::string& kind) {
    exec("INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
         "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
         "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) VALUES ('" +
         no + "', '" + center + "', '" + kind + "', 'CH" + kind.substr(0, 1) +
         "', 'ACTIVE', x'00', 'h" + no + "', 'm', x'00', 'd" + no + "', 'm', 'N', '01', x'00', 'i', "
         "'m', 0, 0)");
  }

  void item(const Txn& t) {
    const Fen debit = t.state == "SUCCESS" || t.forced ? t.amount + t.cardholder_fee : 0;
    exec("INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, "
         "amount, fee, cardholder_fee, debit_amount, fee_rule, state, resp_code, txn_no, req_sn, "
         "forced, late_state, send_from_at, force_fail_at, finished_at, updated_at) VALUES ('" +
         t.center + "', '" + t.batch_no + "', " + std::to_string(t.seq) + ", '" + t.item_id + "', '" +
         t.agreement + "', 'CHC', " + std::to_string(t.amount) + ", " + std::to_string(t.fee) + ", " +
         std::to_string(t.cardholder_fee) + ", " + std::to_string(debit) + ", '" + t.fee_rule +
         "', '" + t.state + "', '" + (t.forced ? "3001" : "0000") + "', '" + t.txn_no + "', 'RS" +
         t.txn_no + "', " + (t.forced ? "1, 'DEBITED'" : "0, NULL") + ", 0, 0, " +
         std::to_string(to_unix_ms(t.finished)) + ", 0)");
  }

  void repayment(const Txn& t) {
    exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
         "amount, fee, cardholder_fee, debit_amount, fee_rule, state, req_sn, created_at, "
         "finished_at, updated_at) VALUES ('" + t.txn_no + "', '" + t.center + "', '" + t.req_no +
         "', 'f', '" + t.agreement + "', 'CHQ', " + std::to_string(t.amount) + ", " +
         std::to_string(t.fee) + ", " + std::to_string(t.cardholder_fee) + ", " +
         std::to_string(t.amount + t.cardholder_fee) + ", '" + t.fee_rule + "', '" + t.state +
         "', 'RS" + t.txn_no + "', 0, " + std::to_string(to_unix_ms(t.finished)) + ", 0)");
  }

  // A refund finished at `finished` in `state`.
  void refund(const std::string& no, const std::string& center, const std::string& origin,
              const std::string& reason, const std::string& orig_txn, const std::string& source,
              Fen amount, Fen fee, Fen cardholder_fee, const std::string& state, Instant finished) {
    exec("INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, "
         "orig_batch_no, amount, fee, cardholder_fee, debit_amount, state, created_at, created_by, "
         "finished_at, updated_at) VALUES ('" + no + "', '" + center + "', '" + origin + "', '" +
         reason + "', '" + orig_txn + "', '" + source + "', " + (source == "B" ? "'B001'" : "NULL") +
         ", " + std::to_string(amount) + ", " + std::to_string(fee) + ", " +
         std::to_string(cardholder_fee) + ", " + std::to_string(amount + cardholder_fee) + ", '" +
         state + "', 0, 't', " + std::to_string(to_unix_ms(finished)) + ", 0)");
  }

  settlement::CenterFilesStore& files() { return store->center_files(); }
};

Txn batch_txn(const std::string& txn, int64_t seq, Fen amount, Instant finished) {
  Txn t;
  t.txn_no = txn;
  t.seq = seq;
  t.item_id = "I" + std::to_string(seq);
  t.amount = amount;
  t.fee = 200;
  t.finished = finished;
  return t;
}

// CC01, mode 1, fee paid by the card center for COLLECT and by the cardholder for QUICK.
void day_of_cc01(Rig& r) {
  r.item(batch_txn("T1", 1, 10000, at(kT, 10, 0)));
  // Force-failed, debited late: stays FAILED for the card center; its LATE_SUCCESS refund (here
  // already approved and done) never enters RECON or FEE.
  Txn forced = batch_txn("T2", 2, 5000, at(kT, 15, 50));
  forced.state = "FAILED";
  forced.forced = true;
  r.item(forced);
  {
    auto c = r.store->pool().acquire();
    WriteTx tx(*c);
    REQUIRE(tx.begin().ok());
    RefundProposal p{"CC01", "LATE_SUCCESS", "T2", "B", "B001", "B001:2", "CHC", "RST2",
                     5000, 0, 0, 5000, "debited after the force-fail"};
    auto made = insert_refund_proposal(*c, p, at(kT, 16, 0), "job:test");
    REQUIRE(made.ok());
    REQUIRE(made->has_value());
    auto again = insert_refund_proposal(*c, p, at(kT, 16, 1), "job:test");
    REQUIRE(again.ok());
    CHECK_FALSE(again->has_value());  // one proposal per (reason, TxnNo)
    REQUIRE(tx.commit().ok());
  }
  r.exec("UPDATE refunds SET state = 'SUCCESS', finished_at = " +
         std::to_string(to_unix_ms(at(kT, 17, 0))) + " WHERE reason = 'LATE_SUCCESS'");
  // Day T is the CST day: one second before midnight is the day before, midnight the day after.
  r.item(batch_txn("T3", 3, 700, at(day(20), 23, 59, 59)));
  r.item(batch_txn("T4", 4, 800, at(day(22), 0, 0, 0)));
  Txn failed = batch_txn("T9", 9, 900, at(kT, 11, 0));
  failed.state = "FAILED";
  r.item(failed);
  // Real time, QUICK, fee paid by the cardholder (added to the debit).
  Txn rt;
  rt.txn_no = "T5";
  rt.req_no = "REQ1";
  rt.agreement = "AG2";
  rt.amount = 20000;
  rt.fee = 30;
  rt.cardholder_fee = 30;
  rt.fee_rule = "PERCENT:15:min=0:max=0/CARDHOLDER";
  rt.finished = at(kT, 12, 0);
  r.repayment(rt);
  Txn other = rt;  // another card center's
  other.center = "CC02";
  other.txn_no = "T6";
  other.agreement = "AG4";
  r.repayment(other);
  // The card center's own refund of T1 (fee returned on the FEE statement, not to the card), a
  // failed one, and one we started (out of RECON whatever its reason).
  r.refund("RF1", "CC01", "CENTER", "", "T1", "B", 3000, 60, 0, "SUCCESS", at(kT, 14, 0));
  r.refund("RF2", "CC01", "CENTER", "", "T1", "B", 1000, 20, 0, "FAILED", at(kT, 14, 5));
  r.refund("RF3", "CC01", "US", "OTHER", "T5", "R", 1000, 2, 2, "SUCCESS", at(kT, 15, 0));
}

TEST_CASE("RECON of a day: batch and real-time successes, the center's refunds; force-fail kept out") {
  Rig r;
  day_of_cc01(r);
  auto w = settlement::write_recon_file(r.files(), "CC01", kT, files::Encoding::kUtf8,
                                        r.dir.path + "/" + settlement::recon_file_name("CC01", kT), at(day(22), 9, 0));
  REQUIRE_MESSAGE(w.ok(), w.error().to_string());
  CHECK(r.dir.read("RECON_CC01_20261121.txt") ==
        "H|CC01|20261121|2|30000|1|3000|27000\n"
        "D|T1|REPAY|B|B001|I1|10000|0|10000|20261121100000\n"
        "D|T5|REPAY|R||REQ1|20000|30|20030|20261121120000\n"
        "D|T1|REFUND|B|B001|RF1|3000|0|3000|20261121140000\n");
  // A day without activity: the header with zero counts.
  REQUIRE(settlement::write_recon_file(r.files(), "CC01", day(25), files::Encoding::kGbk,
                                       r.dir.path + "/quiet.txt", at(day(26), 9, 0))
              .ok());
  CHECK(r.dir.read("quiet.txt") == "H|CC01|20261125|0|0|0|0|0\n");
  // A day with refunds only: a negative net.
  r.refund("RF4", "CC01", "CENTER", "", "T3", "B", 700, 0, 0, "SUCCESS", at(day(24), 9, 0));
  REQUIRE(settlement::write_recon_file(r.files(), "CC01", day(24), files::Encoding::kUtf8,
                                       r.dir.path + "/neg.txt", at(day(26), 9, 0))
              .ok());
  CHECK(r.dir.read("neg.txt") ==
        "H|CC01|20261124|0|0|1|700|-700\nD|T3|REFUND|B|B001|RF4|700|0|700|20261124090000\n");
  // Once built, the figures of a day are its file's: a success stored later under day 24 (it
  // cannot happen once the day is over; a store edited by hand) publishes nothing new.
  r.refund("RF5", "CC01", "CENTER", "", "T3", "B", 100, 0, 0, "SUCCESS", at(day(24), 10, 0));
  auto changed = settlement::write_recon_file(r.files(), "CC01", day(24), files::Encoding::kUtf8,
                                              r.dir.path + "/neg2.txt", at(day(26), 9, 5));
  REQUIRE_FALSE(changed.ok());
  CHECK(changed.error().code == "RECON");
}

TEST_CASE("SETTLE of mode 1: RECON figures, review backlog, held figures; once per day") {
  Rig r;
  day_of_cc01(r);
  auto early = settlement::write_settle_file(r.files(), "CC01", kT, 1, HeldFigures{},
                                             files::Encoding::kUtf8, r.dir.path, at(day(22), 9, 0));
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().code == "NOT_READY");  // its RECON file first
  REQUIRE(settlement::write_recon_file(r.files(), "CC01", kT, files::Encoding::kUtf8,
                                       r.dir.path + "/recon.txt", at(day(22), 9, 0))
              .ok());
  auto s = settlement::write_settle_file(r.files(), "CC01", kT, 1, HeldFigures{}, files::Encoding::kUtf8,
                                         r.dir.path, at(day(22), 9, 0));
  REQUIRE_MESSAGE(s.ok(), s.error().to_string());
  CHECK(s->name == "SETTLE_CC01_20261121.txt");
  // The LATE_SUCCESS proposal was approved and done: nothing pending review.
  CHECK(s->header == "H|CC01|20261121|1|2|30000|1|3000|27000|0|0|0|0|0|0");
  auto same = settlement::write_settle_file(r.files(), "CC01", kT, 1, HeldFigures{},
                                            files::Encoding::kUtf8, r.dir.path, at(day(22), 9, 5));
  REQUIRE(same.ok());
  CHECK_FALSE(same->created);
  CHECK(same->name == s->name);
  // Different figures later (a held success learned of): no _V2, the file as it was.
  auto held = settlement::write_settle_file(r.files(), "CC01", kT, 1, HeldFigures{1, 20000, 0, 0},
                                            files::Encoding::kUtf8, r.dir.path, at(day(22), 10, 0));
  REQUIRE(held.ok());
  CHECK_FALSE(held->created);
  CHECK(held->name == "SETTLE_CC01_20261121.txt");
  CHECK(r.dir.read(held->name) == "H|CC01|20261121|1|2|30000|1|3000|27000|0|0|0|0|0|0\n");
  CHECK(r.scalar("SELECT COUNT(*) FROM settle_files") == 1);
}

TEST_CASE("FEE month: center-paid fees by day and kind, returned fees, never a force-failed debit") {
  Rig r;
  day_of_cc01(r);
  auto w = settlement::write_fee_statement(r.files(), "CC01", 2026, 11, files::Encoding::kUtf8,
                                           r.dir.path + "/fee.txt");
  REQUIRE_MESSAGE(w.ok(), w.error().to_string());
  // T2 (force-failed) and its LATE_SUCCESS refund never; T5 (cardholder pays) not billed; RF1
  // returned 60 of T1's fee.
  CHECK(r.dir.read("fee.txt") ==
        "H|CC01|202611|3|540\n"
        "D|20261120|COLLECT|1|700|200|0\n"
        "D|20261121|COLLECT|1|10000|200|60\n"
        "D|20261122|COLLECT|1|800|200|0\n");
  REQUIRE(settlement::write_fee_statement(r.files(), "CC01", 2026, 12, files::Encoding::kUtf8,
                                          r.dir.path + "/dec.txt")
              .ok());
  CHECK(r.dir.read("dec.txt") == "H|CC01|202612|0|0\n");
}

// CC02, mode 2, day T = 21st, posting_grace_days = 2.
void day_of_cc02(Rig& r) {
  Txn a = batch_txn("T21", 1, 10000, at(kT, 9, 0));
  a.center = "CC02";
  a.agreement = "AG3";
  a.batch_no = "C001";
  r.item(a);
  Txn b;
  b.center = "CC02";
  b.txn_no = "T22";
  b.req_no = "REQ22";
  b.agreement = "AG4";
  b.amount = 20000;
  b.finished = at(kT, 10, 0);
  r.repayment(b);
  Txn c = a;  // never posted: one-sided after the grace days
  c.txn_no = "T23";
  c.seq = 3;
  c.item_id = "I3";
  c.amount = 7000;
  r.item(c);
  Txn d = b;  // posted two days late, within the grace days
  d.txn_no = "T24";
  d.req_no = "REQ24";
  d.amount = 4000;
  r.repayment(d);
  Txn e = a;  // force-failed: not a success of ours
  e.txn_no = "T25";
  e.seq = 5;
  e.item_id = "I5";
  e.state = "FAILED";
  e.forced = true;
  r.item(e);
}

std::string post_file(const std::string& date, const std::vector<std::string>& lines) {
  Fen sum = 0;
  for (const auto& l : lines) {
    size_t a = l.find('|', l.find('|', l.find('|') + 1) + 1);
    sum += std::stoll(l.substr(a + 1, l.find('|', a + 1) - a - 1));
  }
  std::string s = "H|CC02|" + date + "|" + std::to_string(lines.size()) + "|" + std::to_string(sum) + "\n";
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST_CASE("mode 2: posting files matched across days, one ONE_SIDED proposal after the grace days") {
  Rig r;
  day_of_cc02(r);
  const Instant now = at(day(22), 11, 0);
  auto apply = [&](const std::string& name, const std::string& bytes) {
    TempDir in;
    return settlement::apply_posting_file(r.files(), "CC02", in.write(name, bytes),
                                          files::Encoding::kUtf8, 2, now);
  };
  // Mode 2 settles nothing before the posting file of the day has been used.
  auto early = settlement::write_settle_file(r.files(), "CC02", kT, 2, HeldFigures{},
                                             files::Encoding::kUtf8, r.dir.path, now);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().code == "NOT_READY");

  const std::string post21 = post_file("20261121", {"D|T21|I1|10000|20261121200000",
                                                    "D|T22|REQ22|19999|20261121200000",
                                                    "D|T21|I1|10000|20261121200001",
                                                    "D|TXX|Z|5|20261121200000",
                                                    "D|T25|I5|10000|20261121200000"});
  auto p21 = apply("POST_CC02_20261121.txt", post21);
  REQUIRE_MESSAGE(p21.ok(), p21.error().to_string());
  CHECK(p21->record.status == "USED");
  CHECK(p21->counts.matched == 1);
  CHECK(p21->counts.amount_differs == 1);
  CHECK(p21->counts.duplicate == 1);
  CHECK(p21->counts.not_ours == 2);
  CHECK(p21->days_decided.empty());
  CHECK(r.scalar("SELECT COUNT(*) FROM exceptions WHERE center_id = 'CC02'") == 4);

  // A file that breaks the rules is not used, its rejection recorded; the corrected one is.
  auto bad = apply("POST_CC02_20261122.txt", "H|CC02|20261122|1|0\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "F2");
  CHECK(bad.error().field == "header.count");
  auto p22 = apply("POST_CC02_20261122.txt", post_file("20261122", {}));
  REQUIRE(p22.ok());
  CHECK(p22->record.version == 2);
  CHECK(p22->days_decided.empty());
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals WHERE reason = 'ONE_SIDED'") == 0);

  // The file of T+2 completes day T: T23 was in none of them.
  const std::string post23 = post_file("20261123", {"D|T24|REQ24|4000|20261123080000"});
  auto p23 = apply("POST_CC02_20261123.txt", post23);
  REQUIRE(p23.ok());
  CHECK(p23->counts.matched == 1);
  CHECK(p23->days_decided == std::vector<Date>{kT});
  CHECK(p23->one_sided_proposed == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals WHERE reason = 'ONE_SIDED'") == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM refund_proposals WHERE reason = 'ONE_SIDED' AND txn_no = "
                 "'T23' AND amount = 7000 AND fee = 0 AND debit_amount = 7000 AND source = 'B' AND "
                 "ref = 'C001:3' AND state = 'PENDING_REVIEW' AND created_by = 'job:posting'") == 1);

  // Re-runs: nothing new, still exactly one proposal.
  auto again = apply("POST_CC02_20261123.txt", post23);
  REQUIRE(again.ok());
  CHECK(again->already);
  CHECK(again->one_sided_proposed == 0);
  auto again21 = apply("POST_CC02_20261121.txt", post21);
  REQUIRE(again21.ok());
  CHECK(again21->already);
  CHECK(again21->counts.duplicate == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM refunds WHERE origin = 'US' AND reason = 'ONE_SIDED'") == 1);
  CHECK(r.scalar("SELECT COUNT(*) FROM exceptions WHERE center_id = 'CC02'") == 4);

  // A second, different file for a day already used is not used.
  auto second = apply("POST_CC02_20261121.txt", post_file("20261121", {"D|T23|I3|7000|20261122000000"}));
  REQUIRE(second.ok());
  CHECK(second->record.status == "NOT_USED");
  CHECK(r.scalar("SELECT COUNT(*) FROM exceptions WHERE kind = 'POST_SECOND_FILE'") == 1);
  // T23 posted after its grace days: an exception beside the pending proposal, not a match.
  auto late = apply("POST_CC02_20261124.txt", post_file("20261124", {"D|T23|I3|7000|20261124080000"}));
  REQUIRE(late.ok());
  CHECK(late->counts.after_one_sided == 1);
  CHECK(late->counts.matched == 0);

  // SETTLE of mode 2: the matched lines of the posting file of T (T21 only), the center's own
  // refunds of T (none), what awaits staff (1 proposal, 6 exceptions).
  auto s = settlement::write_settle_file(r.files(), "CC02", kT, 2, HeldFigures{0, 0, 1, 500},
                                         files::Encoding::kUtf8, r.dir.path, now);
  REQUIRE_MESSAGE(s.ok(), s.error().to_string());
  CHECK(s->header == "H|CC02|20261121|2|1|10000|0|0|10500|1|6|0|0|1|500");
}

}  // namespace
}  // namespace repay::store
