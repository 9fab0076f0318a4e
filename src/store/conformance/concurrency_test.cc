// Conformance, concurrency: several threads, each call on a connection of its own, against one
// store, through the ports only (issue 17: every read-then-write safe without a single writer).
// What each test holds must hold on any engine; docs/decisions.md, "Safe without a single
// writer", names the guard each one exercises. On SQLite the write transactions are serialized,
// so these pass there even without the guards; the tests beside each guard (outbox_test,
// realtime_lease_test, batch_test) replay the interleaving that READ COMMITTED allows.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/codes.h"
#include "store/conformance/suite_store.h"
#include "support/agreement_fixture.h"
#include "support/temp_dir.h"

namespace repay::store::conformance {
namespace {

using namespace std::chrono_literals;

constexpr int kThreads = 8;
const Instant kT0 = from_unix_ms(1'700'000'000'000);
const Date kDay(2026, 11, 21);

// Runs f(0) .. f(n-1) on n threads at once and waits for them. f must not use doctest's
// assertions (they are not thread-safe): it records what it got, and the test checks after.
void at_once(int n, const std::function<void(int)>& f) {
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads.emplace_back(f, i);
  for (auto& t : threads) t.join();
}

// Errors seen by the threads, checked on the test's thread.
struct Errors {
  std::mutex mu;
  std::vector<std::string> seen;
  void add(const Error& e) {
    std::lock_guard lock(mu);
    seen.push_back(e.to_string());
  }
  void check() {
    for (const auto& e : seen) FAIL_CHECK(e);
  }
};

struct Suite {
  testing::TempDir dir{"repay_conformance"};
  std::unique_ptr<StoreUnderTest> store = open_store_under_test(dir.path, kThreads);

  // An ACTIVE COLLECT agreement of CC01 on channel CB1.
  void sign(const std::string& agreement_no) {
    testing::sign_collect_agreement(store->ports().signing(), "CC01", agreement_no, kT0 - 24h);
  }

  // An accepted batch of `items` items of 1.00 yuan each on CB1, sendable from kT0, force-failed
  // at `force_fail_at`.
  void load_batch(const std::string& batch_no, int items, Instant force_fail_at) {
    batch::NewBatch b;
    b.center_id = "CC01";
    b.batch_no = batch_no;
    b.batch_date = "20261121";
    b.file_name = "REPAY_CC01_20261121_" + batch_no + ".txt";
    b.sha256 = "sha-" + batch_no;
    b.total_count = items;
    b.total_amount = 100 * items;
    b.received_at = kT0 - 1h;
    b.send_from_at = kT0;
    b.force_fail_at = force_fail_at;
    b.encoding = "UTF-8";
    auto loader = store->ports().batches().start_loading(b);
    REQUIRE_MESSAGE(loader.ok(), loader.error().to_string());
    for (int seq = 1; seq <= items; ++seq) {
      batch::NewItem i;
      i.seq = seq;
      i.item_id = batch_no + "-" + std::to_string(seq);
      i.agreement_no = "AG1";
      i.channel_id = "CB1";
      i.amount = 100;
      i.debit_amount = 100;
      i.fee_rule = "FIXED:0";
      auto fresh = (*loader)->use_item_id(i.item_id, seq);
      REQUIRE(fresh.ok());
      REQUIRE(*fresh);
      REQUIRE((*loader)->add(i).ok());
    }
    batch::FileRecord f;
    f.center_id = "CC01";
    f.file_name = b.file_name;
    f.sha256 = b.sha256;
    f.received_at = b.received_at;
    f.status = "00";
    f.batch_no = batch_no;
    f.batch_date = b.batch_date;
    f.header_count = items;
    f.header_amount = b.total_amount;
    auto st = (*loader)->finish(f);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  }

  realtime::NewRepayment new_repayment(const std::string& req_no, Fen amount) {
    realtime::NewRepayment n;
    n.center_id = "CC01";
    n.req_no = req_no;
    n.canonical = "canonical " + req_no;
    n.agreement_no = "AG1";
    n.channel_id = "CB1";
    n.amount = amount;
    n.debit_amount = amount;
    n.fee_rule = "FIXED:0";
    n.notify_url = "https://center.example/notify";
    return n;
  }

