// RealtimeService over the real store with group commit: what the channel says about a call is
// stored however the store behaves meanwhile, and a call never stays SENDING while the process
// runs (issue 16) — a bank answer that arrives while another process holds SQLite's write lock
// past the writer's busy wait is stored once the lock goes, and the card center, told
// PROCESSING meanwhile, is notified; a success of another amount than the one sent closes the
// repayment FAILED 3001 with one exception, however often the channel repeats it.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/channel_port.h"
#include "core/clock.h"
#include "core/mask.h"
#include "db/sqlite/connection.h"
#include "realtime/facts.h"
#include "realtime/service.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::store {
namespace {

using std::chrono::milliseconds;

// Keeps each call and its completion; the test answers them.
class HeldChannel final : public ChannelPort {
 public:
  void submit(channel::ChannelCall call, std::function<void(channel::ChannelResult)> done) override {
    std::lock_guard lock(mu);
    calls.emplace_back(std::move(call), std::move(done));
    cv.notify_all();
  }
  bool wait_calls(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls.size() >= n; });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<channel::ChannelCall, std::function<void(channel::ChannelResult)>>> calls;
};

channel::ChannelResult debit_success(const std::string& req_sn) {
  channel::ChannelResult r;
  r.outcome = channel::Outcome::kAnswered;
  r.ret_code = "0000";
  r.mapping = codes::ChannelMapping{codes::ChannelClass::kSuccess, "0000"};
  r.fields = {{"RetCode", "0000"}, {"ReqSn", req_sn}, {"ChannelTxnNo", "CT1"}, {"SettleDate", "20261207"}};
  r.http_status = 200;
  return r;
}

// A store with group commit and one active agreement, a service over it whose timers are
// threads (joined at the end, including those started meanwhile).
struct Fixture {
  testing::TempDir dir;
  std::string path = dir.path + "/repay.db";
  Result<crypto::FieldCipher> key = crypto::FieldCipher::from_hex_key(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  crypto::FieldCipher& cipher = *key;
  std::unique_ptr<testing::TestStores> opened;
  Stores* store = nullptr;
  signing::Agreement agreement;
  HeldChannel channel;
  SystemClock clock;
  std::mutex timers_mu;
  std::deque<std::thread> timers;
  std::unique_ptr<realtime::RealtimeService> service;
  realtime::RealtimeCenter center;
  std::unique_ptr<Connection> other;  // another process's connection

  Fixture() {
    auto ts = testing::TestStores::open(path, cipher);
    REQUIRE_MESSAGE(ts.ok(), ts.error().to_string());
    opened = std::move(*ts);
    store = &opened->stores();
    REQUIRE(store->enable_group_commit().ok());
    agreement.agreement_no = "AG1";
    agreement.center_id = "CC01";
    agreement.kind = signing::kCollect;
    agreement.channel_id = "BANKA";
    agreement.state = signing::AgreementState::kActive;
    agreement.holder.credit_card = "4111111111111111";
    realtime::RealtimeOptions options;
    options.busy_backoff = milliseconds(100);
    options.store_retry_max = milliseconds(500);
    service = std::make_unique<realtime::RealtimeService>(
        store->realtime(),
        [this](const std::string&) -> Result<std::optional<signing::Agreement>> {
          return std::optional<signing::Agreement>(agreement);
        },
        channel, clock, [](std::function<void()> fn) { fn(); },
        [this](milliseconds after, std::function<void()> fn) {
          std::lock_guard lock(timers_mu);
          timers.emplace_back([after, fn = std::move(fn)] {
            std::this_thread::sleep_for(after);
            fn();
          });
        },
        options);
    center.center_id = "CC01";
    center.timeout = milliseconds(1500);
    center.default_notify_url = "http://127.0.0.1:9/notify";
    auto o = db::sqlite::Connection::open(path, Durability::kPowerLoss);
    REQUIRE(o.ok());
    other = std::move(*o);
    const std::string card = agreement.holder.credit_card, debit = "6222021234567890128",
                      id_no = "110101199003077777";
    auto s = other->prepare(
        "INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
        "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
        "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) "
        "VALUES ('AG1', 'CC01', 'COLLECT', 'BANKA', 'ACTIVE', ?, ?, ?, ?, ?, ?, 'Zhang San', '01', ?, ?, ?, 0, 0)");
    REQUIRE(s.ok());
    REQUIRE(s->bind_blob(1, cipher.encrypt(card)).bind(2, cipher.lookup_hash(card)).bind(3, mask_card(card))
                .bind_blob(4, cipher.encrypt(debit)).bind(5, cipher.lookup_hash(debit)).bind(6, mask_card(debit))
                .bind_blob(7, cipher.encrypt(id_no)).bind(8, cipher.lookup_hash(id_no)).bind(9, mask_id(id_no))
                .run().ok());
  }
  ~Fixture() {
    for (;;) {
      std::thread t;
      {
        std::lock_guard lock(timers_mu);
        if (timers.empty()) break;
        t = std::move(timers.front());
        timers.pop_front();
      }
      t.join();
    }
    store->stop_group_commit();
  }
  std::string text(const std::string& sql) {
    auto s = other->prepare(sql);
    REQUIRE(s.ok());
    auto row = s->step();
    REQUIRE(row.ok());
    return *row ? s->text(0) : std::string();
  }
  template <typename Pred>
  bool wait_for(Pred pred, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return true;
  }
};

}  // namespace

