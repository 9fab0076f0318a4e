// The listener: binds, accepts on N io threads, and stops in order (stop accepting, let
// in-flight handlers answer, close, join). Connections live in session.cc.
#include "server/http_server.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "server/server_state.h"
#include "server/session.h"

namespace repay::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

net::ssl::context load_tls(const TlsFiles& files) {
  net::ssl::context ctx(net::ssl::context::tls_server);
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(files.certificate_chain_file, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS certificate chain " + files.certificate_chain_file +
                             ": " + ec.message());
  }
  // OpenSSL also checks here that the key matches the certificate.
  ctx.use_private_key_file(files.private_key_file, net::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS private key " + files.private_key_file + ": " +
                             ec.message());
  }
  return ctx;
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions options, Handler handler)
      : state(std::make_shared<detail::ServerState>(std::move(options), std::move(handler))),
        acceptor(net::make_strand(state->ioc)),
        retry_timer(acceptor.get_executor()) {}

  void listen();
  void accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);

  std::shared_ptr<detail::ServerState> state;  // first: the acceptor belongs to its io_context
  tcp::acceptor acceptor;                      // its executor is a strand: accept and close
  net::steady_timer retry_timer;               // backs off after a failed accept (EMFILE)
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex mu;  // start/stop
  bool started = false;
  bool stopped = false;

  // at(): the timers not yet run, so that stop() can run them early. Each is touched only on an
  // io thread (armed and cancelled through posts), the set only under timers_mu.
  std::mutex timers_mu;
  bool timers_open = false;  // from start() until stop() begins
  std::unordered_set<std::shared_ptr<net::steady_timer>> timers;
};

void HttpServer::Impl::listen() {
  const auto& o = state->options;
  std::string where = o.address + ":" + std::to_string(o.port);
  boost::system::error_code ec;
  auto address = net::ip::make_address(o.address, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": bad address");
  tcp::endpoint endpoint(address, o.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close();
    throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  }
  port = acceptor.local_endpoint().port();
}

void HttpServer::Impl::accept() {
  // Each connection gets its own strand: its handlers never run concurrently, and a Respond
  // from another thread is posted there.
  acceptor.async_accept(net::make_strand(state->ioc),
                        [this](boost::system::error_code ec, tcp::socket socket) {
                          on_accept(ec, std::move(socket));
                        });
}

void HttpServer::Impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (state->stopping || ec == net::error::operation_aborted) return;
  if (ec) {  // out of descriptors and the like: try again shortly rather than spin
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && !state->stopping) accept();
    });
    return;
  }
  if (state->tls) {
    detail::start_tls_session(state, std::move(socket));
  } else {
    detail::start_plain_session(state, std::move(socket));
  }
  accept();
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started) return;
  auto& state = *impl_->state;
  if (state.options.tls) state.tls.emplace(load_tls(*state.options.tls));
  impl_->listen();
  impl_->started = true;
  {
    std::lock_guard timers_lock(impl_->timers_mu);
    impl_->timers_open = true;
  }
  // Keeps run() going while handlers hold requests and no socket operation is pending.
  impl_->work.emplace(state.ioc.get_executor());
  impl_->accept();
  int n = std::max(1, state.options.threads);
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([&state] {
      for (;;) {
        try {
          state.ioc.run();
          return;
        } catch (const std::exception&) {
          // A completion handler threw; the session concerned is already gone. Keep serving.
        }
      }
    });
  }
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::at(std::chrono::steady_clock::time_point when, std::function<void()> fn) {
  // A strand of its own: the wait and stop()'s cancel never run at once, and in the order posted.
  auto timer = std::make_shared<net::steady_timer>(net::make_strand(impl_->state->ioc), when);
  std::unique_lock lock(impl_->timers_mu);
  if (!impl_->timers_open) {
    lock.unlock();
    fn();  // stopping (or not started): now rather than never
    return;
  }
  impl_->timers.insert(timer);
  // Posted under the lock, so it is on the strand before any cancel stop() may post. Whether the
  // timer expires or is cancelled, fn runs once, after the timer has left the set.
  net::post(timer->get_executor(), [impl = impl_.get(), timer, fn = std::move(fn)]() mutable {
    timer->async_wait([impl, timer, fn = std::move(fn)](boost::system::error_code) {
      {
        std::lock_guard lock(impl->timers_mu);
        impl->timers.erase(timer);
      }
      fn();
    });
  });
}

bool HttpServer::wait_idle(std::chrono::milliseconds grace) { return impl_->state->wait_idle(grace); }

void HttpServer::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  auto& state = *impl_->state;
  state.stopping = true;
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    impl->retry_timer.cancel();
  });
  // What at() holds runs now (its cancelled waits complete at once); the answers it sends are
  // in-flight requests, which wait_idle() below lets finish.
  {
    std::lock_guard timers_lock(impl_->timers_mu);
    impl_->timers_open = false;
    for (const auto& timer : impl_->timers) {
      net::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }
  state.wait_idle(grace);
  // From here a late Respond is dropped; open connections are closed, and with the work guard
  // gone run() returns once their last operations have completed.
  state.close_all();
  impl_->work.reset();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace repay::server
