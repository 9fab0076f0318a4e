#include "server/session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/http_server.h"

namespace repay::server::detail {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr size_t kFirstReadBytes = 4096;
// Lingering close: after a "Connection: close" answer the client may still be sending (a body
// over the limit); reading and discarding it for a while keeps our RST from destroying the answer
// in the client's receive buffer.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

HttpResponse status_only(int status) {
  HttpResponse r;
  r.status = status;
  return r;
}

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

HttpRequest to_request(http::request<http::string_body>&& m, const std::string& remote) {
  HttpRequest r;
  r.method = std::string(m.method_string());
  r.target = std::string(m.target());
  for (const auto& f : m) {
    auto [it, fresh] = r.headers.emplace(lower(f.name_string()), std::string(f.value()));
    // Repeated fields fold into one list, as HTTP allows (RFC 9110 5.3).
    if (!fresh) it->second += ", " + std::string(f.value());
  }
  r.body = std::move(m.body());
  r.remote_address = remote;
  r.received = std::chrono::steady_clock::now();
  return r;
}

bool expects_continue(const http::request<http::string_body>& m) {
  return lower(m[http::field::expect]) == "100-continue";
}

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(std::shared_ptr<ServerState> state, Stream stream, std::string remote)
      : state_(std::move(state)),
        stream_(std::move(stream)),
        strand_(beast::get_lowest_layer(stream_).get_executor()),
        remote_(std::move(remote)) {}

  ~Session() override {
    if (counted_) state_->end_request();
    if (id_ != 0) state_->remove_connection(id_);
  }

  void start() {
    id_ = state_->add_connection(this->weak_from_this());
    if constexpr (kTls) {
      lowest().expires_after(state_->options.request_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->wait_for_request();
                              });
    } else {
      wait_for_request();
    }
  }

  void close_from_server() override {
    net::post(strand_, [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Waits for the first byte of the next request under idle_timeout (request_timeout for the
  // first request), so a keep-alive client may pause long, but a request, once begun, is read
  // within request_timeout.
  void wait_for_request() {
    if (buffer_.size() > 0) return read_header();
    lowest().expires_after(first_request_ ? state_->options.request_timeout
                                          : state_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->close_now();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    lowest().expires_after(state_->options.request_timeout);  // a deadline for header and body
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->on_read_error(ec);
                              self->after_header();
                            });
  }

  // Clients such as libcurl wait for "100 Continue" before sending a body; a body over the
  // limit with a Content-Length has already failed in read_header, so it is never invited.
  void after_header() {
    if (parser_->is_done()) return on_request();  // no body
    if (!expects_continue(parser_->get())) return read_body();
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->close_now();
                       self->read_body();
                     });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->on_read_error(ec);
                       self->on_request();
                     });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      auto& make = state_->options.too_large_response;
      std::string sender(parser_->get()["X-Sender-Id"]);
      return write_response(make ? make(sender) : status_only(413), false);
    }
    if (ec == http::error::header_limit) return write_response(status_only(431), false);
    // A client that closed between or inside requests, a timeout, a reset: nobody to answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != beast::error_code(http::error::bad_target).category()) {
      return close_now();
    }
    write_response(status_only(400), false);  // malformed HTTP
  }

  void on_request() {
    first_request_ = false;
    keep_alive_ = parser_->get().keep_alive();
    HttpRequest request = to_request(parser_->release(), remote_);
    parser_.reset();
    if (state_->stopping) {
      auto& make = state_->options.unavailable_response;
      return write_response(make ? make(request.header("x-sender-id")) : status_only(503), false);
    }
    state_->begin_request();
    counted_ = true;
    Respond respond = make_respond();
    try {
      state_->handler(std::move(request), respond);
    } catch (const std::exception&) {
      respond(status_only(500));  // ignored if the handler already responded
    }
  }

  // The callback may run on any thread, any number of times: only the first call counts, and
  // it only posts onto this connection's strand (never touches the session directly).
  Respond make_respond() {
    auto once = std::make_shared<std::atomic<bool>>(false);
    return [self = this->shared_from_this(), once](HttpResponse r) {
      if (once->exchange(true)) return;
      self->state_->post_if_running(self->strand_, [self, r = std::move(r)]() mutable {
        self->on_response(std::move(r));
      });
    };
  }

  void on_response(HttpResponse r) {
    if (r.drop_connection) {
      finish_request();
      return close_now();
    }
    write_response(std::move(r), keep_alive_ && !state_->stopping);
  }

  void write_response(HttpResponse r, bool keep_alive) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty()) response_.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) response_.insert(name, value);
    response_.body() = std::move(r.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();  // Content-Length, always
    lowest().expires_after(state_->options.request_timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->finish_request();
                        if (ec) return self->close_now();
                        if (!keep_alive) return self->close_gracefully();
                        self->wait_for_request();
                      });
  }

  void finish_request() {
    if (!counted_) return;
    counted_ = false;
    state_->end_request();
  }

  void close_gracefully() {
    if constexpr (kTls) {
      lowest().expires_after(kLingerTime);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->linger();
      });
    } else {
      linger();
    }
  }

  void linger() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    lowest().expires_after(kLingerTime);
    discard_input();
  }

  void discard_input() {
    lowest().async_read_some(net::buffer(linger_buffer_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->lingered_ += n;
                               if (ec || self->lingered_ > kLingerBytes) return self->close_now();
                               self->discard_input();
                             });
  }

  void close_now() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  std::shared_ptr<ServerState> state_;  // first: outlives the stream, whose io_context it owns
  Stream stream_;
  const net::any_io_executor strand_;  // the connection's strand, readable from any thread
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  uint64_t id_ = 0;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool counted_ = false;  // this connection's request is counted in state_'s in-flight requests
  std::array<char, 4096> linger_buffer_{};
  size_t lingered_ = 0;
};

std::string remote_of(const tcp::socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
}

}  // namespace

void start_plain_session(std::shared_ptr<ServerState> state, tcp::socket socket) {
  std::string remote = remote_of(socket);
  std::make_shared<Session<beast::tcp_stream>>(std::move(state), beast::tcp_stream(std::move(socket)),
                                               std::move(remote))
      ->start();
}

void start_tls_session(std::shared_ptr<ServerState> state, tcp::socket socket) {
  std::string remote = remote_of(socket);
  auto& context = *state->tls;
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  std::make_shared<Session<TlsStream>>(
      std::move(state), TlsStream(beast::tcp_stream(std::move(socket)), context), std::move(remote))
      ->start();
}

}  // namespace repay::server::detail
