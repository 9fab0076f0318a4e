// What a channel's answer, a QUERY's answer or a notification says about a DEBIT (facts.h).
#include "debit/facts.h"

#include <doctest/doctest.h>

#include "core/codes.h"
#include "debit/channel_result_test_util.h"

namespace repay::debit {
namespace {

using K = BankFact::Kind;
using testing::answered;
using testing::not_answered;

TEST_CASE("fact_from_debit: 0000 is a success with the ChannelTxnNo and SettleDate") {
  auto f = fact_from_debit(answered("0000", {{"ChannelTxnNo", "CT9"}, {"SettleDate", "20261121"}}));
  CHECK(f.kind == K::kSuccess);
  CHECK(f.channel_txn_no == "CT9");
  CHECK(f.settle_date == "20261121");
  CHECK(f.amount == -1);  // the DEBIT answer says no amount
}

TEST_CASE("fact_from_debit: declines map to our codes") {
  const std::pair<const char*, const char*> cases[] = {
      {"3001", "1001"}, {"3002", "1002"}, {"3003", "1003"}, {"3004", "1004"},
      {"3005", "1005"}, {"3099", "1099"}};
  for (const auto& [bank, ours] : cases) {
    CAPTURE(bank);
    auto f = fact_from_debit(answered(bank));
    CHECK(f.kind == K::kFailed);
    CHECK(f.code == ours);
  }
}

TEST_CASE("fact_from_debit: 1000 duplicate carries the original's state") {
  SUBCASE("SUCCESS") {
    auto f = fact_from_debit(answered(
        "1000", {{"Status", "SUCCESS"}, {"ChannelTxnNo", "CT1"}, {"SettleDate", "20261122"}}));
    CHECK(f.kind == K::kSuccess);
    CHECK(f.channel_txn_no == "CT1");
    CHECK(f.settle_date == "20261122");
  }
  SUBCASE("FAILED with OrigRetCode 3005 -> 1005") {
    auto f = fact_from_debit(answered("1000", {{"Status", "FAILED"}, {"OrigRetCode", "3005"}}));
    CHECK(f.kind == K::kFailed);
    CHECK(f.code == "1005");
  }
  SUBCASE("FAILED with an OrigRetCode that is no decline -> 1099") {
    auto f = fact_from_debit(answered("1000", {{"Status", "FAILED"}, {"OrigRetCode", "9999"}}));
    CHECK(f.kind == K::kFailed);
    CHECK(f.code == "1099");
  }
  SUBCASE("PROCESSING -> unknown") {
    auto f = fact_from_debit(answered("1000", {{"Status", "PROCESSING"}}));
    CHECK(f.kind == K::kUnknown);
  }
  SUBCASE("no Status -> unknown") {
    CHECK(fact_from_debit(answered("1000")).kind == K::kUnknown);
  }
}

TEST_CASE("fact_from_debit: processing, system error, busy, signature, no answer") {
  CHECK(fact_from_debit(answered("2000")).kind == K::kUnknown);
  CHECK(fact_from_debit(answered("9999")).kind == K::kUnknown);
  // 4001 did not register the request: sent again later (and an alert is raised).
  CHECK(fact_from_debit(answered("4001")).kind == K::kBusy);
  // 9001 answered as a RetCode (the client reports it kBusy) and as an HTTP 429.
  auto busy = answered("9001");
  busy.outcome = channel::Outcome::kBusy;
  CHECK(fact_from_debit(busy).kind == K::kBusy);
  CHECK(fact_from_debit(answered("9001")).kind == K::kBusy);
  CHECK(fact_from_debit(not_answered(channel::Outcome::kBusy, "HTTP 429")).kind == K::kBusy);
  auto not_sent = fact_from_debit(not_answered(channel::Outcome::kNotSent, "not_after passed"));
  CHECK(not_sent.kind == K::kNotSent);
  CHECK(not_sent.detail == "not_after passed");
  auto timeout = fact_from_debit(not_answered(channel::Outcome::kUnknown, "timeout"));
  CHECK(timeout.kind == K::kUnknown);
  CHECK(timeout.detail == "timeout");
}

TEST_CASE("fact_from_query: RetCode says only whether the query was answered") {
  CHECK(fact_from_query(answered("9999", {{"Status", "SUCCESS"}})).kind == K::kUnknown);
  CHECK(fact_from_query(answered("4001", {{"Status", "FAILED"}, {"OrigRetCode", "3001"}})).kind ==
        K::kUnknown);
  CHECK(fact_from_query(not_answered(channel::Outcome::kUnknown, "timeout")).kind == K::kUnknown);
  CHECK(fact_from_query(not_answered(channel::Outcome::kBusy, "HTTP 429")).kind == K::kUnknown);

  auto nf = fact_from_query(answered("0000", {{"Status", "NOT_FOUND"}}));
  CHECK(nf.kind == K::kNotFound);

  auto ok = fact_from_query(answered("0000", {{"Status", "SUCCESS"}, {"ChannelTxnNo", "CT5"},
                                              {"Amount", "10200"}, {"SettleDate", "20261121"}}));
  CHECK(ok.kind == K::kSuccess);
  CHECK(ok.amount == 10200);
  CHECK(ok.channel_txn_no == "CT5");

  auto failed = fact_from_query(
      answered("0000", {{"Status", "FAILED"}, {"OrigRetCode", "3001"}, {"Amount", "10200"}}));
  CHECK(failed.kind == K::kFailed);
  CHECK(failed.code == "1001");

  CHECK(fact_from_query(answered("0000", {{"Status", "PROCESSING"}})).kind == K::kUnknown);
  // A malformed amount is not an amount (never 0).
  auto bad = fact_from_query(answered("0000", {{"Status", "SUCCESS"}, {"Amount", "01"}}));
  CHECK(bad.amount == -1);
}

TEST_CASE("fact_from_notify") {
  auto f = fact_from_notify({{"Status", "SUCCESS"}, {"Amount", "500"}, {"ChannelTxnNo", "CT7"}});
  CHECK(f.kind == K::kSuccess);
  CHECK(f.amount == 500);
  auto d = fact_from_notify({{"Status", "FAILED"}, {"RetCode", "3003"}});
  CHECK(d.kind == K::kFailed);
  CHECK(d.code == "1003");
}

}  // namespace
}  // namespace repay::debit
