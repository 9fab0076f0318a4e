// The libcurl notification sender against a real HTTP(S) server on loopback.
#include "channel/notify_sender.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>

#include "server/http_server.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::channel {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "center-secret-CC01";

// A card center's notification endpoint: remembers the last request, answers as told.
struct FakeCenter {
  std::mutex mu;
  server::HttpRequest last;
  int requests = 0;
  int status = 200;
  std::string answer = "SUCCESS";
  server::Respond held;  // when hold is set, the answer is kept back (a center that never answers)
  bool hold = false;
  std::unique_ptr<server::HttpServer> http;

  explicit FakeCenter(std::optional<server::TlsFiles> tls = std::nullopt) {
    server::HttpServerOptions o;
    o.tls = std::move(tls);
    http = std::make_unique<server::HttpServer>(o, [this](server::HttpRequest&& r,
                                                          server::Respond respond) {
      std::lock_guard<std::mutex> lock(mu);
      last = std::move(r);
      ++requests;
      if (hold) {
        held = std::move(respond);
        return;
      }
      server::HttpResponse a;
      a.status = status;
      a.body = answer;
      respond(std::move(a));
    });
    http->start();
  }
  ~FakeCenter() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (held) held(server::HttpResponse{});
    }
    http->stop(200ms);
  }
  void answer_with(int s, std::string body) {
    std::lock_guard<std::mutex> lock(mu);
    status = s;
    answer = std::move(body);
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu);
    return requests;
  }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1",
                  const std::string& scheme = "http") const {
    return scheme + "://" + host + ":" + std::to_string(http->port()) + path;
  }
};

realtime::Notification notification(const std::string& url) {
  realtime::Notification n;
  n.id = 7;
  n.center_id = "CC01";
  n.key = "REPAY:T100";
  n.url = url;
  n.fields = {{"Type", "REPAY"}, {"TxnNo", "T100"}, {"ReqNo", "R1"}, {"Status", "SUCCESS"},
              {"RespCode", "0000"}, {"RespMsg", "ok <&>"}, {"Amount", "10000"}};
  return n;
}

CenterSecretLookup secrets() {
  return [](const std::string& center) -> Result<std::string> {
    if (center == "CC01") return kSecret;
    return make_error("CONFIG", "unknown center");
  };
}

TEST_CASE("notify sender: signed <Notify> over POST <path and query>, delivered on SUCCESS") {
  FakeCenter center;
  center.answer_with(200, "  SUCCESS\r\n");
  SystemClock clock;
  NotifySenderOptions opt;
  opt.processor_id = "REPAYPROC";
  CurlNotificationSender sender(opt, secrets(), clock);

  auto r = sender.post(notification(center.url("/cb/notify?c=1&d=x")));
  CHECK(r.delivered);
  CHECK(r.result == "SUCCESS");

  std::lock_guard<std::mutex> lock(center.mu);
  const auto& req = center.last;
  CHECK(req.method == "POST");
  CHECK(req.target == "/cb/notify?c=1&d=x");
  CHECK(req.header("content-type") == "application/xml; charset=utf-8");
  wire::SignedHeaders h{req.header("x-sender-id"), req.header("x-timestamp"),
                        req.header("x-nonce"), req.header("x-signature")};
  CHECK(h.sender_id == "REPAYPROC");
  CHECK(wire::verify_message(h, {kSecret}, clock, "POST " + req.target, req.body) ==
        wire::SignatureCheck::kOk);
  CHECK(wire::verify_message(h, {"another-secret"}, clock, "POST " + req.target, req.body) ==
        wire::SignatureCheck::kBadSignature);
  auto xml = wire::parse_xml_message(req.body);
  REQUIRE(xml.ok());
  CHECK(xml->root == "Notify");
  CHECK(xml->get("TxnNo") == "T100");
  CHECK(xml->get("RespMsg") == "ok <&>");
  CHECK(xml->get("Amount") == "10000");
}

TEST_CASE("notify sender: every try is signed afresh") {
  FakeCenter center;
  SystemClock clock;
  CurlNotificationSender sender({}, secrets(), clock);
  const auto n = notification(center.url("/n"));
  REQUIRE(sender.post(n).delivered);
  std::string first_nonce;
  {
    std::lock_guard<std::mutex> lock(center.mu);
    first_nonce = center.last.header("x-nonce");
    CHECK(center.last.header("x-sender-id") == "PROCESSOR");
  }
  REQUIRE(sender.post(n).delivered);
  std::lock_guard<std::mutex> lock(center.mu);
  CHECK(center.last.header("x-nonce") != first_nonce);
}

