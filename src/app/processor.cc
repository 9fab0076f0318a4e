#include "app/processor.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/center_api.h"
#include "app/channel_endpoints.h"
#include "channel/notify_sender.h"
#include "app/ops_wiring.h"
#include "app/job_options.h"
#include "batch/jobs/batch_jobs.h"
#include "settlement/jobs/settle_jobs.h"
#include "realtime/notifier.h"
#include "channel/channel_notify.h"
#include "channel/channel_client.h"
#include "console/console.h"
#include "console/router.h"
#include "core/channel_port.h"
#include "core/log.h"
#include "core/message_log.h"
#include "crypto/crypto.h"
#include "ops/metrics.h"
#include "server/http_server.h"
#include "realtime/service.h"
#include "signing/signing_service.h"
#include "store/factory.h"

namespace repay::app {
namespace {

class ChannelClientPort final : public ChannelPort {
 public:
  explicit ChannelClientPort(channel::ChannelClient& c) : c_(c) {}
  void submit(channel::ChannelCall call, std::function<void(channel::ChannelResult)> done) override {
    c_.submit(std::move(call), std::move(done));
  }

 private:
  channel::ChannelClient& c_;
};

// Until no channel has a call on the wire, or the deadline.
void wait_for_calls_on_the_wire(const channel::ChannelClient& channels, const Settings& settings,
                                std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int inflight = 0;
    for (const auto& [id, ch] : settings.channels) inflight += channels.stats(id).inflight;
    if (inflight == 0) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      log::warn("processor.stop_calls_left", {{"calls", std::to_string(inflight)}});
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<std::vector<std::string>> secrets_of(const SecretRef& current, const SecretRef& next,
                                            const std::string& key) {
  std::vector<std::string> out;
  auto s = resolve_secret(current, key + ".secret");
  if (!s) return s.error();
  out.push_back(*s);
  if (!next.file.empty() || !next.env.empty()) {
    auto n = resolve_secret(next, key + ".next_secret");
    if (!n) return n.error();
    out.push_back(*n);
  }
  return out;
}

// repay_up (README.md, Metrics): 0 starting (listeners bound, claims being recovered), 1
// serving, 2 draining (after SIGTERM: card-center requests get 503 9999, channel notifications
// are still taken).
void set_up(double v) { ops::metrics().set("repay_up", {}, v); }

}  // namespace

struct Processor::Impl {
  // First member, so released last: one serving process per database (store/factory.h).
  std::unique_ptr<store::ServingHold> serving_lock;
  const Settings settings;
  const Clock& clock;
  std::unique_ptr<crypto::FieldCipher> cipher;
  std::unique_ptr<store::Database> stores;  // database.engine's (store/factory.h)
  std::unique_ptr<channel::ChannelClient> channels;
  std::unique_ptr<ChannelClientPort> channel_port;
  boost::asio::thread_pool workers{4};
  std::unique_ptr<signing::SigningService> signing;
  std::unique_ptr<api::CenterApi> api;
  std::unique_ptr<server::HttpServer> http;
  // The admin listener (processor.admin_*): the staff console; other admin endpoints plug into
  // admin_router with one line, e.g. admin_router.route("GET", "/metrics", handler).
  std::unique_ptr<console::Console> console;
  console::Router admin_router;
  std::unique_ptr<server::HttpServer> admin_http;
  std::unique_ptr<batch::BatchJobs> batches;
  std::unique_ptr<settlement::SettleJobs> settle;  // T+1 jobs
  std::unique_ptr<realtime::RealtimeService> realtime;
  std::map<std::string, realtime::RealtimeCenter> realtime_centers;
  // Timers (real-time answer deadlines) run on their own io_context; their work goes to workers.
  boost::asio::io_context timer_io;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> timer_guard;
  std::thread timer_thread;
  std::thread resolver;

