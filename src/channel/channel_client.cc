// The event loop of the channel client: one thread waits on the sockets libcurl uses
// (curl_events.h: epoll and curl_multi_socket_action); submit() queues under a mutex and wakes it
// through an eventfd. Each channel has its gate (rate_limiter.h), two FIFO
// queues (real-time first) and a pool of easy handles; the multi handle keeps the connections.
#include "channel/channel_client.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <tuple>
#include <future>
#include <mutex>
#include <thread>

#include <curl/curl.h>

#include "channel/channel_curl.h"
#include "channel/curl_events.h"
#include "channel/channel_metrics.h"
#include "core/message_log.h"
#include "channel/channel_message.h"
#include "channel/channel_statement.h"
#include "channel/rate_limiter.h"

namespace repay::channel {
namespace {

constexpr size_t kMaxAnswerBytes = size_t{1} << 20;
// The loop wakes at least this often even when nothing is due.
constexpr int kMaxPollMs = 1000;

struct Pending {
  ChannelCall call;
  std::function<void(ChannelResult)> done;
};

struct ChannelState {
  ChannelState(ChannelEndpoint e, SteadyTime now)
      : endpoint(std::move(e)),
        gate(endpoint.max_inflight, endpoint.max_tps, endpoint.realtime_share, now) {}
  ChannelEndpoint endpoint;
  // Guarded by Impl::mu.
  ChannelGate gate;
  std::deque<Pending> realtime;
  std::deque<Pending> batch;
  // Event thread only.
  std::vector<CURL*> idle_handles;
  // fetch_statement's own handle, under its own mutex.
  std::mutex statement_mu;
  CURL* statement_handle = nullptr;
};

struct Transfer {
  Transfer(ChannelState* c, Pending p) : channel(c), pending(std::move(p)), exchange(kMaxAnswerBytes) {}
  ChannelState* channel;
  Pending pending;
  CURL* easy = nullptr;
  CurlExchange exchange;
  SteadyTime started;
};

ChannelResult failed(std::string detail) {
  ChannelResult r;
  r.outcome = Outcome::kUnknown;
  r.detail = std::move(detail);
  return r;
}

void complete(Pending& p, ChannelResult r) {
  if (!p.done) return;
  try {
    p.done(std::move(r));
  } catch (...) {
    // A throwing callback must not take the event loop down; the call is complete regardless.
  }
}

}  // namespace

std::string ChannelResult::field(const std::string& name) const {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

struct ChannelClient::Impl {
  Impl(std::vector<ChannelEndpoint> endpoints, const Clock& c);
  ~Impl();

  void start();
  void stop();
  void submit(ChannelCall call, std::function<void(ChannelResult)> done);

  void run();
  void dispatch();
  void start_transfer(ChannelState& ch, Priority p, Pending pending);
  int collect();
  int poll_timeout_ms();
  void shutdown_all();

  const Clock& clock;
  std::map<std::string, std::unique_ptr<ChannelState>> channels;
  CURLM* multi = nullptr;
  std::unique_ptr<CurlEvents> events;  // drives multi; before it is cleaned up, gone

  mutable std::mutex mu;  // channel queues and gates, and the flags below
  bool started = false;
  bool stopping = false;
  bool stopped = false;  // queues drained: submit completes at once
  bool held = false;     // hold_new_calls(): nothing more is started

  std::mutex stop_mu;  // serialises joining the thread
  std::thread thread;
  std::atomic<std::thread::id> thread_id{};

  std::map<CURL*, std::unique_ptr<Transfer>> inflight;  // event thread only
};

ChannelClient::Impl::Impl(std::vector<ChannelEndpoint> endpoints, const Clock& c) : clock(c) {
  ensure_curl_global_init();
  long connections = 0;
  auto now = std::chrono::steady_clock::now();
  for (auto& e : endpoints) {
    std::string id = e.channel_id;
    if (channels.count(id) != 0) continue;
    connections += std::max(1, e.max_inflight);
    channels.emplace(id, std::make_unique<ChannelState>(std::move(e), now));
  }
  multi = curl_multi_init();
  // Our gates bound the requests; libcurl must never queue one of them, and must keep every
  // connection our limits allow open for reuse. Channels may share a host, hence the sum.
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, std::max(1L, connections));
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, std::max(1L, connections));
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_NOTHING));
  events = std::make_unique<CurlEvents>(multi);
}

ChannelClient::Impl::~Impl() {
  stop();
  for (auto& [id, ch] : channels) {
    for (CURL* e : ch->idle_handles) curl_easy_cleanup(e);
    std::lock_guard lk(ch->statement_mu);
    if (ch->statement_handle != nullptr) curl_easy_cleanup(ch->statement_handle);
  }
  events.reset();  // unhooks its callbacks first
  curl_multi_cleanup(multi);
}