  // A real-time repayment answered PROCESSING, then debited: SUCCESS, with its notification
  // queued. Returns its TxnNo.
  std::string success_repayment(const std::string& req_no, Fen amount) {
    auto claim = store->ports().realtime().claim_repayment(new_repayment(req_no, amount), kT0, "node1");
    REQUIRE_MESSAGE(claim.ok(), claim.error().to_string());
    REQUIRE(claim->kind == realtime::RepayClaim::Kind::kNew);
    const std::string txn = claim->view.txn_no;
    REQUIRE(store->ports().realtime().answer_processing(txn, kT0).ok());
    batch::BankFact ok;
    ok.kind = batch::BankFact::Kind::kSuccess;
    auto v = store->ports().realtime().apply_repayment_fact(txn, ok, kT0 + 1s, kT0 + 1s, "test");
    REQUIRE_MESSAGE(v.ok(), v.error().to_string());
    REQUIRE(v->state == debit::ItemState::kSuccess);
    return txn;
  }

  // `n` refunds of `amount` of the repayment `txn`, each ReqNo its own, claimed at once.
  std::vector<Result<realtime::RefundClaim>> race_refunds(int n, const std::string& txn, Fen amount) {
    std::vector<Result<realtime::RefundClaim>> got(static_cast<size_t>(n), make_error("TEST", "not run"));
    at_once(n, [&](int i) {
      got[static_cast<size_t>(i)] = store->ports().realtime().claim_refund(
          new_refund("RF" + std::to_string(i), txn, amount), kT0 + 2s, "node" + std::to_string(i));
    });
    return got;
  }