  void post_after(std::chrono::milliseconds d, std::function<void()> fn) {
    auto t = std::make_shared<boost::asio::steady_timer>(timer_io, d);
    t->async_wait([this, t, fn = std::move(fn)](const boost::system::error_code&) mutable {
      boost::asio::post(workers, std::move(fn));
    });
  }
  void resolve_loop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping; })) {
      lock.unlock();
      realtime->resolve_once();
      lock.lock();
    }
  }
  std::map<std::string, std::vector<std::string>> channel_secrets;
  std::map<std::string, std::string> center_secret;  // current secret per center: signs notifications
  std::unique_ptr<channel::CurlNotificationSender> notify_sender;
  std::unique_ptr<realtime::Notifier> notifier;

  // POST /channel/notify/<channelId> (channel-api.md, Notifications): verified, applied, then
  // answered SUCCESS once stored.
  void channel_notify(server::HttpRequest&& req, server::Respond respond) {
    const std::string prefix = "/channel/notify/";
    const std::string channel_id = req.path().substr(prefix.size());
    server::HttpResponse r;
    auto secrets = channel_secrets.find(channel_id);
    if (secrets != channel_secrets.end()) log::message("channel", channel_id, "in", "notify", req.body);
    if (req.method != "POST" || secrets == channel_secrets.end()) {
      r.status = 404;
      r.body = "unknown channel";
      return respond(std::move(r));
    }
    auto n = channel::parse_channel_notify(channel_id, req.headers, "POST " + req.target, req.body,
                                           secrets->second, clock);
    if (!n) {
      r.status = n.error().code == "4001" ? 401 : 400;
      r.body = n.error().message;
      return respond(std::move(r));
    }
    // The bank retries an unacknowledged notification: a busy database may answer 503.
    auto fresh = stores->nonces().remember_nonce(channel_id, n->nonce, clock.now(), 600, std::chrono::seconds(5));
    if (!fresh || !*fresh) {
      r.status = fresh ? 401 : 503;
      r.body = fresh ? "nonce replayed" : "store unavailable";
      return respond(std::move(r));
    }
    // Applied by the store's writer thread with the writes batched with it (with group commit;
    // else on a worker), not on this HTTP thread; acknowledged once on disk.
    boost::asio::post(workers, [this, channel_id, fields = std::move(n->fields), respond]() {
      auto tx = fields.find("TxCode");
      auto applied = std::make_shared<Result<bool>>(false);
      stores->realtime().write_then(
          [this, channel_id, fields, applied] {
            auto t = fields.find("TxCode");
            if (t != fields.end() && (t->second == "DEBIT" || t->second == "REFUND")) {
              *applied = realtime->on_notify(channel_id, fields);
              if (*applied && !**applied && t->second == "DEBIT") {
                *applied = batches->on_debit_notify(channel_id, fields);
              }
            }
          },
          [channel_id, applied, respond,
           tx_code = tx == fields.end() ? std::string() : tx->second](bool durable) {
            server::HttpResponse r;
            if (!durable || !*applied) {
              r.status = 503;
              r.body = "not stored";
              return respond(std::move(r));
            }
            if (!**applied) log::warn("channel.notify_unmatched", {{"channel", channel_id}, {"txCode", tx_code}});
            r.body = "SUCCESS";
            respond(std::move(r));
          });
    });
  }

  // Housekeeping: forgets nonces past the replay window.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread housekeeper;
  void housekeeping() {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(60), [this] { return stopping; })) {
      lock.unlock();
      auto st = stores->nonces().purge_nonces(clock.now(), 600);
      if (!st) log::warn("housekeeping.purge_nonces", {{"error", st.error().to_string()}});
      lock.lock();
    }
  }

  Impl(Settings s, const Clock& c) : settings(std::move(s)), clock(c) {}
};

Processor::Processor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Processor::~Processor() { stop(); }