void ChannelClient::Impl::start() {
  std::lock_guard lk(mu);
  if (started || stopping) return;
  started = true;
  thread = std::thread([this] { run(); });
  thread_id.store(thread.get_id());
}

void ChannelClient::Impl::stop() {
  {
    std::lock_guard lk(mu);
    stopping = true;
  }
  events->wake();
  if (std::this_thread::get_id() == thread_id) return;  // from a callback: the loop ends after it
  std::lock_guard sl(stop_mu);
  if (thread.joinable()) {
    thread.join();
  } else {
    shutdown_all();  // never started: complete what was queued, here
  }
}

void ChannelClient::Impl::submit(ChannelCall call, std::function<void(ChannelResult)> done) {
  Pending p{std::move(call), std::move(done)};
  auto it = channels.find(p.call.channel_id);
  if (it == channels.end()) {
    complete(p, failed("unknown channel"));
    return;
  }
  bool queued = false;
  {
    std::lock_guard lk(mu);
    if (!stopped) {
      auto& q = p.call.priority == Priority::kRealtime ? it->second->realtime : it->second->batch;
      q.push_back(std::move(p));
      queued = true;
    }
  }
  if (!queued) {
    complete(p, failed("shutdown"));
    return;
  }
  events->wake();
}

void ChannelClient::Impl::run() {
  thread_id.store(std::this_thread::get_id());
  for (;;) {
    {
      std::lock_guard lk(mu);
      if (stopping) break;
    }
    dispatch();
    events->run_due();            // transfers just added start here
    if (collect() > 0) continue;  // slots freed: dispatch before sleeping
    events->wait(poll_timeout_ms());
  }
  shutdown_all();
}

// Starts what the gates allow: per channel, real-time calls first, FIFO within a priority. A
// batch call never starts while a real-time one waits (the batch limits are the stricter ones).
void ChannelClient::Impl::dispatch() {
  std::vector<std::tuple<ChannelState*, Priority, Pending>> to_start;
  {
    std::lock_guard lk(mu);
    if (held) return;
    auto now = std::chrono::steady_clock::now();
    for (auto& [id, ch] : channels) {
      for (;;) {
        bool rt = !ch->realtime.empty();
        if (!rt && ch->batch.empty()) break;
        Priority p = rt ? Priority::kRealtime : Priority::kBatch;
        if (!ch->gate.may_start(p, now)) break;
        ch->gate.started(p, now);
        auto& q = rt ? ch->realtime : ch->batch;
        to_start.emplace_back(ch.get(), p, std::move(q.front()));
        q.pop_front();
      }
    }
  }
  for (auto& [ch, p, pending] : to_start) start_transfer(*ch, p, std::move(pending));
}

void ChannelClient::Impl::start_transfer(ChannelState& ch, Priority p, Pending pending) {
  auto t = std::make_unique<Transfer>(&ch, std::move(pending));
  std::string why;
  if (t->pending.call.not_after != Instant{} && clock.now() >= t->pending.call.not_after) {
    {
      std::lock_guard lk(mu);
      ch.gate.finished(p);
    }
    ChannelResult r;
    r.outcome = Outcome::kNotSent;
    r.detail = "not sent: its time ran out while queued";
    record_call(t->pending.call, r);
    complete(t->pending, std::move(r));
    return;
  }
  if (ch.endpoint.secrets.empty()) {
    why = "no secret configured for the channel";
  } else {
    t->exchange.request = build_gateway_request(ch.endpoint, t->pending.call, clock);
    log::message("channel", ch.endpoint.channel_id, "out", t->pending.call.tx_code, t->exchange.request.body);
    if (!ch.idle_handles.empty()) {
      t->easy = ch.idle_handles.back();
      ch.idle_handles.pop_back();
    } else {
      t->easy = curl_easy_init();
    }
    if (t->easy == nullptr) {
      why = "curl_easy_init failed";
    } else if (!prepare_easy(t->easy, ch.endpoint, t->exchange, ch.endpoint.request_timeout) ||
               curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
      why = std::string("request setup failed: ") + t->exchange.error_buffer;
      ch.idle_handles.push_back(t->easy);
    }
  }
  if (!why.empty()) {
    {
      std::lock_guard lk(mu);
      ch.gate.finished(p);
    }
    complete(t->pending, failed(why));
    return;
  }
  t->started = std::chrono::steady_clock::now();
  CURL* easy = t->easy;
  inflight.emplace(easy, std::move(t));
}

