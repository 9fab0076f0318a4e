// The channel client against a fake bank over real HTTP on loopback.
#include "channel/channel_client.h"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>

#include "channel/fake_bank_test_util.h"

namespace repay::channel {
namespace {

using namespace std::chrono_literals;
using testing::BankReply;
using testing::FakeBank;

constexpr const char* kCard = "6222020000000001234";

ChannelEndpoint endpoint_for(const FakeBank& bank) {
  ChannelEndpoint e;
  e.channel_id = testing::kChannelId;
  e.kind = "COLLECT";
  e.base_url = bank.base_url();
  e.merchant_id = testing::kMerchantId;
  e.secrets = {testing::kSecret};
  e.max_inflight = 10;
  e.max_tps = 1000;
  e.connect_timeout = 1000ms;
  e.request_timeout = 2000ms;
  return e;
}

ChannelCall debit(const std::string& req_sn, Priority p = Priority::kRealtime) {
  ChannelCall c;
  c.channel_id = testing::kChannelId;
  c.tx_code = "DEBIT";
  c.req_sn = req_sn;
  c.priority = p;
  c.fields = {{"Amount", "10050"}, {"CardNo", kCard}, {"Name", "Zhang San"},
              {"IdType", "01"}, {"IdNo", "11010519491231002X"}};
  return c;
}

FakeBank::Script reply(BankReply r) {
  return [r](const wire::XmlMessage&) { return r; };
}

// One call against a bank that answers `r`.
ChannelResult one_call(BankReply r, ChannelEndpoint (*tweak)(ChannelEndpoint) = nullptr) {
  FakeBank bank(reply(std::move(r)));
  SystemClock clock;
  auto e = endpoint_for(bank);
  if (tweak != nullptr) e = tweak(e);
  ChannelClient client({e}, clock);
  client.start();
  return client.call(debit("SN0001"));
}

void no_card_in(const ChannelResult& r) { CHECK(r.detail.find(kCard) == std::string::npos); }

}  // namespace

TEST_CASE("success answer: answered, success, fields kept") {
  BankReply r;
  r.fields = {{"ChannelTxnNo", "CT001"}, {"SettleDate", "20261121"}};
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kAnswered);
  CHECK(res.http_status == 200);
  CHECK(res.ret_code == "0000");
  CHECK(res.mapping.cls == codes::ChannelClass::kSuccess);
  CHECK(res.mapping.ours == "0000");
  CHECK(res.field("ChannelTxnNo") == "CT001");
  CHECK(res.field("SettleDate") == "20261121");
}

TEST_CASE("decline 3001: answered, declined, ours 1001") {
  BankReply r;
  r.ret_code = "3001";
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kAnswered);
  CHECK(res.mapping.cls == codes::ChannelClass::kDeclined);
  CHECK(res.mapping.ours == "1001");
}

TEST_CASE("RetCode 9999: answered with an unknown class") {
  BankReply r;
  r.ret_code = "9999";
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kAnswered);
  CHECK(res.mapping.cls == codes::ChannelClass::kUnknown);
}

TEST_CASE("RetCode 9001 is busy") {
  BankReply r;
  r.ret_code = "9001";
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kBusy);
  CHECK(res.ret_code == "9001");
}

TEST_CASE("HTTP 429 is busy") {
  BankReply r;
  r.status = 429;
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kBusy);
  CHECK(res.http_status == 429);
  CHECK(res.mapping.cls == codes::ChannelClass::kBusy);
}

TEST_CASE("HTTP 500 is unknown") {
  BankReply r;
  r.status = 500;
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kUnknown);
  CHECK(res.http_status == 500);
  CHECK(res.detail == "HTTP 500");
}

TEST_CASE("an answer later than request_timeout is unknown") {
  BankReply r;
  r.delay = 800ms;
  auto res = one_call(r, [](ChannelEndpoint e) {
    e.request_timeout = 200ms;
    return e;
  });
  CHECK(res.outcome == Outcome::kUnknown);
  CHECK(res.detail.rfind("timeout", 0) == 0);
  CHECK(res.elapsed < 700ms);
  no_card_in(res);
}

TEST_CASE("nothing listening: unknown, not failed") {
  SystemClock clock;
  ChannelEndpoint e;
  e.channel_id = testing::kChannelId;
  e.base_url = "http://127.0.0.1:1/bank";
  e.merchant_id = testing::kMerchantId;
  e.secrets = {testing::kSecret};
  ChannelClient client({e}, clock);
  client.start();
  auto res = client.call(debit("SN1"));
  CHECK(res.outcome == Outcome::kUnknown);
  CHECK(res.http_status == 0);
  CHECK(res.detail.rfind("transport", 0) == 0);
}

TEST_CASE("unsigned, badly signed or foreign-signed answers are unknown") {
  for (auto s : {BankReply::Signing::kNone, BankReply::Signing::kWrongSecret,
                 BankReply::Signing::kWrongSender}) {
    BankReply r;
    r.signing = s;
    auto res = one_call(r);
    CHECK(res.outcome == Outcome::kUnknown);
    CHECK(res.fields.empty());
    CHECK(!res.detail.empty());
  }
}