Result<std::unique_ptr<Processor>> Processor::create(const Settings& settings, const Clock& clock) {
  auto impl = std::make_unique<Impl>(settings, clock);
  // Before anything else touches the database: a second serving process stops here, before it
  // could recover (take over) the claims of the running one.
  store::StoreOptions store_options;
  store_options.engine = settings.database.engine;
  store_options.path = settings.processor.database;
  store_options.connections = 4;
  store_options.survive_power_loss = settings.processor.database_synchronous != "NORMAL";
  auto lock = store::acquire_serving_lock(store_options);
  if (!lock) return lock.error();
  impl->serving_lock = std::move(*lock);
  auto cipher = crypto::FieldCipher::from_key_file(settings.processor.key_file);
  if (!cipher) return cipher.error();
  impl->cipher = std::make_unique<crypto::FieldCipher>(std::move(*cipher));
  auto stores = store::open_stores(store_options, *impl->cipher);
  if (!stores) return stores.error();
  impl->stores = std::move(*stores);
  // Real time's claims and facts share synced commits (docs/performance.md); NORMAL: no-op.
  if (auto g = impl->stores->start_group_commit(); !g) return g.error();
  store::Database& db = *impl->stores;

  auto endpoints = channel_endpoints(settings);
  if (!endpoints) return endpoints.error();
  for (const auto& e : *endpoints) impl->channel_secrets[e.channel_id] = e.secrets;
  impl->channels = std::make_unique<channel::ChannelClient>(std::move(*endpoints), clock);
  impl->channel_port = std::make_unique<ChannelClientPort>(*impl->channels);

  Impl* raw = impl.get();
  impl->signing = std::make_unique<signing::SigningService>(
      db.signing(), *impl->channel_port, clock,
      [raw](std::function<void()> task) { boost::asio::post(raw->workers, std::move(task)); });

  std::vector<api::CenterEntry> centers;
  for (const auto& [id, c] : settings.centers) {
    auto secrets = secrets_of(c.secret, c.next_secret, "center." + id);
    if (!secrets) return secrets.error();
    impl->center_secret[id] = secrets->front();
    api::CenterEntry e;
    e.center_id = id;
    e.active = c.active;
    e.secrets = *secrets;
    e.max_requests_per_second = c.max_requests_per_second;
    e.answer_within = std::chrono::duration_cast<std::chrono::milliseconds>(c.realtime_timeout);
    e.signing = signing::SigningCenter{id, c.luhn_check, c.collect_channel, c.quick_channel};
    centers.push_back(std::move(e));
  }
  impl->api = std::make_unique<api::CenterApi>(std::move(centers), db.nonces(), clock,
                                               settings.processor.id);
  impl->batches = std::make_unique<batch::BatchJobs>(batch_jobs_options(impl->settings), db.batches(),
                                                     *impl->cipher, impl->channel_port.get(), clock);
  std::vector<Error> calendar_errors;
  auto calendar = settlement::SettleJobs::load_calendar(settings.processor.holiday_calendar, &calendar_errors);
  if (!calendar) return calendar.error();
  impl->settle = std::make_unique<settlement::SettleJobs>(
      settle_jobs_options(impl->settings),
      settlement::SettleJobsPorts{db.recon(), db.center_files(), db.jobs(), db.review()},
      statement_fetch(impl->channels.get()), std::move(*calendar), clock);
  channel::NotifySenderOptions notify_opt;
  notify_opt.processor_id = settings.processor.id;
  notify_opt.ca_file = settings.processor.ca_file;
  impl->notify_sender = std::make_unique<channel::CurlNotificationSender>(
      notify_opt,
      [raw](const std::string& center) -> Result<std::string> {
        auto s = raw->center_secret.find(center);
        if (s == raw->center_secret.end()) return make_error("CONFIG", "unknown card center", "center", center);
        return s->second;
      },
      clock);
  impl->notifier = std::make_unique<realtime::Notifier>(
      db.outbox(), *impl->notify_sender,
      [raw](const std::string& center) {
        auto c = raw->settings.centers.find(center);
        return c == raw->settings.centers.end() ? CenterSettings{}.notify_retries
                                                : c->second.notify_retries;
      },
      clock);
  realtime::RealtimeOptions ro;
  ro.node = settings.processor.id;
  impl->realtime = std::make_unique<realtime::RealtimeService>(
      db.realtime(),
      [raw](const std::string& no) { return raw->stores->signing().agreement(no); }, *impl->channel_port, clock,
      [raw](std::function<void()> task) { boost::asio::post(raw->workers, std::move(task)); },
      [raw](std::chrono::milliseconds d, std::function<void()> fn) { raw->post_after(d, std::move(fn)); },
      ro);
  for (const auto& [id, c] : settings.centers) {
    realtime::RealtimeCenter rc;
    rc.center_id = id;
    rc.luhn_check = c.luhn_check;
    rc.per_item_limit = c.per_item_limit;
    rc.fee_collect = c.fee_collect;
    rc.fee_quick = c.fee_quick;
    rc.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.realtime_timeout);
    rc.default_notify_url = c.default_notify_url;
    rc.notify_url_prefixes = c.notify_url_prefixes;
    impl->realtime_centers[id] = rc;
  }
  auto* rt = impl->realtime.get();
  auto rt_center = [raw](const api::CenterEntry& c) -> const realtime::RealtimeCenter& {
    return raw->realtime_centers.at(c.center_id);
  };
  impl->api->route("repay", [rt, rt_center](const api::CenterEntry& c, const auto& f, auto reply) {
    rt->repay(rt_center(c), f, std::move(reply));
  });
  impl->api->route("refund", [rt, rt_center](const api::CenterEntry& c, const auto& f, auto reply) {
    rt->refund(rt_center(c), f, std::move(reply));
  });
  impl->api->route("query", [rt, rt_center](const api::CenterEntry& c, const auto& f, auto reply) {
    rt->query(rt_center(c), f, std::move(reply));
  });
  impl->api->route_prefix("/channel/notify/", [raw](server::HttpRequest&& r, server::Respond respond) {
    raw->channel_notify(std::move(r), std::move(respond));
  });
  auto* sv = impl->signing.get();
  impl->api->route("sign3", [sv](const api::CenterEntry& c, const auto& f, auto reply) {
    sv->sign3(c.signing, f, std::move(reply));
  });
  impl->api->route("qsign/apply", [sv](const api::CenterEntry& c, const auto& f, auto reply) {
    sv->qsign_apply(c.signing, f, std::move(reply));
  });
  impl->api->route("qsign/confirm", [sv](const api::CenterEntry& c, const auto& f, auto reply) {
    sv->qsign_confirm(c.signing, f, std::move(reply));
  });
  impl->api->route("unsign", [sv](const api::CenterEntry& c, const auto& f, auto reply) {
    sv->unsign(c.signing, f, std::move(reply));
  });

  server::HttpServerOptions opt;
  opt.address = settings.processor.api.address;
  opt.port = settings.processor.api.port;
  opt.max_body_bytes = settings.processor.max_body_bytes;
  opt.threads = settings.processor.api_threads;
  if (!settings.processor.api.tls_cert_file.empty()) {
    opt.tls = server::TlsFiles{settings.processor.api.tls_cert_file,
                               settings.processor.api.tls_key_file};
  }
  auto* api = impl->api.get();
  opt.too_large_response = [api](const std::string& sender) { return api->too_large(sender); };
  opt.unavailable_response = [api](const std::string& sender) { return api->unavailable(sender); };
  impl->http = std::make_unique<server::HttpServer>(
      opt, [api](server::HttpRequest&& r, server::Respond respond) {
        api->handle(std::move(r), std::move(respond));
      });
  console::ConsoleOptions copt;
  copt.max_failed_logins = settings.processor.console_max_failed_logins;
  copt.session_lifetime = std::chrono::minutes(settings.processor.console_session_minutes);
  copt.secure_cookie = !settings.processor.admin.tls_cert_file.empty();
  copt.policy = settlement::ReviewPolicy{settings.processor.refund_two_approvals_above,
                                         settings.processor.refund_review_expiry_days};
  copt.notify_url_of = [raw](const std::string& center) {
    auto c = raw->settings.centers.find(center);
    return c == raw->settings.centers.end() ? std::string() : c->second.default_notify_url;
  };
  copt.batches = [raw] {
    std::vector<console::BatchView> out;
    for (auto& o : raw->batches->outlook("")) {
      out.push_back(console::BatchView{o.batch, o.items_per_second, o.projected_finish, o.at_risk});
    }
    return out;
  };
  copt.returned = [raw](Instant since) {
    auto r = raw->stores->batches().returned_batches(since, 200);
    if (!r) {
      log::warn("console.returned_batches_failed", {{"error", r.error().to_string()}});
      return std::vector<batch::BatchSummary>{};
    }
    return std::move(*r);
  };
  impl->console = std::make_unique<console::Console>(std::move(copt), db.console(), db.review(),
                                                     clock);
  impl->console->attach(impl->admin_router);
  impl->admin_router.route("GET", "/metrics", install_metrics(settings, *impl->channels, db.ops(), clock));
  server::HttpServerOptions admin_opt;
  admin_opt.address = settings.processor.admin.address;
  admin_opt.port = settings.processor.admin.port;
  admin_opt.threads = 2;
  if (!settings.processor.admin.tls_cert_file.empty()) {
    admin_opt.tls = server::TlsFiles{settings.processor.admin.tls_cert_file,
                                     settings.processor.admin.tls_key_file};
  }
  impl->admin_http = std::make_unique<server::HttpServer>(
      admin_opt, [raw](server::HttpRequest&& r, server::Respond respond) {
        raw->admin_router.handle(std::move(r), std::move(respond));
      });
  return std::unique_ptr<Processor>(new Processor(std::move(impl)));
}

