// HTTP-level tests: the adapter on port 0, signed requests with libcurl, and a fake processor
// (the project's HttpServer) receiving notifications.
#include "simulator/service.h"

#include <curl/curl.h>
#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::sim {
namespace {

constexpr const char* kSecret = "s3cret-for-tests";

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

size_t on_body(char* d, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(d, s * n);
  return s * n;
}

size_t on_header(char* d, size_t s, size_t n, void* out) {
  std::string line(d, s * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return s * n;
}

Reply http(const std::string& method, const std::string& url, const std::string& body = {},
           const std::vector<std::string>& headers = {}) {
  Reply r;
  CURL* c = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  r.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

// A fake processor that stores every notification and answers SUCCESS.
struct FakeProcessor {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<server::HttpRequest> got;
  server::HttpServer server{server::HttpServerOptions{}, [this](server::HttpRequest&& r,
                                                                 server::Respond respond) {
                              {
                                std::lock_guard lock(mu);
                                got.push_back(std::move(r));
                              }
                              cv.notify_all();
                              server::HttpResponse ok;
                              ok.body = "SUCCESS";
                              respond(ok);
                            }};
  FakeProcessor() { server.start(); }
  bool wait_for(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; });
  }
};

struct Sim {
  FakeProcessor processor;
  OffsetClock clock;
  SystemClock real;
  std::vector<Cardholder> book = generate_book(5, 30);
  std::unique_ptr<BankService> service;
  std::string base;
  int sn = 0;

  Sim() {
    log::set_level(log::Level::kWarn);
    for (auto& c : book) {
      c.state = CardState::kNormal;
      c.balance = 1'000'000;
    }
    ServiceOptions o;
    o.channels = {{{"COL1", ChannelKind::kCollect, "M100"}, {kSecret}}};
    o.notify_base = "http://127.0.0.1:" + std::to_string(processor.server.port());
    o.notifier.first_backoff = std::chrono::milliseconds(20);
    service = std::make_unique<BankService>(
        Bank(book, {{"COL1", ChannelKind::kCollect, "M100"}}, BankSettings{}), o, clock);
    service->start();
    base = "http://127.0.0.1:" + std::to_string(service->port());
  }

  std::vector<std::string> sign(const std::string& target, const std::string& body,
                                const std::string& secret = kSecret) {
    auto h = wire::sign_message(secret, "M100", real, target, body);
    return {"X-Sender-Id: " + h.sender_id, "X-Timestamp: " + h.timestamp, "X-Nonce: " + h.nonce,
            "X-Signature: " + h.signature, "Content-Type: application/xml; charset=utf-8"};
  }
  std::string debit_body(const std::string& req_sn, Fen amount, size_t who = 0) {
    const Cardholder& c = book[who];
    return wire::build_xml_message(
        "ChannelRequest", {{"TxCode", "DEBIT"}, {"MerchantId", "M100"}, {"ReqSn", req_sn},
                           {"ReqTime", format_cst_timestamp(real.now())},
                           {"Amount", std::to_string(amount)}, {"CardNo", c.debit_card},
                           {"Name", c.name}, {"IdType", c.id_type}, {"IdNo", c.id_no}});
  }
  Reply gateway(const std::string& body) {
    return http("POST", base + "/COL1/gateway", body, sign("POST /COL1/gateway", body));
  }
  wire::XmlMessage answer(Reply r) {
    // Every answer is signed by the channel, with the empty target.
    wire::SignedHeaders h{r.headers["x-sender-id"], r.headers["x-timestamp"],
                          r.headers["x-nonce"], r.headers["x-signature"]};
    CHECK(h.sender_id == "COL1");
    CHECK(wire::verify_message(h, {kSecret}, real, "", r.body) == wire::SignatureCheck::kOk);
    auto m = wire::parse_xml_message(r.body);
    REQUIRE(m.ok());
    return *m;
  }
};

}  // namespace

