// The bank-channel client of channel-api.md over libcurl's multi interface: one event thread,
// kept-alive connections, per-channel max_inflight and max_tps, real-time calls ahead of batch
// calls with a share of capacity kept free for them, connect and request timeouts, signatures,
// and the outcome classes of codes.md (a timeout is unknown, never failure).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/codes.h"
#include "core/result.h"
#include "channel/channel_notify.h"  // ChannelNotify, parse_channel_notify

namespace repay::channel {

struct ChannelEndpoint {
  std::string channel_id;                 // the channel's id: expected X-Sender-Id of its answers
  std::string kind;                       // "COLLECT" or "QUICK"
  std::string base_url;                   // "https://bank.example/bank", no trailing slash
  std::string merchant_id;                // our MerchantId there: X-Sender-Id of what we send
  std::vector<std::string> secrets;       // [current, next?]: sign with [0], accept any
  int max_inflight = 50;
  int max_tps = 200;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
  double realtime_share = 0.2;            // fraction of max_inflight and max_tps batch may not use
  std::string ca_file;                    // for https; empty: system CAs
};

enum class Priority { kRealtime, kBatch };

struct ChannelCall {
  std::string channel_id;
  std::string tx_code;  // VERIFY3, SIGNAPPLY, SIGNCONFIRM, UNSIGN, DEBIT, QUERY, REFUND
  std::string req_sn;   // stored by the caller before the call when it matters (DEBIT, REFUND)
  std::vector<std::pair<std::string, std::string>> fields;  // MerchantId, ReqTime added here
  Priority priority = Priority::kRealtime;
  // When set: a call still queued at this time is never sent; it completes with kNotSent
  // (a batch item must not be sent after its force-fail time, files.md).
  Instant not_after{};
};

// codes.md / channel-api.md. RetCode 9999 is kAnswered with mapping.cls kUnknown: the channel did
// answer, but the outcome of the transaction is unknown (query, then resend the same ReqSn only on
// NOT_FOUND). Callers decide by mapping.cls, never by outcome alone. RetCode 4001 is kAnswered
// with mapping.cls kConfigError (raise an alert).
enum class Outcome {
  kAnswered,  // a signed, well-formed ChannelResponse for this TxCode and ReqSn, with a listed RetCode
  kBusy,      // RetCode 9001 or HTTP 429: not registered by the channel, send again later
  kNotSent,   // never sent: the call's not_after passed while it was queued
  kUnknown,   // anything else: timeout, reset, other HTTP status, unsigned/unparseable, unlisted code
};

struct ChannelResult {
  Outcome outcome = Outcome::kUnknown;
  std::string ret_code;                        // when answered (or busy by RetCode)
  std::string ret_msg;
  codes::ChannelMapping mapping{codes::ChannelClass::kUnknown, ""};  // kBusy when busy
  std::map<std::string, std::string> fields;   // every answer field, RetCode etc. included;
                                               // empty unless answered or busy by RetCode
  int http_status = 0;                         // 0 when no HTTP answer came
  std::string detail;                          // why unknown/busy, for logs (no card data);
                                               // "shutdown" when stop() ended the call
  std::chrono::milliseconds elapsed{0};        // the HTTP exchange, queueing not included
  std::string field(const std::string& name) const;  // "" when absent
};

// Threading: every public method may be called from any thread, except as noted. One event
// thread (started by start()) runs all transfers and every `done` callback. Per channel it keeps
// at most max_inflight calls in flight and starts at most max_tps a second (a token bucket of
// 50 ms worth of tokens, and no one-second window over max_tps); batch calls use at most
// floor((1 - realtime_share) x) of both (at least 1), so the rest stays free for real-time calls;
// a queued real-time call always starts before a queued batch call; FIFO within a priority. A
// busy answer pauses the channel's dispatching 50 ms, doubling up to 2 s while it stays busy.
// The client never resends by itself: busy and unknown calls are the caller's to submit again.
// Each send builds ReqTime and the signature at the moment it starts (not when queued).
class ChannelClient {
 public:
  ChannelClient(std::vector<ChannelEndpoint> endpoints, const Clock& clock);
  ~ChannelClient();  // stops; pending calls complete with kUnknown "shutdown"
  ChannelClient(const ChannelClient&) = delete;
  ChannelClient& operator=(const ChannelClient&) = delete;

  // Starts the event thread; calls submitted before are queued until then. No-op once started or
  // stopped (a stopped client cannot be restarted).
  void start();
  // Completes every queued and in-flight call with kUnknown "shutdown" (an in-flight call may
  // still have reached the channel: unknown, not failed) and joins the thread. Idempotent. From a
  // `done` callback it only asks the loop to end; the destructor (or a later stop() from another
  // thread) joins. The client must not be destroyed from its own thread.
  void stop();
  // Shutdown, first step: no queued call is started any more (they stay queued and complete with
  // kUnknown "shutdown" at stop()); calls in flight go on and complete normally. Irreversible.
  void hold_new_calls();

  // Queues the call; `done` runs exactly once on the client's thread (keep it short: post work
  // elsewhere; an exception from it is swallowed). An unknown channel_id, or a call submitted
  // after stop(), completes at once on the caller's thread with kUnknown ("unknown channel",
  // "shutdown"). Never blocks on the network.
  void submit(ChannelCall call, std::function<void(ChannelResult)> done);
  // Blocking convenience for CLI tools and tests; waits for start() if not started yet. Called from
  // the client's thread it returns kUnknown at once instead of deadlocking.
  ChannelResult call(ChannelCall call);

  // GET <base>/statement?date=yyyyMMdd, signed, answer signature verified. Errors: "NOT_READY"
  // on 404, "IO" otherwise (with the detail). Synchronous, outside the event thread, on one
  // kept-alive handle per channel (concurrent fetches of one channel wait for each other);
  // works whether or not start() was called. Timeout: max(request_timeout, 60 s).
  Result<std::string> fetch_statement(const std::string& channel_id, Date date);

  struct Stats {
    int inflight = 0;
    int queued_realtime = 0;
    int queued_batch = 0;
  };
  Stats stats(const std::string& channel_id) const;  // zeros for an unknown channel
  // nullptr for an unknown channel; valid as long as the client.
  const ChannelEndpoint* endpoint(const std::string& channel_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace repay::channel
