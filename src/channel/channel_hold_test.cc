// ChannelClient::hold_new_calls (the first step of a shutdown): calls on the wire finish, queued
// ones never start and complete as unknown "shutdown" at stop(). Also what record_call counts.
#include <doctest/doctest.h>

#include <future>

#include "channel/channel_client.h"
#include "channel/channel_metrics.h"
#include "channel/fake_bank_test_util.h"
#include "ops/metrics.h"

namespace repay::channel {
namespace {

using namespace std::chrono_literals;
using testing::BankReply;
using testing::FakeBank;

ChannelCall debit_call(const std::string& req_sn) {
  ChannelCall c;
  c.channel_id = testing::kChannelId;
  c.tx_code = "DEBIT";
  c.req_sn = req_sn;
  c.fields = {{"Amount", "100"}, {"ProtocolNo", "P1"}};
  return c;
}

}  // namespace

TEST_CASE("hold_new_calls: the call on the wire finishes, the queued one is never sent") {
  FakeBank bank([](const wire::XmlMessage&) {
    BankReply r;
    r.delay = 300ms;
    return r;
  });
  SystemClock clock;
  ChannelEndpoint e;
  e.channel_id = testing::kChannelId;
  e.kind = "QUICK";
  e.base_url = bank.base_url();
  e.merchant_id = testing::kMerchantId;
  e.secrets = {testing::kSecret};
  e.max_inflight = 1;  // the second call waits in the queue
  e.max_tps = 1000;
  ChannelClient client({e}, clock);
  client.start();
  std::promise<ChannelResult> first, second;
  client.submit(debit_call("SN1"), [&](ChannelResult r) { first.set_value(std::move(r)); });
  for (int i = 0; i < 200 && client.stats(testing::kChannelId).inflight == 0; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(client.stats(testing::kChannelId).inflight == 1);
  client.hold_new_calls();
  client.submit(debit_call("SN2"), [&](ChannelResult r) { second.set_value(std::move(r)); });

  auto r1 = first.get_future().get();
  CHECK(r1.outcome == Outcome::kAnswered);
  CHECK(r1.ret_code == "0000");
  std::this_thread::sleep_for(100ms);  // a free slot: without the hold SN2 would start now
  CHECK(client.stats(testing::kChannelId).queued_realtime == 1);
  CHECK(client.stats(testing::kChannelId).inflight == 0);
  client.stop();
  auto r2 = second.get_future().get();
  CHECK(r2.outcome == Outcome::kUnknown);
  CHECK(r2.detail == "shutdown");
  CHECK(bank.seen().size() == 1);
}

TEST_CASE("record_call counts calls by outcome and times those that went on the wire") {
  ChannelResult answered;
  answered.outcome = Outcome::kAnswered;
  answered.ret_code = "3001";
  answered.elapsed = 20ms;
  ChannelCall c = debit_call("SN9");
  c.channel_id = "HOLDTEST";
  record_call(c, answered);
  ChannelResult not_sent;
  not_sent.outcome = Outcome::kNotSent;
  record_call(c, not_sent);
  const std::string t = ops::metrics().render();
  CHECK(t.find("repay_channel_calls_total{channel=\"HOLDTEST\",tx_code=\"DEBIT\",outcome=\"answered\",ret_code=\"3001\"} 1\n") != std::string::npos);
  CHECK(t.find("repay_channel_calls_total{channel=\"HOLDTEST\",tx_code=\"DEBIT\",outcome=\"not_sent\",ret_code=\"\"} 1\n") != std::string::npos);
  CHECK(t.find("repay_channel_call_seconds_count{channel=\"HOLDTEST\",tx_code=\"DEBIT\"} 1\n") != std::string::npos);
}

}  // namespace repay::channel
