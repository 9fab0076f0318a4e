// RealtimeService over the real store with group commit, while another process holds SQLite's
// write lock: the card center is answered 9999 within its realtime_timeout, and the claim that
// the writer reaches afterwards stores nothing and sends nothing (center-api.md; lessons.md:
// never both "failed, retry" and a debit).
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/channel_port.h"
#include "core/clock.h"
#include "core/mask.h"
#include "db/sqlite/connection.h"
#include "realtime/service.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::store {
namespace {

using std::chrono::milliseconds;

// Counts what would have gone to the bank; answers nothing.
class CountingChannel final : public ChannelPort {
 public:
  void submit(channel::ChannelCall, std::function<void(channel::ChannelResult)>) override { ++calls; }
  std::atomic<int> calls{0};
};

TEST_CASE("real-time claim: the database locked by another process; 9999 in time, nothing claimed later") {
  testing::TempDir dir;
  const std::string path = dir.path + "/repay.db";
  auto cipher = crypto::FieldCipher::from_hex_key(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  REQUIRE(cipher.ok());
  auto opened = testing::TestStores::open(path, *cipher);
  REQUIRE_MESSAGE(opened.ok(), opened.error().to_string());
  Stores& store = (*opened)->stores();
  REQUIRE(store.enable_group_commit().ok());

  signing::Agreement agreement;
  agreement.agreement_no = "AG1";
  agreement.center_id = "CC01";
  agreement.kind = signing::kCollect;
  agreement.channel_id = "BANKA";
  agreement.state = signing::AgreementState::kActive;
  agreement.holder.credit_card = "4111111111111111";
  CountingChannel channel;
  SystemClock clock;
  std::vector<std::thread> timers;
  std::mutex timers_mu;
  realtime::RealtimeService service(
      store.realtime(), [&](const std::string&) -> Result<std::optional<signing::Agreement>> { return std::optional<signing::Agreement>(agreement); },
      channel, clock, [](std::function<void()> fn) { fn(); },
      [&](milliseconds after, std::function<void()> fn) {
        std::lock_guard lock(timers_mu);
        timers.emplace_back([after, fn = std::move(fn)] {
          std::this_thread::sleep_for(after);
          fn();
        });
      },
      realtime::RealtimeOptions{});
  realtime::RealtimeCenter center;
  center.center_id = "CC01";
  center.timeout = milliseconds(1500);

  auto other = db::sqlite::Connection::open(path, Durability::kPowerLoss);  // another process's connection
  REQUIRE(other.ok());
  {
    // The agreement as signing stores it (encrypted, hashed, masked): the claim could succeed.
    const std::string debit = "6222021234567890128", id_no = "110101199003077777";
    auto s = (*other)->prepare(
        "INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
        "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
        "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) "
        "VALUES ('AG1', 'CC01', 'COLLECT', 'BANKA', 'ACTIVE', ?, ?, ?, ?, ?, ?, 'Zhang San', '01', ?, ?, ?, 0, 0)");
    REQUIRE(s.ok());
    const std::string& card = agreement.holder.credit_card;
    REQUIRE(s->bind_blob(1, cipher->encrypt(card)).bind(2, cipher->lookup_hash(card)).bind(3, mask_card(card))
                .bind_blob(4, cipher->encrypt(debit)).bind(5, cipher->lookup_hash(debit)).bind(6, mask_card(debit))
                .bind_blob(7, cipher->encrypt(id_no)).bind(8, cipher->lookup_hash(id_no)).bind(9, mask_id(id_no))
                .run().ok());
  }
  REQUIRE((*other)->exec("BEGIN IMMEDIATE").ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> answers;
  const auto asked = std::chrono::steady_clock::now();
  service.repay(center,
                {{"ReqNo", "R1"}, {"AgreementNo", "AG1"}, {"CreditCardNo", "4111111111111111"}, {"Amount", "1000"}},
                [&](ApiAnswer a) {
                  std::lock_guard lock(mu);
                  answers.push_back(a.resp_code);
                  cv.notify_all();
                });
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return !answers.empty(); }));
  }
  const auto waited = std::chrono::steady_clock::now() - asked;
  CHECK(answers.front() == "9999");
  CHECK(waited >= center.timeout / 3);
  CHECK(waited < center.timeout);  // within realtime_timeout

  // The lock goes; the writer reaches the claim, which must store nothing now.
  REQUIRE((*other)->exec("ROLLBACK").ok());
  bool after_done = false;
  store.realtime().write_then([] {}, [&](bool) {
    std::lock_guard lock(mu);
    after_done = true;
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return after_done; }));
  }
  for (auto& t : timers) t.join();
  CHECK(answers.size() == 1);  // answered once
  CHECK(channel.calls == 0);   // no DEBIT
  auto s = (*other)->prepare("SELECT count(*) FROM repayments WHERE req_no = 'R1'");
  REQUIRE(s.ok());
  auto row = s->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(s->integer(0) == 0);  // no claim
  store.stop_group_commit();
}

}  // namespace
}  // namespace repay::store