TEST_CASE("service: a signed DEBIT over HTTP, its duplicate, its notification, the ledger") {
  Sim sim;
  Reply r = sim.gateway(sim.debit_body("HTTP1", 2500));
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 200);
  auto a = sim.answer(r);
  CHECK(a.get("RetCode") == "0000");
  CHECK(a.get("TxCode") == "DEBIT");
  CHECK(a.get("ReqSn") == "HTTP1");
  CHECK(a.has("ChannelTxnNo"));

  auto dup = sim.answer(sim.gateway(sim.debit_body("HTTP1", 2500)));
  CHECK(dup.get("RetCode") == "1000");
  CHECK(dup.get("Status") == "SUCCESS");
  CHECK(dup.get("ChannelTxnNo") == a.get("ChannelTxnNo"));

  REQUIRE(sim.processor.wait_for(1));
  {
    std::lock_guard lock(sim.processor.mu);
    const server::HttpRequest& n = sim.processor.got[0];
    CHECK(n.target == "/channel/notify/COL1");
    wire::SignedHeaders h{n.header("x-sender-id"), n.header("x-timestamp"), n.header("x-nonce"),
                          n.header("x-signature")};
    CHECK(wire::verify_message(h, {kSecret}, sim.real, "POST /channel/notify/COL1", n.body) ==
          wire::SignatureCheck::kOk);
    auto m = wire::parse_xml_message(n.body);
    REQUIRE(m.ok());
    CHECK(m->root == "ChannelNotify");
    CHECK(m->get("Status") == "SUCCESS");
    CHECK(m->get("Amount") == "2500");
  }
  Reply ledger = http("GET", sim.base + "/sim/ledger");
  CHECK(ledger.body.find("COL1|HTTP1|DEBIT|SUCCESS|2500|") == 0);
  CHECK(ledger.body.substr(ledger.body.size() - 3) == "|1\n");
  CHECK(http("GET", sim.base + "/sim/health").body == "ok\n");
  CHECK(http("GET", sim.base + "/sim/book").body.rfind("H|book|30\n", 0) == 0);
}

TEST_CASE("service: bad signature, replayed nonce, wrong MerchantId -> 4001; malformed -> 400") {
  Sim sim;
  std::string body = sim.debit_body("B1", 100);
  Reply bad = http("POST", sim.base + "/COL1/gateway", body,
                   sim.sign("POST /COL1/gateway", body, "wrong"));
  CHECK(sim.answer(bad).get("RetCode") == "4001");
  auto headers = sim.sign("POST /COL1/gateway", body);
  CHECK(sim.answer(http("POST", sim.base + "/COL1/gateway", body, headers)).get("RetCode") ==
        "0000");
  CHECK(sim.answer(http("POST", sim.base + "/COL1/gateway", body, headers)).get("RetCode") ==
        "4001");
  std::string other = body;
  other.replace(other.find("M100"), 4, "M999");
  CHECK(sim.answer(sim.gateway(other)).get("RetCode") == "4001");
  CHECK(sim.gateway("<ChannelRequest><TxCode>").status == 400);
  CHECK(http("POST", sim.base + "/NOPE/gateway", body).status == 404);
}