Status Processor::start() {
  set_up(0);
  impl_->timer_guard = std::make_unique<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      impl_->timer_io.get_executor());
  impl_->timer_thread = std::thread([impl = impl_.get()] { impl->timer_io.run(); });
  impl_->channels->start();
  // The listeners first: a process that cannot own them stops before it recovers anything. Until
  // ready, card-center requests get 503 9999; channel notifications are taken (conditional
  // updates: recovery below only moves what is still SENDING).
  try {
    impl_->http->start();
  } catch (const std::exception& e) {
    return make_error("CONFIG", e.what(), "processor.api_port",
                      impl_->settings.processor.api.address + ":" +
                          std::to_string(impl_->settings.processor.api.port));
  }
  try {
    impl_->admin_http->start();
  } catch (const std::exception& e) {
    return make_error("CONFIG", e.what(), "processor.admin_port",
                      impl_->settings.processor.admin.address + ":" +
                          std::to_string(impl_->settings.processor.admin.port));
  }
  // lessons.md: after a crash every claimed item is queried before anything is sent again. The
  // serving lock (create()) makes the claims tagged with this node those of a process that ended.
  auto recovered = impl_->batches->recover();
  if (!recovered) return recovered.error();
  if (*recovered > 0) log::warn("batch.recovered_claims", {{"items", std::to_string(*recovered)}});
  auto recovered_rt = impl_->stores->realtime().recover_realtime(impl_->settings.processor.id, impl_->clock.now());
  if (!recovered_rt) return recovered_rt.error();
  if (*recovered_rt > 0) log::warn("realtime.recovered_claims", {{"calls", std::to_string(*recovered_rt)}});
  // Nonces older than the replay window are never needed again.
  (void)impl_->stores->nonces().purge_nonces(impl_->clock.now(), 600);
  impl_->housekeeper = std::thread([impl = impl_.get()] { impl->housekeeping(); });
  impl_->batches->start();
  impl_->settle->start();  // catches up missed T+1 days at once
  impl_->notifier->start();  // anything overdue at start-up goes at once
  impl_->resolver = std::thread([impl = impl_.get()] { impl->resolve_loop(); });
  impl_->api->set_ready(true);
  set_up(1);
  log::info("processor.started", {{"api_port", std::to_string(api_port())},
                                   {"admin_port", std::to_string(admin_port())}});
  return ok_status();
}