TEST_CASE("notify sender: anything but HTTP 200 SUCCESS is a failed delivery") {
  FakeCenter center;
  SystemClock clock;
  CurlNotificationSender sender({}, secrets(), clock);
  const auto n = notification(center.url("/n"));

  center.answer_with(500, "SUCCESS");
  auto r = sender.post(n);
  CHECK_FALSE(r.delivered);
  CHECK(r.result == "HTTP 500");

  center.answer_with(200, "FAIL\nsomething");
  r = sender.post(n);
  CHECK_FALSE(r.delivered);
  CHECK(r.result == "HTTP 200 answer 'FAIL something'");

  center.answer_with(200, "success");
  CHECK_FALSE(sender.post(n).delivered);
  center.answer_with(200, "SUCCESS!");
  CHECK_FALSE(sender.post(n).delivered);
  center.answer_with(200, "");
  CHECK_FALSE(sender.post(n).delivered);
}

TEST_CASE("notify sender: no answer within the timeout is a failed delivery") {
  FakeCenter center;
  {
    std::lock_guard<std::mutex> lock(center.mu);
    center.hold = true;
  }
  SystemClock clock;
  NotifySenderOptions opt;
  opt.timeout = 300ms;
  CurlNotificationSender sender(opt, secrets(), clock);
  auto r = sender.post(notification(center.url("/n")));
  CHECK_FALSE(r.delivered);
  CHECK(r.result == "timeout");
}

TEST_CASE("notify sender: unknown center, bad URL, refused connection are failed tries") {
  SystemClock clock;
  CurlNotificationSender sender({}, secrets(), clock);
  auto n = notification("http://127.0.0.1:1/n");
  auto refused = sender.post(n);
  CHECK_FALSE(refused.delivered);
  CHECK(refused.result.rfind("error: ", 0) == 0);

  n.center_id = "CC99";
  CHECK(sender.post(n).result == "error: no secret for CC99");

  n.center_id = "CC01";
  n.url = "http://center.example/n";  // plain http off loopback
  auto plain = sender.post(n);
  CHECK_FALSE(plain.delivered);
  CHECK(plain.result.find("https") != std::string::npos);
  n.url = "not a url";
  CHECK_FALSE(sender.post(n).delivered);
}

TEST_CASE("path_and_query_of: the request-target as sent") {
  CHECK(path_and_query_of("https://c.example/cb/notify?c=1").value() == "/cb/notify?c=1");
  CHECK(path_and_query_of("https://c.example:8443/base/n").value() == "/base/n");
  CHECK(path_and_query_of("https://c.example").value() == "/");
  CHECK(path_and_query_of("https://c.example?x=1").value() == "/?x=1");
  CHECK(path_and_query_of("https://c.example/n?a=1#frag").value() == "/n?a=1");
  CHECK(path_and_query_of("http://127.0.0.1:9000/n").value() == "/n");
  CHECK(path_and_query_of("http://localhost/n").value() == "/n");
  CHECK(path_and_query_of("http://[::1]:9000/n").value() == "/n");
  CHECK_FALSE(path_and_query_of("http://c.example/n").ok());
  CHECK_FALSE(path_and_query_of("ftp://c.example/n").ok());
  CHECK_FALSE(path_and_query_of("/relative").ok());
}

TEST_CASE("is_success_answer") {
  CHECK(is_success_answer(200, "SUCCESS"));
  CHECK(is_success_answer(200, "\r\n\t SUCCESS \n"));
  CHECK_FALSE(is_success_answer(201, "SUCCESS"));
  CHECK_FALSE(is_success_answer(200, "SUCC ESS"));
  CHECK_FALSE(is_success_answer(200, "   "));
}

struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "repay-notify-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST_CASE("notify sender: HTTPS verifies the center's certificate against the CA file") {
  TempDir dir;
  const std::string key = (dir.path / "k.pem").string();
  const std::string cert = (dir.path / "c.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 1 -keyout " + key + " -out " +
      cert + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  FakeCenter center(server::TlsFiles{cert, key});
  SystemClock clock;
  const auto n = notification(center.url("/cb/n", "127.0.0.1", "https"));

  NotifySenderOptions trusted;
  trusted.ca_file = cert;
  auto ok = CurlNotificationSender(trusted, secrets(), clock).post(n);
  CHECK_MESSAGE(ok.delivered, ok.result);

  // Without the CA file the self-signed certificate is not trusted: nothing is sent.
  const int before = center.count();
  auto untrusted = CurlNotificationSender({}, secrets(), clock).post(n);
  CHECK_FALSE(untrusted.delivered);
  CHECK(untrusted.result.rfind("error: ", 0) == 0);
  CHECK(center.count() == before);
}

}  // namespace
}  // namespace repay::channel