  realtime::NewRefund new_refund(const std::string& req_no, const std::string& txn, Fen amount) {
    realtime::NewRefund n;
    n.center_id = "CC01";
    n.req_no = req_no;
    n.canonical = "canonical " + req_no;
    n.orig_txn_no = txn;
    n.amount = amount;
    return n;
  }
};

TEST_CASE("conformance: claim_debits from several threads claims every batch item once") {
  Suite s;
  s.sign("AG1");
  s.load_batch("B001", 2'500, kT0 + 10h);  // packed: unpacked by the claims themselves
  s.load_batch("B002", 1'200, kT0 + 9h);
  std::mutex mu;
  std::vector<batch::DebitTask> claimed;
  Errors errors;
  auto drain = [&](const std::string& node) {
    for (;;) {
      auto got = s.store->ports().batches().claim_debits("CB1", 40, kT0 + 1h, node);
      if (!got) {
        errors.add(got.error());
        return;
      }
      if (got->empty()) return;
      std::lock_guard lock(mu);
      claimed.insert(claimed.end(), got->begin(), got->end());
    }
  };
  at_once(kThreads, [&](int i) { drain("node" + std::to_string(i)); });
  drain("last");  // what a thread that lost every race of its last round left
  errors.check();
  std::set<std::pair<std::string, int64_t>> items;
  std::set<std::string> txn_nos, req_sns;
  for (const auto& t : claimed) {
    items.insert({t.batch_no, t.seq});
    txn_nos.insert(t.txn_no);
    req_sns.insert(t.req_sn);
  }
  CHECK(claimed.size() == 3'700);
  CHECK(items.size() == 3'700);
  CHECK(txn_nos.size() == 3'700);
  CHECK(req_sns.size() == 3'700);
}

TEST_CASE("conformance: 20 refunds racing one ceiling that they exactly fill are all accepted") {
  Suite s;
  s.sign("AG1");
  const std::string txn = s.success_repayment("P1", 20'000);
  const auto got = s.race_refunds(20, txn, 1'000);
  std::set<std::string> refund_nos;
  for (const auto& r : got) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->kind == realtime::RefundClaim::Kind::kNew);
    CHECK(r->view.state == realtime::RefundState::kSending);
    refund_nos.insert(r->view.refund_no);
  }
  CHECK(refund_nos.size() == 20);
  // The ceiling is full: one more is refused.
  auto more = s.store->ports().realtime().claim_refund(s.new_refund("RF-MORE", txn, 1), kT0 + 3s, "node1");
  REQUIRE(more.ok());
  CHECK(more->view.state == realtime::RefundState::kRefused);
  CHECK(more->view.resp_code == codes::kRefundNotAllowed);
}

TEST_CASE("conformance: 21 refunds racing a ceiling that fits 20 leave exactly one refused") {
  Suite s;
  s.sign("AG1");
  const std::string txn = s.success_repayment("P1", 20'000);
  const auto got = s.race_refunds(21, txn, 1'000);
  int sending = 0, refused = 0;
  for (const auto& r : got) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->kind == realtime::RefundClaim::Kind::kNew);
    if (r->view.state == realtime::RefundState::kSending) ++sending;
    if (r->view.state == realtime::RefundState::kRefused) {
      ++refused;
      CHECK(r->view.resp_code == codes::kRefundNotAllowed);
    }
  }
  CHECK(sending == 20);
  CHECK(refused == 1);
}

TEST_CASE("conformance: one ReqNo claimed by several threads at once is one repayment and one refund") {
  Suite s;
  s.sign("AG1");
  const std::string txn = s.success_repayment("P0", 20'000);
  std::vector<Result<realtime::RepayClaim>> repay(kThreads, make_error("TEST", "not run"));
  std::vector<Result<realtime::RefundClaim>> refund(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    const std::string node = "node" + std::to_string(i);
    repay[static_cast<size_t>(i)] = s.store->ports().realtime().claim_repayment(s.new_repayment("P1", 5'000), kT0, node);
    refund[static_cast<size_t>(i)] =
        s.store->ports().realtime().claim_refund(s.new_refund("RF1", txn, 1'000), kT0 + 2s, node);
  });
  int new_repay = 0, new_refund = 0;
  std::set<std::string> txn_nos, refund_nos;
  for (const auto& r : repay) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->kind != realtime::RepayClaim::Kind::kConflict);
    new_repay += r->kind == realtime::RepayClaim::Kind::kNew ? 1 : 0;
    txn_nos.insert(r->view.txn_no);
  }
  for (const auto& r : refund) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->kind != realtime::RefundClaim::Kind::kConflict);
    new_refund += r->kind == realtime::RefundClaim::Kind::kNew ? 1 : 0;
    refund_nos.insert(r->view.refund_no);
  }
  CHECK(new_repay == 1);
  CHECK(new_refund == 1);
  CHECK(txn_nos.size() == 1);
  CHECK(refund_nos.size() == 1);
  // The ceiling counted the refund once: 19 more of 1,000 fit, a 20th does not.
  for (int i = 0; i < 19; ++i) {
    auto r = s.store->ports().realtime().claim_refund(s.new_refund("RF-MORE" + std::to_string(i), txn, 1'000),
                                              kT0 + 3s, "node1");
    REQUIRE(r.ok());
    CHECK(r->view.state == realtime::RefundState::kSending);
  }
  auto full = s.store->ports().realtime().claim_refund(s.new_refund("RF-FULL", txn, 1'000), kT0 + 3s, "node1");
  REQUIRE(full.ok());
  CHECK(full->view.state == realtime::RefundState::kRefused);
}

TEST_CASE("conformance: due_notifications from several threads leases each notification once") {
  Suite s;
  s.sign("AG1");
  constexpr int kNotes = 30;
  for (int i = 0; i < kNotes; ++i) s.success_repayment("P" + std::to_string(i), 1'000);
  std::mutex mu;
  std::vector<int64_t> leased;
  Errors errors;
  const Instant now = kT0 + 5s;
  auto drain = [&]() {
    for (;;) {
      auto got = s.store->ports().outbox().due_notifications(now, 4, 60s);
      if (!got) {
        errors.add(got.error());
        return;
      }
      if (got->empty()) return;
      std::lock_guard lock(mu);
      for (const auto& n : *got) leased.push_back(n.id);
    }
  };
  at_once(kThreads, [&](int) { drain(); });
  drain();
  errors.check();
  const std::set<int64_t> distinct(leased.begin(), leased.end());
  CHECK(leased.size() == kNotes);
  CHECK(distinct.size() == kNotes);
  // Leased: nothing is due again before the lease runs out, everything after.
  auto again = s.store->ports().outbox().due_notifications(now + 59s, 100, 60s);
  REQUIRE(again.ok());
  CHECK(again->empty());
  auto after = s.store->ports().outbox().due_notifications(now + 60s, 100, 60s);
  REQUIRE(after.ok());
  CHECK(after->size() == kNotes);
}

TEST_CASE("conformance: force_fail_due from several threads closes each batch once") {
  Suite s;
  s.sign("AG1");
  constexpr int kBatches = 4;
  constexpr int kItems = 300;
  const Instant force_fail = kT0 + 10h;
  for (int b = 1; b <= kBatches; ++b) s.load_batch("B00" + std::to_string(b), kItems, force_fail);
  // Some items sent (SENDING: 3001), the others never (3002), some of those still packed.
  auto sent = s.store->ports().batches().claim_debits("CB1", 50, kT0 + 1h, "node1");
  REQUIRE(sent.ok());
  REQUIRE(sent->size() == 50);
  std::vector<Result<batch::ForceFailRound>> rounds(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    rounds[static_cast<size_t>(i)] =
        s.store->ports().batches().force_fail_due(force_fail, "job:force-fail:" + std::to_string(i));
  });
  std::map<std::string, int> closed;
  for (const auto& r : rounds) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    for (const auto& [k, e] : r->failed) FAIL_CHECK(k.batch_no << ": " << e.to_string());
    for (const auto& k : r->closed) ++closed[k.batch_no];
  }
  REQUIRE(closed.size() == kBatches);
  for (int b = 1; b <= kBatches; ++b) {
    const std::string batch_no = "B00" + std::to_string(b);
    CAPTURE(batch_no);
    CHECK(closed[batch_no] == 1);
    auto summary = s.store->ports().batches().batch("CC01", batch_no);
    REQUIRE(summary.ok());
    REQUIRE(summary->has_value());
    CHECK((*summary)->state == batch::BatchState::kClosed);
    CHECK((*summary)->open == 0);
    CHECK((*summary)->forced == kItems);
    CHECK((*summary)->failed == kItems);
    auto audit = s.store->ports().audit().audit_of("batch", "CC01:" + batch_no);
    REQUIRE(audit.ok());
    int closes = 0;
    for (const auto& row : *audit) closes += row.new_state == "CLOSED" ? 1 : 0;
    CHECK(closes == 1);
    int twice = 0;
    for (int seq = 1; seq <= kItems; ++seq) {
      auto item = s.store->ports().audit().audit_of("batch_item", "CC01:" + batch_no + ":" + std::to_string(seq));
      REQUIRE(item.ok());
      int failed = 0;
      for (const auto& row : *item) failed += row.new_state == "FAILED" ? 1 : 0;
      twice += failed == 1 ? 0 : 1;
    }
    CHECK(twice == 0);  // every item force-failed once
  }
  int lines = 0;
  REQUIRE(s.store->ports().batches().for_each_return_line("CC01", "B001", [&](const batch::ReturnRow& r) -> Status {
    lines += r.state == batch::ItemState::kFailed ? 1 : 0;
    return ok_status();
  }).ok());
  CHECK(lines == kItems);
}

TEST_CASE("conformance: statements and posting files stored at once get versions 1..n, one USED") {
  Suite s;
  std::vector<Result<settlement::StoredStatement>> statements(kThreads, make_error("TEST", "not run"));
  std::vector<Result<settlement::PostingStored>> postings(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    settlement::StatementFile f;
    f.channel_id = "CB1";
    f.date = kDay;
    f.path = "statements/CB1_" + std::to_string(i) + ".txt";
    f.sha256 = "statement-sha-" + std::to_string(i);
    statements[static_cast<size_t>(i)] = s.store->ports().recon().record_statement(f, kT0);
    settlement::PostingFileInfo p;
    p.center_id = "CC01";
    p.post_date = kDay;
    p.file_name = "POST_CC01_20261121_" + std::to_string(i) + ".txt";
    p.sha256 = "posting-sha-" + std::to_string(i);
    postings[static_cast<size_t>(i)] = s.store->ports().center_files().store_posting_file(
        p, [](const settlement::CenterFilesStore::PostingSink&) { return ok_status(); }, kT0, "test");
  });
  std::set<int> statement_versions, posting_versions;
  int used = 0;
  for (const auto& r : statements) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->created);
    statement_versions.insert(r->version);
  }
  for (const auto& r : postings) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK_FALSE(r->already);
    posting_versions.insert(r->record.version);
    used += r->record.status == settlement::kPostingUsed ? 1 : 0;
  }
  std::set<int> one_to_n;
  for (int v = 1; v <= kThreads; ++v) one_to_n.insert(v);
  CHECK(statement_versions == one_to_n);
  CHECK(posting_versions == one_to_n);
  CHECK(used == 1);
}

TEST_CASE("conformance: the day's SETTLE file recorded by several threads at once is recorded once") {
  Suite s;
  std::vector<Result<settlement::SettleVersion>> got(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    got[static_cast<size_t>(i)] =
        s.store->ports().center_files().record_settle_file("CC01", kDay, "H|header " + std::to_string(i), kT0);
  });
  int created = 0;
  std::set<std::string> headers;
  for (const auto& r : got) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    created += r->created ? 1 : 0;
    CHECK(r->version == 1);
    headers.insert(r->header);
  }
  CHECK(created == 1);
  CHECK(headers.size() == 1);  // every writer answered with the first one's file
}

TEST_CASE("conformance: one card pair signed by several threads at once is one ACTIVE agreement") {
  Suite s;
  std::vector<Result<signing::SigningRecord>> got(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    const std::string req_no = "SIGN" + std::to_string(i);
    auto cl = s.store->ports().signing().claim("CC01", req_no, "sign3", "canonical " + req_no, kT0, 120s);
    if (!cl) {
      got[static_cast<size_t>(i)] = cl.error();
      return;
    }
    got[static_cast<size_t>(i)] = s.store->ports().signing().finish(
        testing::collect_signed("CC01", req_no, cl->token, "AG" + std::to_string(100 + i), kT0));
  });
  std::set<std::string> agreements;
  for (const auto& r : got) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    agreements.insert(r->agreement_no);
  }
  REQUIRE(agreements.size() == 1);
  auto audit = s.store->ports().audit().audit_of("agreement", *agreements.begin());
  REQUIRE(audit.ok());
  CHECK(audit->size() == 1);  // created once
}

TEST_CASE("conformance: rejections of one batchNo recorded by several threads at once get 1..n") {
  Suite s;
  std::vector<Result<int>> got(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    batch::FileRecord f;
    f.center_id = "CC01";
    f.file_name = "REPAY_CC01_20261121_B001_" + std::to_string(i) + ".txt";
    f.sha256 = "rejected-sha-" + std::to_string(i);
    f.received_at = kT0;
    f.status = "F1";
    f.batch_no = "B001";
    f.batch_date = "20261121";
    got[static_cast<size_t>(i)] = s.store->ports().batches().record_rejection(f);
  });
  std::set<int> numbers;
  for (const auto& r : got) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    numbers.insert(*r);
  }
  std::set<int> one_to_n;
  for (int n = 1; n <= kThreads; ++n) one_to_n.insert(n);
  CHECK(numbers == one_to_n);
  auto due = s.store->ports().batches().rejections_due();
  REQUIRE(due.ok());
  std::set<std::string> files;
  for (const auto& f : *due) files.insert(f.return_file);
  CHECK(files.size() == static_cast<size_t>(kThreads));  // each its own return file
}

TEST_CASE("conformance: one contradiction reported by several threads at once is one open exception") {
  Suite s;
  s.sign("AG1");
  const std::string txn = s.success_repayment("R1", 100);
  std::vector<Result<realtime::RepaymentView>> got(kThreads, make_error("TEST", "not run"));
  at_once(kThreads, [&](int i) {
    batch::BankFact more;  // a debit of another amount than the one sent
    more.kind = batch::BankFact::Kind::kSuccess;
    more.amount = 101;
    got[static_cast<size_t>(i)] =
        s.store->ports().realtime().apply_repayment_fact(txn, more, kT0 + 2s, kT0 + 2s, "node" + std::to_string(i));
  });
  for (const auto& r : got) {
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->state == debit::ItemState::kSuccess);
  }
  auto open = s.store->ports().center_files().review_counts("CC01");
  REQUIRE(open.ok());
  CHECK(open->exceptions == 1);
}

}  // namespace
}  // namespace repay::store::conformance