// Completes finished transfers; returns how many.
int ChannelClient::Impl::collect() {
  int count = 0;
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL* easy = m->easy_handle;
    CURLcode rc = m->data.result;  // m is invalid after remove_handle
    auto it = inflight.find(easy);
    if (it == inflight.end()) continue;
    std::unique_ptr<Transfer> t = std::move(it->second);
    inflight.erase(it);
    curl_multi_remove_handle(multi, easy);

    ChannelState& ch = *t->channel;
    std::string why = finish_exchange(easy, rc, t->exchange);
    ChannelResult r;
    if (!why.empty()) {
      r = failed(why);
      r.http_status = t->exchange.answer.status;
    } else {
      r = classify_answer(ch.endpoint, t->pending.call, t->exchange.answer, clock);
    }
    auto now = std::chrono::steady_clock::now();
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - t->started);
    log::message("channel", ch.endpoint.channel_id, "in", std::to_string(t->exchange.answer.status),
                 t->exchange.answer.body);
    record_call(t->pending.call, r);
    {
      std::lock_guard lk(mu);
      ch.gate.finished(t->pending.call.priority);
      if (r.outcome == Outcome::kBusy) {
        ch.gate.busy(now);
      } else if (r.outcome == Outcome::kAnswered) {
        ch.gate.not_busy();
      }
    }
    ch.idle_handles.push_back(easy);
    complete(t->pending, std::move(r));
    ++count;
  }
  return count;
}

// Until the earliest moment a queued call blocked by rate or a busy pause may start.
int ChannelClient::Impl::poll_timeout_ms() {
  std::lock_guard lk(mu);
  auto now = std::chrono::steady_clock::now();
  auto wake = now + std::chrono::milliseconds(kMaxPollMs);
  for (auto& [id, ch] : channels) {
    Priority p;
    if (!ch->realtime.empty()) {
      p = Priority::kRealtime;
    } else if (!ch->batch.empty()) {
      p = Priority::kBatch;
    } else {
      continue;
    }
    if (ch->gate.may_start(p, now)) return 0;
    if (auto at = ch->gate.retry_at(p, now)) wake = std::min(wake, *at);
  }
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, kMaxPollMs));
}

void ChannelClient::Impl::shutdown_all() {
  for (auto& [easy, t] : inflight) {
    curl_multi_remove_handle(multi, easy);
    t->channel->idle_handles.push_back(easy);
  }
  auto transfers = std::move(inflight);
  inflight.clear();
  std::vector<Pending> queued;
  {
    std::lock_guard lk(mu);
    stopped = true;
    for (auto& [id, ch] : channels) {
      for (auto* q : {&ch->realtime, &ch->batch}) {
        for (auto& p : *q) queued.push_back(std::move(p));
        q->clear();
      }
    }
    for (auto& [easy, t] : transfers) t->channel->gate.finished(t->pending.call.priority);
  }
  for (auto& [easy, t] : transfers) complete(t->pending, failed("shutdown"));
  for (auto& p : queued) complete(p, failed("shutdown"));
}

ChannelClient::ChannelClient(std::vector<ChannelEndpoint> endpoints, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(endpoints), clock)) {}

ChannelClient::~ChannelClient() = default;

void ChannelClient::start() { impl_->start(); }
void ChannelClient::stop() { impl_->stop(); }

void ChannelClient::submit(ChannelCall call, std::function<void(ChannelResult)> done) {
  impl_->submit(std::move(call), std::move(done));
}

ChannelResult ChannelClient::call(ChannelCall call) {
  if (std::this_thread::get_id() == impl_->thread_id) {
    return failed("call() from the client's own thread");
  }
  auto promise = std::make_shared<std::promise<ChannelResult>>();
  auto future = promise->get_future();
  submit(std::move(call), [promise](ChannelResult r) { promise->set_value(std::move(r)); });
  return future.get();
}

Result<std::string> ChannelClient::fetch_statement(const std::string& channel_id, Date date) {
  auto it = impl_->channels.find(channel_id);
  if (it == impl_->channels.end()) return make_error("IO", "unknown channel", "channel_id", channel_id);
  ChannelState& ch = *it->second;
  std::lock_guard lk(ch.statement_mu);
  if (ch.statement_handle == nullptr) ch.statement_handle = curl_easy_init();
  if (ch.statement_handle == nullptr) return make_error("IO", "curl_easy_init failed");
  return fetch_statement_on(ch.statement_handle, ch.endpoint, date, impl_->clock);
}

void ChannelClient::hold_new_calls() {
  std::lock_guard lk(impl_->mu);
  impl_->held = true;
}

ChannelClient::Stats ChannelClient::stats(const std::string& channel_id) const {
  Stats s;
  auto it = impl_->channels.find(channel_id);
  if (it == impl_->channels.end()) return s;
  std::lock_guard lk(impl_->mu);
  s.inflight = it->second->gate.inflight();
  s.queued_realtime = static_cast<int>(it->second->realtime.size());
  s.queued_batch = static_cast<int>(it->second->batch.size());
  return s;
}

const ChannelEndpoint* ChannelClient::endpoint(const std::string& channel_id) const {
  auto it = impl_->channels.find(channel_id);
  return it == impl_->channels.end() ? nullptr : &it->second->endpoint;
}

}  // namespace repay::channel
