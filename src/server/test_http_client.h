// A raw HTTP/1.1 client for the server's tests: sends exactly the bytes it is given (so malformed
// input can be tested) and parses one response at a time. Every wait is bounded (10 s) so a broken
// server fails a test instead of hanging it. Test-only.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace repay::server::testing {

namespace net = boost::asio;
namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

// "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: n\r\n" + extra + "\r\n" + body.
inline std::string request_text(std::string_view method, std::string_view target,
                                std::string_view body = {}, std::string_view extra_headers = {}) {
  std::string s = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n";
  if (!body.empty() || method == "POST") s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  s += std::string(extra_headers) + "\r\n" + std::string(body);
  return s;
}

class TestClient {
 public:
  // Plain TCP to 127.0.0.1:port.
  explicit TestClient(uint16_t port) { connect(port); }
  // TLS to 127.0.0.1:port, verifying the server's certificate (CN=localhost) against ca_file.
  TestClient(uint16_t port, const std::string& ca_file) : tls_ctx_(net::ssl::context::tls_client) {
    tls_ctx_->load_verify_file(ca_file);
    tls_ctx_->set_verify_mode(net::ssl::verify_peer);
    connect(port);
    tls_.emplace(std::move(*socket_), *tls_ctx_);
    tls_->set_verify_callback(net::ssl::host_name_verification("localhost"));
    check(await([&](auto h) { tls_->async_handshake(net::ssl::stream_base::client, h); }),
          "handshake");
  }

  void send(std::string_view raw) {
    auto buffer = net::buffer(raw.data(), raw.size());
    auto ec = tls_ ? await([&](auto h) { net::async_write(*tls_, buffer, h); })
                   : await([&](auto h) { net::async_write(*socket_, buffer, h); });
    check(ec, "write");
  }

  // The next response; nullopt when the server closed the connection before sending a byte.
  std::optional<Response> read() {
    http::response_parser<http::string_body> parser;
    auto ec = tls_ ? await([&](auto h) { http::async_read(*tls_, buffer_, parser, h); })
                   : await([&](auto h) { http::async_read(*socket_, buffer_, parser, h); });
    if (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
        (tls_ && ec == net::ssl::error::stream_truncated)) {
      return std::nullopt;
    }
    check(ec, "read");
    return parser.release();
  }

  Response request(std::string_view raw) {
    send(raw);
    auto r = read();
    if (!r) throw std::runtime_error("connection closed without a response");
    return std::move(*r);
  }

 private:
  void connect(uint16_t port) {
    socket_.emplace(ioc_);
    net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    check(await([&](auto h) { socket_->async_connect(endpoint, h); }), "connect");
  }

  // Starts an operation and runs it to completion or the time limit.
  template <class Start>
  boost::system::error_code await(Start start) {
    std::optional<boost::system::error_code> result;
    start([&](boost::system::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(10));
    if (!result) {  // close and let the handler run now, while `result` still exists
      boost::system::error_code ignored;
      (tls_ ? tls_->lowest_layer() : *socket_).close(ignored);
      ioc_.restart();
      ioc_.run();
      throw std::runtime_error("test client timed out");
    }
    return *result;
  }

  static void check(boost::system::error_code ec, const char* what) {
    if (ec) throw std::runtime_error(std::string("test client ") + what + ": " + ec.message());
  }

  net::io_context ioc_;
  std::optional<net::ssl::context> tls_ctx_;
  std::optional<net::ip::tcp::socket> socket_;
  std::optional<net::ssl::stream<net::ip::tcp::socket>> tls_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace repay::server::testing