uint16_t Processor::api_port() const { return impl_->http->port(); }
uint16_t Processor::admin_port() const { return impl_->admin_http->port(); }

void Processor::stop() {
  if (!impl_) return;
  // Within processor.shutdown_timeout (README.md, Operating Repay): the listener stays open for
  // the drain — card-center requests get the signed 503 9999, channel notifications (which
  // resolve the calls being drained) are still taken and stored — and no queued bank call starts;
  // requests being served get half the bound to be answered; calls on the wire finish within
  // three quarters of it (or are left claimed: queried at the next start); then the listener
  // closes, the jobs stop and flush what they hold.
  const auto bound = impl_->settings.processor.shutdown_timeout;
  const auto deadline = std::chrono::steady_clock::now() + bound * 3 / 4;
  if (impl_->api) impl_->api->set_draining();
  set_up(2);
  if (impl_->channels) impl_->channels->hold_new_calls();
  if (impl_->http) impl_->http->wait_idle(std::chrono::duration_cast<std::chrono::milliseconds>(bound / 2));
  if (impl_->channels) wait_for_calls_on_the_wire(*impl_->channels, impl_->settings, deadline);
  if (impl_->http) {
    // What the last answers of the bank set off is answered before the listener closes.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    impl_->http->stop(std::max(left, std::chrono::milliseconds(500)));
  }
  if (impl_->admin_http) impl_->admin_http->stop(std::chrono::milliseconds(2000));
  if (impl_->batches) impl_->batches->stop();
  if (impl_->settle) impl_->settle->stop();
  if (impl_->notifier) impl_->notifier->stop();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->housekeeper.joinable()) impl_->housekeeper.join();
  if (impl_->resolver.joinable()) impl_->resolver.join();
  if (impl_->channels) impl_->channels->stop();
  impl_->timer_guard.reset();
  impl_->timer_io.stop();
  if (impl_->timer_thread.joinable()) impl_->timer_thread.join();
  impl_->workers.join();
  if (impl_->stores) impl_->stores->stop_group_commit();  // its callbacks post to the workers
}

}  // namespace repay::app