TEST_CASE("real time: a bank answer the store cannot take in time is stored once it can; PROCESSING is notified") {
  Fixture f;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> answers;
  f.service->repay(f.center,
                   {{"ReqNo", "R1"}, {"AgreementNo", "AG1"}, {"CreditCardNo", "4111111111111111"}, {"Amount", "1000"}},
                   [&](ApiAnswer a) {
                     std::lock_guard lock(mu);
                     answers.push_back(a.resp_code);
                     cv.notify_all();
                   });
  REQUIRE(f.channel.wait_calls(1));  // claimed (SENDING, durable), DEBIT sent
  const std::string req_sn = f.channel.calls[0].first.req_sn;
  CHECK(f.text("SELECT state FROM repayments WHERE req_no = 'R1'") == "SENDING");

  // Another process takes the write lock; the bank's answer comes meanwhile. The writer waits
  // for the lock (10 s or more, db/sqlite/connection.cc) and gives up; so does the timeout's
  // PROCESSING mark — the card center is told PROCESSING all the same.
  REQUIRE(f.other->exec("BEGIN IMMEDIATE").ok());
  f.channel.calls[0].second(debit_success(req_sn));
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return !answers.empty(); }));
  }
  CHECK(answers.front() == "0001");
  REQUIRE(f.other->exec("ROLLBACK").ok());

  // The lock gone, the running service stores what the bank said and owes a notification.
  const bool final = f.wait_for([&] {
    return f.text("SELECT state FROM repayments WHERE req_no = 'R1'") == "SUCCESS";
  }, std::chrono::seconds(30));
  CHECK_MESSAGE(final, "still " << f.text("SELECT state FROM repayments WHERE req_no = 'R1'"));
  const std::string txn = f.text("SELECT txn_no FROM repayments WHERE req_no = 'R1'");
  CHECK(f.wait_for([&] {
    return f.text("SELECT count(*) FROM notifications WHERE key = 'REPAY:" + txn + "'") == "1";
  }, std::chrono::seconds(30)));
  CHECK(f.text("SELECT body_fields FROM notifications WHERE key = 'REPAY:" + txn + "'").find("SUCCESS") !=
        std::string::npos);
  CHECK(f.channel.calls.size() == 1);  // nothing sent again
  std::lock_guard lock(mu);
  CHECK(answers.size() == 1);
}