TEST_CASE("an answer signed with the channel's next secret is accepted") {
  FakeBank bank(reply(BankReply{}));
  SystemClock clock;
  auto e = endpoint_for(bank);
  e.secrets = {"old-secret-not-used-by-bank", testing::kSecret};
  ChannelClient client({e}, clock);
  client.start();
  auto res = client.call(debit("SN1"));
  // The bank verifies with kSecret only: our request is signed with secrets[0] and fails there,
  // but the answer (signed with kSecret) verifies under our second secret.
  CHECK(res.outcome == Outcome::kAnswered);
  CHECK_FALSE(bank.seen().at(0).signature_ok);
}

TEST_CASE("an answer for another ReqSn is unknown") {
  BankReply r;
  r.req_sn = "SN9999";
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kUnknown);
  CHECK(res.detail.find("ReqSn") != std::string::npos);
}

TEST_CASE("an unlisted RetCode is unknown") {
  BankReply r;
  r.ret_code = "7777";
  auto res = one_call(r);
  CHECK(res.outcome == Outcome::kUnknown);
  CHECK(res.detail.find("7777") != std::string::npos);
  CHECK(res.ret_code.empty());
}

TEST_CASE("an unparseable or foreign-rooted answer is unknown") {
  BankReply r;
  r.body = "<ChannelResponse><RetCode>0000";
  CHECK(one_call(r).outcome == Outcome::kUnknown);
  r.body = wire::build_xml_message("Other", {{"TxCode", "DEBIT"}, {"ReqSn", "SN0001"},
                                             {"RetCode", "0000"}});
  CHECK(one_call(r).outcome == Outcome::kUnknown);
}

TEST_CASE("the request: fields in order, signed over POST <base path>/gateway") {
  FakeBank bank(reply(BankReply{}));
  SystemClock clock;
  ChannelClient client({endpoint_for(bank)}, clock);
  client.start();
  auto call = debit("SN42");
  call.fields.push_back({"MerchantId", "SPOOFED"});  // dropped: the client sets it
  REQUIRE(client.call(call).outcome == Outcome::kAnswered);
  auto seen = bank.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].signature_ok);
  CHECK(seen[0].sender == testing::kMerchantId);
  CHECK(seen[0].tx_code == "DEBIT");
  CHECK(seen[0].req_sn == "SN42");
  CHECK(seen[0].fields.at("MerchantId") == testing::kMerchantId);
  CHECK(seen[0].fields.at("ReqTime").size() == 14);
  CHECK(seen[0].fields.at("Amount") == "10050");
  CHECK(seen[0].fields.at("CardNo") == kCard);
}

TEST_CASE("max_inflight is never exceeded") {
  BankReply r;
  r.delay = 100ms;
  FakeBank bank(reply(r));
  SystemClock clock;
  auto e = endpoint_for(bank);
  e.max_inflight = 3;
  ChannelClient client({e}, clock);
  client.start();
  std::vector<std::future<ChannelResult>> results;
  for (int i = 0; i < 20; ++i) {
    results.push_back(std::async(std::launch::async, [&client, i] {
      return client.call(debit("SN" + std::to_string(i)));
    }));
  }
  for (auto& f : results) CHECK(f.get().outcome == Outcome::kAnswered);
  CHECK(bank.max_concurrent() <= 3);
  CHECK(bank.max_concurrent() >= 2);  // and the limit is actually used
  CHECK(bank.seen().size() == 20);
}

TEST_CASE("batch calls leave the real-time share of max_inflight free") {
  BankReply r;
  r.delay = 150ms;
  FakeBank bank(reply(r));
  SystemClock clock;
  auto e = endpoint_for(bank);
  e.max_inflight = 5;
  e.realtime_share = 0.4;  // batch: at most 3
  ChannelClient client({e}, clock);
  std::atomic<int> done{0};
  for (int i = 0; i < 9; ++i) {
    client.submit(debit("B" + std::to_string(i), Priority::kBatch), [&](ChannelResult) { ++done; });
  }
  client.start();
  std::this_thread::sleep_for(50ms);
  auto stats = client.stats(testing::kChannelId);
  CHECK(stats.inflight == 3);
  CHECK(stats.queued_batch == 6);
  // Real-time calls still get through at once while batch calls fill their share.
  auto t0 = std::chrono::steady_clock::now();
  auto rt = client.call(debit("R1"));
  CHECK(rt.outcome == Outcome::kAnswered);
  CHECK(std::chrono::steady_clock::now() - t0 < 300ms);
  while (done.load() < 9) std::this_thread::sleep_for(10ms);
  CHECK(bank.max_concurrent() <= 4);
}

