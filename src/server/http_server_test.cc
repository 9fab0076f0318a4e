#include "server/http_server.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "server/test_http_client.h"

namespace repay::server {
namespace {

namespace http = boost::beast::http;
using testing::request_text;
using testing::TestClient;

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::unique_ptr<HttpServer> started(HttpServerOptions options, Handler handler) {
  auto server = std::make_unique<HttpServer>(std::move(options), std::move(handler));
  server->start();
  return server;
}

// Echoes what the server parsed, so tests see the request as the handler did.
void echo(HttpRequest&& r, Respond respond) {
  respond(text(200, r.method + " " + r.path() + " q=" + r.query() + " x-foo=" + r.header("x-foo") +
                        " from=" + r.remote_address + " body=" + r.body));
}

TEST_CASE("GET and POST round trip; headers lower-cased; Content-Length always") {
  auto server = started({}, echo);
  REQUIRE(server->port() != 0);
  TestClient c(server->port());

  auto get = c.request(request_text("GET", "/a/b?x=1&y=2", "", "X-Foo: bar\r\n"));
  CHECK(get.result_int() == 200);
  CHECK(get.body() == "GET /a/b q=x=1&y=2 x-foo=bar from=127.0.0.1 body=");
  CHECK(get[http::field::content_length] == std::to_string(get.body().size()));
  CHECK(get[http::field::server].empty());

  // Keep-alive: the second request goes over the same connection.
  auto post = c.request(request_text("POST", "/api/repay", "<Request/>"));
  CHECK(post.result_int() == 200);
  CHECK(post.body() == "POST /api/repay q= x-foo= from=127.0.0.1 body=<Request/>");
  CHECK(post.keep_alive());
}

TEST_CASE("response headers and status are sent as given") {
  auto server = started({}, [](HttpRequest&&, Respond respond) {
    HttpResponse r = text(429, "<Response/>");
    r.content_type = "application/xml; charset=utf-8";
    r.headers = {{"X-Signature", "abc"}};
    respond(r);
  });
  TestClient c(server->port());
  auto r = c.request(request_text("GET", "/"));
  CHECK(r.result_int() == 429);
  CHECK(r[http::field::content_type] == "application/xml; charset=utf-8");
  CHECK(r["X-Signature"] == "abc");
  CHECK(r.body() == "<Response/>");
}

TEST_CASE("body over the limit: too_large_response and the connection closed") {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  o.too_large_response = [](const std::string&) { return text(413, "<Response>too large</Response>"); };
  std::atomic<int> calls{0};
  auto server = started(o, [&](HttpRequest&& r, Respond respond) {
    ++calls;
    echo(std::move(r), std::move(respond));
  });

  SUBCASE("Content-Length over the limit") {
    TestClient c(server->port());
    c.send(request_text("POST", "/api/x", std::string(2000, 'a')));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->result_int() == 413);
    CHECK(r->body() == "<Response>too large</Response>");
    CHECK_FALSE(r->keep_alive());
    CHECK_FALSE(c.read());
  }
  SUBCASE("chunked body over the limit") {
    TestClient c(server->port());
    std::string chunk(600, 'b');
    std::string raw = "POST /api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 2; ++i) raw += "258\r\n" + chunk + "\r\n";  // 0x258 = 600
    raw += "0\r\n\r\n";
    auto r = c.request(raw);
    CHECK(r.result_int() == 413);
    CHECK_FALSE(r.keep_alive());
  }
  SUBCASE("exactly at the limit is accepted") {
    TestClient c(server->port());
    auto r = c.request(request_text("POST", "/api/x", std::string(1024, 'a')));
    CHECK(r.result_int() == 200);
  }
  SUBCASE("Expect: 100-continue is invited, or refused when too large") {
    TestClient c(server->port());
    c.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto cont = c.read();
    REQUIRE(cont);
    CHECK(cont->result_int() == 100);
    c.send("hello");
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->body() == "POST /a q= x-foo= from=127.0.0.1 body=hello");

    TestClient big(server->port());
    big.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    auto refused = big.read();
    REQUIRE(refused);
    CHECK(refused->result_int() == 413);
  }
  CHECK(calls <= 2);
}

