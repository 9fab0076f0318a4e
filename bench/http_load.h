// The load generator's HTTP side (docs/performance.md, Real time): asynchronous HTTP/1.1 clients
// on Boost.Beast, one request per connection at a time (no pipelining), keep-alive connections
// reused from an idle pool and new ones opened whenever none is idle — so the number of open
// connections follows the number of requests in flight. One io_context thread runs everything;
// nothing here is thread-safe (the /proc sampler of the benchmark only reads the atomics).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace repay::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct HttpResult {
  int status = 0;            // 0: no HTTP answer (error says why)
  std::string error;
  std::string body;
  std::string sender, timestamp, nonce, signature;  // the answer's signature headers
  double latency_ms = 0;     // from the request's scheduled time to the end of the answer
  SteadyClock::time_point scheduled{};
};

class HttpLoad {
 public:
  using Done = std::function<void(HttpResult&&)>;

  HttpLoad(net::io_context& ioc, uint16_t port, std::chrono::seconds timeout)
      : ioc_(ioc), endpoint_(net::ip::make_address("127.0.0.1"), port), timeout_(timeout) {}

  // POSTs body to target with the headers. `scheduled` is when the open loop meant to send it:
  // latency counts from there, so a generator that falls behind shows it (no coordinated omission).
  void post(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers,
            std::string body, SteadyClock::time_point scheduled, Done done) {
    std::shared_ptr<Conn> c;
    while (!idle_.empty() && !c) {
      c = std::move(idle_.back());
      idle_.pop_back();
      // The server closes connections idle for 60 s; do not try one that may be gone.
      if (SteadyClock::now() - c->idle_since > std::chrono::seconds(20)) {
        close(*c);
        c.reset();
      }
    }
    if (!c) c = std::make_shared<Conn>(ioc_);
    c->req = {};
    c->req.method(http::verb::post);
    c->req.target(target);
    c->req.version(11);
    c->req.set(http::field::host, "127.0.0.1");
    c->req.set(http::field::content_type, "application/xml; charset=utf-8");
    for (const auto& [k, v] : headers) c->req.set(k, v);
    c->req.keep_alive(true);
    c->req.body() = std::move(body);
    c->req.prepare_payload();
    c->scheduled = scheduled;
    c->done = std::move(done);
    ++inflight;
    max_inflight = std::max(max_inflight.load(), inflight.load());
    c->stream.expires_after(timeout_);
    if (c->connected) return write(c);
    c->counted = true;
    ++connections;
    max_connections = std::max(max_connections.load(), connections.load());
    c->stream.async_connect(endpoint_, [this, c](beast::error_code ec) {
      if (ec) return finish(c, "connect: " + ec.message());
      c->connected = true;
      c->stream.socket().set_option(tcp::no_delay(true));
      write(c);
    });
  }

  std::atomic<int64_t> inflight{0}, max_inflight{0};
  std::atomic<int64_t> connections{0}, max_connections{0};

  void reset_peaks() {
    max_inflight = inflight.load();
    max_connections = connections.load();
  }

 private:
  struct Conn {
    explicit Conn(net::io_context& ioc) : stream(ioc) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    bool connected = false;
    bool counted = false;  // in `connections`
    SteadyClock::time_point scheduled, idle_since;
    Done done;
  };

  void write(const std::shared_ptr<Conn>& c) {
    http::async_write(c->stream, c->req, [this, c](beast::error_code ec, size_t) {
      if (ec) return finish(c, "write: " + ec.message());
      c->res = {};
      http::async_read(c->stream, c->buffer, c->res, [this, c](beast::error_code ec2, size_t) {
        finish(c, ec2 ? "read: " + ec2.message() : std::string());
      });
    });
  }

  void close(Conn& c) {
    beast::error_code ignored;
    c.stream.socket().close(ignored);
    if (c.counted) --connections;
    c.counted = false;
    c.connected = false;
  }

  void finish(const std::shared_ptr<Conn>& c, std::string error) {
    HttpResult r;
    r.latency_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - c->scheduled).count();
    r.scheduled = c->scheduled;
    r.error = std::move(error);
    if (r.error.empty()) {
      r.status = static_cast<int>(c->res.result_int());
      r.body = std::move(c->res.body());
      auto h = [&](const char* name) { return std::string(c->res[name]); };
      r.sender = h("X-Sender-Id");
      r.timestamp = h("X-Timestamp");
      r.nonce = h("X-Nonce");
      r.signature = h("X-Signature");
    }
    --inflight;
    Done done = std::move(c->done);
    if (r.error.empty() && c->res.keep_alive()) {
      c->idle_since = SteadyClock::now();
      c->stream.expires_never();
      idle_.push_back(c);
    } else {
      close(*c);
    }
    done(std::move(r));
  }

  net::io_context& ioc_;
  tcp::endpoint endpoint_;
  std::chrono::seconds timeout_;
  std::vector<std::shared_ptr<Conn>> idle_;
};

// Open loop: calls send(i, scheduled) for i in [0, count) at `rate` a second from now, on a 1 ms
// timer of ioc's thread (a late tick sends everything due, with its scheduled time), then calls
// `sent` once the last one went out. count == rate * seconds; rate 0 sends all at once.
class OpenLoop : public std::enable_shared_from_this<OpenLoop> {
 public:
  using Send = std::function<void(int64_t i, SteadyClock::time_point scheduled)>;
  static void start(net::io_context& ioc, double rate, int64_t count, Send send) {
    auto l = std::shared_ptr<OpenLoop>(new OpenLoop(ioc, rate, count, std::move(send)));
    l->tick();
  }

 private:
  OpenLoop(net::io_context& ioc, double rate, int64_t count, Send send)
      : timer_(ioc), rate_(rate), count_(count), send_(std::move(send)), t0_(SteadyClock::now()) {}

  SteadyClock::time_point due(int64_t i) const {
    if (rate_ <= 0) return t0_;
    return t0_ + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(i / rate_));
  }
  void tick() {
    const auto now = SteadyClock::now();
    while (next_ < count_ && due(next_) <= now) {
      send_(next_, due(next_));
      ++next_;
    }
    if (next_ >= count_) return;
    timer_.expires_at(std::min(due(next_), now + std::chrono::milliseconds(1)));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->tick();
    });
  }

  net::steady_timer timer_;
  double rate_;
  int64_t count_;
  Send send_;
  SteadyClock::time_point t0_;
  int64_t next_ = 0;
};

}  // namespace repay::bench