TEST_CASE("service: faults on and off at run time; lost answer executes, 5xx does not") {
  Sim sim;
  CHECK(http("POST", sim.base + "/sim/faults", "p-5xx=1\n").status == 200);
  CHECK(sim.gateway(sim.debit_body("F1", 100)).status == 500);
  CHECK(http("POST", sim.base + "/sim/faults", "p-5xx=0\np-lost-answer=1\n").status == 200);
  Reply lost = sim.gateway(sim.debit_body("F2", 100));
  CHECK(lost.code != CURLE_OK);
  CHECK(http("POST", sim.base + "/sim/faults", "reset\np-processing=1\nlate-result-ms=100\n")
            .body.find("p-processing=1\n") != std::string::npos);
  CHECK(sim.answer(sim.gateway(sim.debit_body("F3", 100))).get("RetCode") == "2000");
  CHECK(http("POST", sim.base + "/sim/faults", "p-busy=2\n").status == 400);
  CHECK(http("POST", sim.base + "/sim/faults", "reset\n").status == 200);
  std::string ledger = http("GET", sim.base + "/sim/ledger").body;
  CHECK(ledger.find("|F1|") == std::string::npos);
  CHECK(ledger.find("COL1|F2|DEBIT|SUCCESS|100|") != std::string::npos);
  // F1 was never registered: sent again it executes; F2 answers 1000.
  CHECK(sim.answer(sim.gateway(sim.debit_body("F1", 100))).get("RetCode") == "0000");
  CHECK(sim.answer(sim.gateway(sim.debit_body("F2", 100))).get("RetCode") == "1000");
  // F3 became final on the scheduler and was notified.
  REQUIRE(sim.processor.wait_for(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(http("GET", sim.base + "/sim/ledger").body.find("COL1|F3|DEBIT|SUCCESS|100|") !=
        std::string::npos);
}

TEST_CASE("service: the lie-* knobs lie exactly N times; the ledger tells what moved; off by default") {
  Sim sim;
  // Off by default: a bank that follows channel-api.md.
  const std::string knobs = http("GET", sim.base + "/sim/faults").body;
  CHECK(knobs.find("lie-busy-debits=0\n") != std::string::npos);
  CHECK(knobs.find("lie-declined-debits=0\n") != std::string::npos);
  CHECK(knobs.find("lie-query-not-found=0\n") != std::string::npos);
  CHECK(http("POST", sim.base + "/sim/faults", "lie-busy-debits=1\nlie-declined-debits=1\n").status == 200);
  // The first DEBIT is executed and answered busy; a resend of it is answered busy too.
  CHECK(sim.answer(sim.gateway(sim.debit_body("L1", 100))).get("RetCode") == "9001");
  CHECK(sim.answer(sim.gateway(sim.debit_body("L1", 100))).get("RetCode") == "9001");
  // The next one is executed and answered declined; then the truth again.
  CHECK(sim.answer(sim.gateway(sim.debit_body("L2", 200))).get("RetCode") == "3001");
  CHECK(sim.answer(sim.gateway(sim.debit_body("L3", 300))).get("RetCode") == "0000");
  std::string ledger = http("GET", sim.base + "/sim/ledger").body;
  CHECK(ledger.find("COL1|L1|DEBIT|SUCCESS|100|") != std::string::npos);
  CHECK(ledger.find("COL1|L2|DEBIT|SUCCESS|200|") != std::string::npos);
  CHECK(ledger.find("COL1|L3|DEBIT|SUCCESS|300|") != std::string::npos);
  // Only L3's notification was sent: the lies are not notified.
  REQUIRE(sim.processor.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    std::lock_guard lock(sim.processor.mu);
    CHECK(sim.processor.got.size() == 1);
  }
  auto query = [&](const std::string& sn, const std::string& orig) {
    const std::string body = wire::build_xml_message(
        "ChannelRequest", {{"TxCode", "QUERY"}, {"MerchantId", "M100"}, {"ReqSn", sn},
                           {"ReqTime", format_cst_timestamp(sim.real.now())}, {"OrigReqSn", orig}});
    return sim.answer(sim.gateway(body));
  };
  CHECK(query("Q1", "L2").get("Status") == "SUCCESS");
  CHECK(http("POST", sim.base + "/sim/faults", "lie-query-not-found=1\n").status == 200);
  CHECK(query("Q2", "L2").get("Status") == "NOT_FOUND");
  CHECK(query("Q3", "L2").get("Status") == "SUCCESS");
}

TEST_CASE("service: statement is 404 until ready, then signed; SMS endpoints") {
  Sim sim;
  auto debit = sim.answer(sim.gateway(sim.debit_body("S1", 700)));
  REQUIRE(debit.get("RetCode") == "0000");
  std::string date = debit.get("SettleDate").value_or("");
  std::string target = "/COL1/statement?date=" + date;
  CHECK(http("GET", sim.base + target, "", sim.sign("GET " + target, "")).status == 404);
  CHECK(http("POST", sim.base + "/sim/clock", "offset-seconds=172800").status == 200);
  Reply s = http("GET", sim.base + target, "", sim.sign("GET " + target, ""));
  REQUIRE(s.status == 200);
  wire::SignedHeaders h{s.headers["x-sender-id"], s.headers["x-timestamp"], s.headers["x-nonce"],
                        s.headers["x-signature"]};
  CHECK(wire::verify_message(h, {kSecret}, sim.real, "", s.body) == wire::SignatureCheck::kOk);
  CHECK(s.body.rfind("H|COL1|" + date + "|1|700|0\nD|", 0) == 0);
  CHECK(http("GET", sim.base + target, "", sim.sign("GET " + target, "", "x")).status == 403);
  CHECK(http("GET", sim.base + "/sim/sms?mobile=13000000000").status == 404);
}

TEST_CASE("service: a duplicated early notification arrives before the answer") {
  Sim sim;
  REQUIRE(http("POST", sim.base + "/sim/faults", "p-notify-dup=1\np-notify-early=1\n").status ==
          200);
  Reply r = sim.gateway(sim.debit_body("E1", 300));
  {
    // The first attempt is over before the answer is sent, so it is already stored.
    std::lock_guard lock(sim.processor.mu);
    CHECK(sim.processor.got.size() >= 1);
  }
  CHECK(sim.answer(r).get("RetCode") == "0000");
  REQUIRE(sim.processor.wait_for(2));
  std::lock_guard lock(sim.processor.mu);
  CHECK(sim.processor.got[0].body == sim.processor.got[1].body);
}

}  // namespace repay::sim
