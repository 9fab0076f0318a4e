// A scriptable bank for the channel client's tests, on repay::server::HttpServer: checks the
// signature of what it receives, answers per a test's script (status, RetCode, delay, signature
// faults), counts concurrent requests and records arrival order. Test-only.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/http_server.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::channel::testing {

inline constexpr const char* kChannelId = "BANKA";
inline constexpr const char* kMerchantId = "M0001";
inline constexpr const char* kSecret = "channel-secret-0123456789";
inline constexpr const char* kBasePath = "/bank";

struct BankReply {
  int status = 200;
  std::string ret_code = "0000";
  std::vector<std::pair<std::string, std::string>> fields;  // beyond TxCode ReqSn RetCode RetMsg
  std::chrono::milliseconds delay{0};
  enum class Signing { kGood, kNone, kWrongSecret, kWrongSender } signing = Signing::kGood;
  std::optional<std::string> req_sn;   // answer with another ReqSn
  std::optional<std::string> body;     // answer exactly this body (still signed per `signing`)
};

struct BankSeen {
  std::string req_sn;
  std::string tx_code;
  std::map<std::string, std::string> fields;
  bool signature_ok = false;
  std::string sender;
  std::chrono::steady_clock::time_point at;
};

class FakeBank {
 public:
  using Script = std::function<BankReply(const wire::XmlMessage&)>;

  explicit FakeBank(Script script) : script_(std::move(script)) {
    server::HttpServerOptions o;
    o.threads = 4;
    server_ = std::make_unique<server::HttpServer>(
        o, [this](server::HttpRequest&& r, server::Respond respond) {
          handle(std::move(r), std::move(respond));
        });
    server_->start();
  }
  ~FakeBank() {
    // A request may still arrive while we wait for the timers (a client aborted its transfer but
    // the bytes were sent): join until none is left, stop the server (no handler runs after it),
    // then join the timers those last requests added (their late Respond is dropped). A timer
    // left joinable would end the process.
    join_timers();
    server_->stop();
    join_timers();
  }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + kBasePath;
  }
  int max_concurrent() const {
    std::lock_guard lk(mu_);
    return max_concurrent_;
  }
  std::vector<BankSeen> seen() const {
    std::lock_guard lk(mu_);
    return seen_;
  }
  void set_statement(std::optional<std::string> text) {
    std::lock_guard lk(mu_);
    statement_ = std::move(text);
  }
  std::string last_statement_target() const {
    std::lock_guard lk(mu_);
    return statement_target_;
  }
  bool last_statement_signature_ok() const {
    std::lock_guard lk(mu_);
    return statement_signature_ok_;
  }

 private:
  static wire::SignedHeaders headers_of(const server::HttpRequest& r) {
    return {r.header("x-sender-id"), r.header("x-timestamp"), r.header("x-nonce"),
            r.header("x-signature")};
  }

  static server::HttpResponse signed_answer(int status, std::string body,
                                            BankReply::Signing signing) {
    SystemClock clock;
    server::HttpResponse resp;
    resp.status = status;
    resp.content_type = "application/xml; charset=utf-8";
    resp.body = std::move(body);
    if (signing == BankReply::Signing::kNone) return resp;
    std::string secret = signing == BankReply::Signing::kWrongSecret ? "another-secret" : kSecret;
    std::string sender = signing == BankReply::Signing::kWrongSender ? "BANKB" : kChannelId;
    auto h = wire::sign_message(secret, sender, clock, "", resp.body);
    resp.headers = {{wire::kHeaderSender, h.sender_id},
                    {wire::kHeaderTimestamp, h.timestamp},
                    {wire::kHeaderNonce, h.nonce},
                    {wire::kHeaderSignature, h.signature}};
    return resp;
  }

  void handle(server::HttpRequest&& r, server::Respond respond) {
    SystemClock clock;
    if (r.method == "GET" && r.path() == std::string(kBasePath) + "/statement") {
      bool ok = wire::verify_message(headers_of(r), {kSecret}, clock, "GET " + r.target, "") ==
                    wire::SignatureCheck::kOk &&
                r.header("x-sender-id") == kMerchantId;
      std::optional<std::string> text;
      {
        std::lock_guard lk(mu_);
        statement_target_ = r.target;
        statement_signature_ok_ = ok;
        text = statement_;
      }
      if (!text) {
        server::HttpResponse nf;
        nf.status = 404;
        respond(std::move(nf));
        return;
      }
      auto resp = signed_answer(200, *text, BankReply::Signing::kGood);
      resp.content_type = "text/plain; charset=utf-8";
      respond(std::move(resp));
      return;
    }

    auto msg = wire::parse_xml_message(r.body);
    BankSeen s;
    s.at = std::chrono::steady_clock::now();
    s.sender = r.header("x-sender-id");
    s.signature_ok = r.method == "POST" && r.target == std::string(kBasePath) + "/gateway" &&
                     wire::verify_message(headers_of(r), {kSecret}, clock,
                                          "POST " + std::string(kBasePath) + "/gateway",
                                          r.body) == wire::SignatureCheck::kOk;
    wire::XmlMessage m;
    if (msg) m = *msg;
    s.req_sn = m.get("ReqSn").value_or("");
    s.tx_code = m.get("TxCode").value_or("");
    s.fields = m.fields;
    BankReply reply = script_(m);
    {
      std::lock_guard lk(mu_);
      seen_.push_back(s);
      ++concurrent_;
      max_concurrent_ = std::max(max_concurrent_, concurrent_);
    }
    std::string body = reply.body.value_or(wire::build_xml_message(
        "ChannelResponse", [&] {
          std::vector<std::pair<std::string, std::string>> f = {
              {"TxCode", s.tx_code},
              {"ReqSn", reply.req_sn.value_or(s.req_sn)},
              {"RetCode", reply.ret_code},
              {"RetMsg", "msg " + reply.ret_code}};
          f.insert(f.end(), reply.fields.begin(), reply.fields.end());
          return f;
        }()));
    auto answer = [this, respond, status = reply.status, body, signing = reply.signing]() {
      {
        std::lock_guard lk(mu_);
        --concurrent_;
      }
      respond(signed_answer(status, body, signing));
    };
    if (reply.delay.count() == 0) {
      answer();
      return;
    }
    std::lock_guard lk(mu_);
    timers_.emplace_back([answer, delay = reply.delay] {
      std::this_thread::sleep_for(delay);
      answer();
    });
  }

  void join_timers() {
    for (;;) {
      std::vector<std::thread> threads;
      {
        std::lock_guard lk(mu_);
        threads.swap(timers_);
      }
      if (threads.empty()) return;
      for (auto& t : threads) t.join();
    }
  }

  Script script_;
  std::unique_ptr<server::HttpServer> server_;
  mutable std::mutex mu_;
  int concurrent_ = 0;
  int max_concurrent_ = 0;
  std::vector<BankSeen> seen_;
  std::vector<std::thread> timers_;
  std::optional<std::string> statement_;
  std::string statement_target_;
  bool statement_signature_ok_ = false;
};

}  // namespace repay::channel::testing