TEST_CASE("real time: a success of another amount closes the repayment FAILED 3001, one exception however often told") {
  Fixture f;
  std::mutex mu;
  std::vector<ApiAnswer> answers;
  f.service->repay(f.center,
                   {{"ReqNo", "R2"}, {"AgreementNo", "AG1"}, {"CreditCardNo", "4111111111111111"}, {"Amount", "1000"}},
                   [&](ApiAnswer a) {
                     std::lock_guard lock(mu);
                     answers.push_back(std::move(a));
                   });
  REQUIRE(f.channel.wait_calls(1));
  const std::string req_sn = f.channel.calls[0].first.req_sn;
  // No answer from the bank: the card center is told PROCESSING at its timeout.
  REQUIRE(f.wait_for([&] {
    std::lock_guard lock(mu);
    return !answers.empty();
  }, std::chrono::seconds(10)));
  CHECK(answers.front().resp_code == "0001");
  const std::string txn = f.text("SELECT txn_no FROM repayments WHERE req_no = 'R2'");
  const std::string sent = f.text("SELECT debit_amount FROM repayments WHERE req_no = 'R2'");
  REQUIRE(sent == "1000");
  // The bank notifies a debit of 1001 fen (we sent 1000), twice; a QUERY would say the same.
  const std::map<std::string, std::string> notify = {
      {"TxCode", "DEBIT"}, {"ReqSn", req_sn}, {"Status", "SUCCESS"}, {"RetCode", "0000"},
      {"ChannelTxnNo", "CT2"}, {"Amount", "1001"}, {"SettleDate", "20261207"}};
  for (int i = 0; i < 2; ++i) {
    auto applied = f.service->on_notify("BANKA", notify);
    REQUIRE_MESSAGE(applied.ok(), applied.error().to_string());
    CHECK(*applied);
  }
  CHECK(f.text("SELECT state FROM repayments WHERE txn_no = '" + txn + "'") == "FAILED");
  CHECK(f.text("SELECT resp_code FROM repayments WHERE txn_no = '" + txn + "'") == "3001");
  CHECK(f.text("SELECT count(*) FROM exceptions WHERE ref = 'R:" + txn + "'") == "1");
  CHECK(f.text("SELECT detail FROM exceptions WHERE ref = 'R:" + txn + "'").find("1001") != std::string::npos);
  // Told PROCESSING: the card center is notified of the final state, once.
  CHECK(f.text("SELECT count(*) FROM notifications WHERE key = 'REPAY:" + txn + "'") == "1");
  const std::string body = f.text("SELECT body_fields FROM notifications WHERE key = 'REPAY:" + txn + "'");
  CHECK(body.find("FAILED") != std::string::npos);
  CHECK(body.find("3001") != std::string::npos);
  // Nothing is open for the resolver to ask about or send again.
  auto work = f.store->realtime().claim_realtime_work(f.clock.now() + std::chrono::hours(1), 64, std::chrono::seconds(30), "node1");
  REQUIRE(work.ok());
  CHECK(work->empty());
}

TEST_CASE("real time: the rule of an amount that differs, for any open call (repayment or refund)") {
  batch::BankFact fact;
  fact.kind = batch::BankFact::Kind::kSuccess;
  fact.amount = 1001;
  using debit::ItemState;
  for (ItemState state : {ItemState::kSending, ItemState::kUnknown, ItemState::kPending}) {
    CAPTURE(debit::to_text(state));
    auto step = realtime::next_step(state, 1000, fact);
    CHECK(step.t.kind == batch::Transition::Kind::kApply);
    CHECK(step.t.state == ItemState::kFailed);
    CHECK(step.t.resp_code == "3001");
    CHECK_FALSE(step.exception.empty());
  }
  // Final already: an exception only.
  auto step = realtime::next_step(ItemState::kFailed, 1000, fact);
  CHECK(step.t.kind == batch::Transition::Kind::kNone);
  CHECK_FALSE(step.exception.empty());
  // The amount sent: applied as before.
  fact.amount = 1000;
  step = realtime::next_step(ItemState::kSending, 1000, fact);
  CHECK(step.t.state == ItemState::kSuccess);
  CHECK(step.exception.empty());
}

}  // namespace repay::store