TEST_CASE("malformed HTTP gets 400 and the connection closed; oversized headers 431") {
  auto server = started({}, echo);
  TestClient bad(server->port());
  auto r = bad.request("GARBAGE\r\n\r\n");
  CHECK(r.result_int() == 400);
  CHECK_FALSE(bad.read());

  TestClient huge(server->port());
  auto h = huge.request(request_text("GET", "/", "", "X-Big: " + std::string(20000, 'x') + "\r\n"));
  CHECK(h.result_int() == 431);
}

TEST_CASE("200 handlers answering later from other threads, on 2 io threads") {
  constexpr int kRequests = 200;
  HttpServerOptions o;
  o.threads = 2;
  std::mutex mu;
  std::set<std::thread::id> handler_threads;
  std::vector<std::thread> responders;
  std::atomic<int> arrived{0};
  auto server = started(o, [&](HttpRequest&& r, Respond respond) {
    ++arrived;
    std::lock_guard lock(mu);
    handler_threads.insert(std::this_thread::get_id());
    responders.emplace_back([&arrived, respond, body = r.body] {
      // Answer only once every request is being handled, so all 200 are provably in flight
      // together (bounded, in case some never arrive: the test then fails on its checks).
      auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (arrived < kRequests && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      respond(text(200, "late " + body));
      respond(text(500, "a second call is ignored"));
    });
  });

  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.push_back(std::make_unique<TestClient>(server->port()));
    clients.back()->send(request_text("POST", "/slow", std::to_string(i)));
  }
  for (int i = 0; i < kRequests; ++i) {
    auto r = clients[i]->read();
    REQUIRE(r);
    CHECK(r->result_int() == 200);
    CHECK(r->body() == "late " + std::to_string(i));
  }
  // All 200 were waiting at once although only 2 threads run the server.
  CHECK(arrived == kRequests);
  CHECK(handler_threads.size() <= 2);
  server->stop();
  for (auto& t : responders) t.join();
}

TEST_CASE("drop_connection closes without writing; a dropped Respond closes too") {
  auto server = started({}, [](HttpRequest&& r, Respond respond) {
    if (r.path() == "/drop") {
      HttpResponse d;
      d.drop_connection = true;
      respond(d);
    } else if (r.path() == "/throw") {
      throw std::runtime_error("handler bug");
    }  // else: never responds and lets Respond go
  });
  TestClient drop(server->port());
  drop.send(request_text("GET", "/drop"));
  CHECK_FALSE(drop.read());

  TestClient forgotten(server->port());
  forgotten.send(request_text("GET", "/forget"));
  CHECK_FALSE(forgotten.read());

  TestClient thrower(server->port());
  CHECK(thrower.request(request_text("GET", "/throw")).result_int() == 500);
}

TEST_CASE("stop: 503 for new requests, in-flight handlers answer within grace") {
  HttpServerOptions o;
  o.unavailable_response = [](const std::string&) { return text(503, "<Response>stopping</Response>"); };
  std::promise<Respond> held;
  auto server = started(o, [&](HttpRequest&& r, Respond respond) {
    if (r.path() == "/hold") {
      held.set_value(std::move(respond));
    } else {
      respond(text(200, "ok"));
    }
  });
  TestClient idle(server->port());
  CHECK(idle.request(request_text("GET", "/quick")).result_int() == 200);  // now kept alive
  TestClient busy(server->port());
  busy.send(request_text("GET", "/hold"));
  Respond respond_later = held.get_future().get();

  auto stopping = std::async(std::launch::async, [&] { server->stop(std::chrono::seconds(10)); });
  // stop() closes the listener first: once a connect is refused, stopping has begun.
  for (bool accepting = true; accepting;) {
    try {
      TestClient probe(server->port());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } catch (const std::runtime_error&) {
      accepting = false;
    }
  }
  auto refused = idle.request(request_text("GET", "/quick"));
  CHECK(refused.result_int() == 503);
  CHECK(refused.body() == "<Response>stopping</Response>");
  CHECK_FALSE(refused.keep_alive());

  respond_later(text(200, "finished"));
  auto finished = busy.read();
  REQUIRE(finished);
  CHECK(finished->body() == "finished");
  CHECK_FALSE(finished->keep_alive());
  stopping.get();
  respond_later(text(200, "after stop: dropped, harmless"));
}