TEST_CASE("real-time calls overtake queued batch calls; FIFO within a priority") {
  BankReply r;
  r.delay = 50ms;
  FakeBank bank(reply(r));
  SystemClock clock;
  auto e = endpoint_for(bank);
  e.max_inflight = 1;
  ChannelClient client({e}, clock);
  std::atomic<int> done{0};
  auto count = [&](ChannelResult) { ++done; };
  for (int i = 0; i < 4; ++i) client.submit(debit("B" + std::to_string(i), Priority::kBatch), count);
  client.start();
  // Wait until B0 is on the wire, then queue two real-time calls behind the three batch ones.
  while (client.stats(testing::kChannelId).inflight == 0) std::this_thread::sleep_for(1ms);
  client.submit(debit("R0"), count);
  client.submit(debit("R1"), count);
  while (done.load() < 6) std::this_thread::sleep_for(5ms);
  std::vector<std::string> order;
  for (const auto& s : bank.seen()) order.push_back(s.req_sn);
  CHECK(order == std::vector<std::string>{"B0", "R0", "R1", "B1", "B2", "B3"});
}

TEST_CASE("max_tps spaces the starts") {
  FakeBank bank(reply(BankReply{}));
  SystemClock clock;
  auto e = endpoint_for(bank);
  e.max_tps = 10;
  ChannelClient client({e}, clock);
  client.start();
  std::atomic<int> done{0};
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 15; ++i) client.submit(debit("T" + std::to_string(i)), [&](ChannelResult) { ++done; });
  while (done.load() < 15) std::this_thread::sleep_for(5ms);
  CHECK(std::chrono::steady_clock::now() - t0 >= 1000ms);
  auto seen = bank.seen();
  REQUIRE(seen.size() == 15);
  // No window of (a little under) one second holds more than max_tps arrivals.
  for (size_t i = 0; i < seen.size(); ++i) {
    int in_window = 0;
    for (size_t j = i; j < seen.size() && seen[j].at - seen[i].at < 950ms; ++j) ++in_window;
    CHECK(in_window <= 10);
  }
  // Smooth: not a burst of ten at once.
  CHECK(seen[3].at - seen[0].at >= 200ms);
}

TEST_CASE("a busy answer pauses the channel briefly") {
  FakeBank bank([](const wire::XmlMessage& m) {
    BankReply r;
    if (m.get("ReqSn") == "SN-BUSY") r.status = 429;
    return r;
  });
  SystemClock clock;
  ChannelClient client({endpoint_for(bank)}, clock);
  client.start();
  CHECK(client.call(debit("SN-BUSY")).outcome == Outcome::kBusy);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(client.call(debit("SN-NEXT")).outcome == Outcome::kAnswered);
  CHECK(std::chrono::steady_clock::now() - t0 >= 40ms);
}

TEST_CASE("stop completes queued and in-flight calls with shutdown") {
  BankReply r;
  r.delay = 500ms;
  FakeBank bank(reply(r));
  SystemClock clock;
  auto e = endpoint_for(bank);
  e.max_inflight = 1;
  ChannelClient client({e}, clock);
  std::mutex mu;
  std::vector<ChannelResult> results;
  for (int i = 0; i < 3; ++i) {
    client.submit(debit("S" + std::to_string(i)), [&](ChannelResult res) {
      std::lock_guard lk(mu);
      results.push_back(std::move(res));
    });
  }
  client.start();
  while (client.stats(testing::kChannelId).inflight == 0) std::this_thread::sleep_for(1ms);
  client.stop();
  {
    std::lock_guard lk(mu);
    REQUIRE(results.size() == 3);
    for (const auto& res : results) {
      CHECK(res.outcome == Outcome::kUnknown);
      CHECK(res.detail == "shutdown");
    }
  }
  auto after = client.call(debit("S9"));
  CHECK(after.detail == "shutdown");
}

TEST_CASE("unknown channel completes at once") {
  SystemClock clock;
  ChannelClient client({}, clock);
  auto call = debit("X");
  call.channel_id = "NOPE";
  auto res = client.call(call);
  CHECK(res.outcome == Outcome::kUnknown);
  CHECK(res.detail == "unknown channel");
  CHECK(client.endpoint("NOPE") == nullptr);
}

TEST_CASE("fetch_statement: 200 signed, 404 not ready") {
  FakeBank bank(reply(BankReply{}));
  SystemClock clock;
  ChannelClient client({endpoint_for(bank)}, clock);
  Date day(2026, 11, 21);

  auto missing = client.fetch_statement(testing::kChannelId, day);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "NOT_READY");

  bank.set_statement("H|BANKA|20261121|0|0\n");
  auto got = client.fetch_statement(testing::kChannelId, day);
  REQUIRE(got.ok());
  CHECK(*got == "H|BANKA|20261121|0|0\n");
  CHECK(bank.last_statement_target() == "/bank/statement?date=20261121");
  CHECK(bank.last_statement_signature_ok());

  auto unknown = client.fetch_statement("NOPE", day);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == "IO");
}

}  // namespace repay::channel
