// Real-time repayment, refund and query (center-api.md). The card center's app waits: each call
// answers within the center's realtime_timeout — SUCCESS/FAILED, or PROCESSING (0001) with the
// final result following by query and by notification. Every claim and its ReqSn are stored
// before the channel call, so no retry of a request, however timed, debits or refunds twice.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/api_answer.h"
#include "core/channel_port.h"
#include "core/clock.h"
#include "core/fee.h"
#include "realtime/ports.h"
#include "realtime/requests.h"
#include "signing/agreement.h"

namespace repay::realtime {

struct RealtimeCenter {
  std::string center_id;
  bool luhn_check = true;
  Fen per_item_limit = 5'000'000;
  FeeRule fee_collect;
  FeeRule fee_quick;
  std::chrono::milliseconds timeout{10000};  // realtime_timeout
  std::string default_notify_url;
  std::vector<std::string> notify_url_prefixes;
};

using Reply = std::function<void(ApiAnswer)>;
using Post = std::function<void(std::function<void()>)>;
using PostAfter = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
using AgreementLookup = std::function<Result<std::optional<signing::Agreement>>(const std::string&)>;

struct RealtimeOptions {
  std::string node = "node1";
  // query: a PROCESSING repayment whose last look at the channel is older than this is asked
  // about (QUERY) before answering.
  std::chrono::milliseconds query_refresh{5000};
  std::chrono::milliseconds query_wait{3000};  // how long query waits for that QUERY's answer
  std::vector<std::chrono::milliseconds> query_backoff = {
      std::chrono::seconds(2), std::chrono::seconds(5), std::chrono::seconds(15),
      std::chrono::seconds(30), std::chrono::seconds(60), std::chrono::seconds(120)};
  std::chrono::milliseconds busy_backoff{300};
  // A bank's answer the store could not take (busy past its wait) is stored again after
  // busy_backoff, doubling up to this, for as long as the process runs.
  std::chrono::milliseconds store_retry_max{10000};
};

class RealtimeService {
 public:
  RealtimeService(RealtimeStore& store, AgreementLookup agreements, ChannelPort& channels,
                  const Clock& clock, Post post, PostAfter post_after, RealtimeOptions options);

  void repay(const RealtimeCenter& center, const Fields& fields, Reply reply);
  void refund(const RealtimeCenter& center, const Fields& fields, Reply reply);
  void query(const RealtimeCenter& center, const Fields& fields, Reply reply);

  // Background: resends what was busy and queries what is unknown. Returns the calls made.
  int resolve_once(int max = 64);
  // A channel's notification about a real-time DEBIT or REFUND. False when the ReqSn is not ours.
  Result<bool> on_notify(const std::string& channel, const std::map<std::string, std::string>& fields);

 private:
  struct Waiter;
  Instant retry_time(const debit::BankFact& f, int query_count) const;
  void repay_now(const RealtimeCenter& center, const Fields& fields, Reply reply);
  void claimed_repay(const RealtimeCenter& center, Result<RepayClaim> claim, Reply reply);
  void send_repay(const RealtimeCenter& center, const RepaymentView& v, const DebitFields& d,
                  Reply reply);
  void send_refund(const RealtimeCenter& center, const RefundView& v, Reply reply);
  void answer_later_repay(const std::string& txn_no, Reply reply);
  void answer_later_refund(const std::string& refund_no, Reply reply);
  // A bank's fact about a call, stored until it is (the call stays SENDING or UNKNOWN until
  // then); `stored` follows once it is (for a repayment: durable). `attempt` counts the tries.
  void store_repay_fact(const std::string& txn_no, const debit::BankFact& f, int query_count,
                        const std::string& actor, int attempt,
                        std::function<void(const RepaymentView&)> stored);
  void store_refund_fact(const std::string& refund_no, const debit::BankFact& f, int query_count,
                         const std::string& actor, int attempt,
                         std::function<void(const RefundView&)> stored);
  void store_told_processing(const std::string& txn_no, int attempt);
  // Runs `again` after a wait growing with `attempt` (options_.busy_backoff ... store_retry_max).
  void retry_store(int attempt, std::function<void()> again);
  static constexpr int kAlertAfterTries = 10;

  RealtimeStore& store_;
  AgreementLookup agreements_;
  ChannelPort& channels_;
  const Clock& clock_;
  Post post_;
  PostAfter post_after_;
  RealtimeOptions options_;
};

}  // namespace repay::realtime