TEST_CASE("at(): a held answer leaves at its time, and at once when stop() begins") {
  using Clock = std::chrono::steady_clock;
  HttpServer* self = nullptr;
  std::atomic<int64_t> received_ns{0};
  auto server = started({}, [&](HttpRequest&& r, Respond respond) {
    received_ns = r.received.time_since_epoch().count();
    auto hold = std::chrono::milliseconds(r.path() == "/long" ? 60000 : 150);
    self->at(r.received + hold, [respond, path = r.path()] { respond(text(200, "held " + path)); });
  });
  self = server.get();

  TestClient c(server->port());
  const auto sent = Clock::now();
  auto held = c.request(request_text("GET", "/short"));
  const auto answered = Clock::now();
  CHECK(held.body() == "held /short");
  // `received` is stamped when the request has been read: between the send and the answer.
  CHECK(received_ns.load() >= sent.time_since_epoch().count());
  CHECK(received_ns.load() <= answered.time_since_epoch().count());
  CHECK(answered - sent >= std::chrono::milliseconds(150));

  TestClient waiting(server->port());
  waiting.send(request_text("GET", "/long"));
  while (received_ns.load() < answered.time_since_epoch().count()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto stop_began = Clock::now();
  auto stopping = std::async(std::launch::async, [&] { server->stop(std::chrono::seconds(30)); });
  auto early = waiting.read();
  REQUIRE(early);
  CHECK(early->body() == "held /long");
  CHECK(Clock::now() - stop_began < std::chrono::seconds(10));  // not the 60 s it was held for
  stopping.get();

  // Once stopped, at() runs its function at once, on the caller's thread.
  bool ran = false;
  server->at(Clock::now() + std::chrono::hours(1), [&] { ran = true; });
  CHECK(ran);
}

TEST_CASE("stop gives up on a handler that never answers after the grace") {
  std::promise<Respond> held;
  auto server = started({}, [&](HttpRequest&&, Respond respond) { held.set_value(respond); });
  TestClient c(server->port());
  c.send(request_text("GET", "/"));
  Respond late = held.get_future().get();
  server->stop(std::chrono::milliseconds(50));
  CHECK_FALSE(c.read());
  server.reset();
  late(text(200, "the server is gone; this must be harmless"));
}

TEST_CASE("idle keep-alive connections and stalled requests are closed by their timeouts") {
  HttpServerOptions o;
  o.idle_timeout = std::chrono::seconds(1);
  o.request_timeout = std::chrono::seconds(1);
  auto server = started(o, echo);

  TestClient idle(server->port());
  CHECK(idle.request(request_text("GET", "/")).result_int() == 200);
  CHECK_FALSE(idle.read());  // nothing sent after the answer: closed after idle_timeout

  TestClient stalled(server->port());
  stalled.send("GET / HTTP/1.1\r\nHost: t\r\n");  // the header never ends
  CHECK_FALSE(stalled.read());
}

struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "repay-tls-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST_CASE("TLS round trip with a self-signed certificate") {
  TempDir dir;
  std::string key = (dir.path / "k.pem").string();
  std::string cert = (dir.path / "c.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
      "-days 1 -keyout " + key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);

  HttpServerOptions o;
  o.tls = TlsFiles{cert, key};
  auto server = started(o, echo);
  TestClient c(server->port(), cert);
  auto r = c.request(request_text("POST", "/api/sign3", "<Request/>"));
  CHECK(r.result_int() == 200);
  CHECK(r.body() == "POST /api/sign3 q= x-foo= from=127.0.0.1 body=<Request/>");
  CHECK(c.request(request_text("GET", "/healthz")).result_int() == 200);  // keep-alive over TLS

  TestClient too_large(server->port(), cert);
  too_large.send(request_text("POST", "/api/x", std::string(70 * 1024, 'a')));
  auto refused = too_large.read();
  REQUIRE(refused);
  CHECK(refused->result_int() == 413);
}

TEST_CASE("unreadable TLS files and a busy port throw, naming them") {
  HttpServerOptions o;
  o.tls = TlsFiles{"/nonexistent/c.pem", "/nonexistent/k.pem"};
  HttpServer tls(o, echo);
  CHECK_THROWS_WITH(tls.start(), doctest::Contains("/nonexistent/c.pem"));

  auto first = started({}, echo);
  HttpServerOptions same;
  same.port = first->port();
  HttpServer second(same, echo);
  std::string where = "127.0.0.1:" + std::to_string(same.port);
  CHECK_THROWS_WITH(second.start(), doctest::Contains(where.c_str()));
}

}  // namespace
}  // namespace repay::server
