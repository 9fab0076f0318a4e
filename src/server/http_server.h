// An asynchronous HTTP/1.1 server on Boost.Asio/Beast. A handler gets the whole request and a
// Respond callback it may call later from any thread (for example when a bank answers), so
// requests waiting on slow peers hold no thread. Keep-alive, body size limit, TLS optional.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace repay::server {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // the request-target as sent: path and query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  // When the whole request had been read (the server's own queueing and processing come after).
  std::chrono::steady_clock::time_point received{};

  // nullptr-free lookup by lower-case name; "" when absent.
  std::string header(const std::string& lower_name) const;
  std::string path() const;   // target without the query
  std::string query() const;  // after '?', "" when none
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Close the connection without writing anything (the bank simulator's "lost answer").
  bool drop_connection = false;
};

// Must be called exactly once per request, from any thread.
using Respond = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&&, Respond)>;

struct TlsFiles {
  std::string certificate_chain_file;  // PEM
  std::string private_key_file;        // PEM
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                   // 0: the OS picks; read it back with port()
  size_t max_body_bytes = 64 * 1024;   // over it: too_large_response(), connection closed
  int threads = 2;                     // io threads
  std::optional<TlsFiles> tls;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds request_timeout{30};  // reading one request, headers and body
  // Answer for a body over the limit, given the request's X-Sender-Id ("" when absent) so that it
  // can be signed for a known sender; default: 413 with an empty body.
  std::function<HttpResponse(const std::string& sender_id)> too_large_response;
  // Answer while stopping (after stop() began); default: 503.
  std::function<HttpResponse(const std::string& sender_id)> unavailable_response;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the io threads. Throws std::runtime_error naming the address when
  // it cannot bind or the TLS files cannot be loaded.
  void start();
  uint16_t port() const;
  // Runs fn on an io thread at `when` (at once when it has passed), or early — at once — when
  // stop() begins, so that a delayed answer goes out rather than never; called before start()
  // or once stop() began, runs fn at once on the calling thread. Thread-safe. For answers held
  // back on purpose (the bank simulator's latency) without a thread of their own.
  void at(std::chrono::steady_clock::time_point when, std::function<void()> fn);
  // Until no request is in flight (handler called, answer not yet written), at most `grace`;
  // keeps accepting and serving meanwhile (a drain). True when none was left.
  bool wait_idle(std::chrono::milliseconds grace);
  // Stops accepting, runs what at() holds, answers new requests on open connections with
  // unavailable_response, waits up to `grace` for handlers that have not responded, then closes
  // everything and joins the threads.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace repay::server
