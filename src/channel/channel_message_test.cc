#include "channel/channel_message.h"

#include <doctest/doctest.h>

#include "channel/channel_notify.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::channel {
namespace {

const char* kSecret = "s3cret-for-tests";

ChannelEndpoint endpoint() {
  ChannelEndpoint e;
  e.channel_id = "BANKA";
  e.base_url = "https://bank.example/bank";
  e.merchant_id = "M0001";
  e.secrets = {kSecret};
  return e;
}

ChannelCall query_call() {
  ChannelCall c;
  c.channel_id = "BANKA";
  c.tx_code = "QUERY";
  c.req_sn = "Q1";
  c.fields = {{"OrigReqSn", "D1"}, {"ReqTime", "19990101000000"}};
  return c;
}

HttpAnswer signed_answer(const std::string& body, const Clock& clock, std::string sender = "BANKA") {
  auto h = wire::sign_message(kSecret, sender, clock, "", body);
  HttpAnswer a;
  a.status = 200;
  a.body = body;
  a.headers = {{"x-sender-id", h.sender_id}, {"x-timestamp", h.timestamp},
               {"x-nonce", h.nonce}, {"x-signature", h.signature}};
  return a;
}

std::string response(const std::string& ret_code, const std::string& req_sn = "Q1") {
  return wire::build_xml_message("ChannelResponse", {{"TxCode", "QUERY"}, {"ReqSn", req_sn},
                                                     {"RetCode", ret_code}, {"Status", "SUCCESS"}});
}

}  // namespace

TEST_CASE("url_path") {
  CHECK(url_path("https://bank.example/bank") == "/bank");
  CHECK(url_path("https://bank.example/a/b/") == "/a/b");
  CHECK(url_path("http://127.0.0.1:9000") == "");
}

TEST_CASE("gateway request: header fields first, caller's copies dropped, signed over the path") {
  SystemClock clock;
  auto req = build_gateway_request(endpoint(), query_call(), clock);
  CHECK(req.url == "https://bank.example/bank/gateway");
  CHECK(req.target == "POST /bank/gateway");
  auto pos = [&](const char* s) { return req.body.find(s); };
  CHECK(pos("<TxCode>QUERY</TxCode>") < pos("<MerchantId>M0001</MerchantId>"));
  CHECK(pos("<MerchantId>") < pos("<ReqSn>Q1</ReqSn>"));
  CHECK(pos("<ReqSn>") < pos("<ReqTime>"));
  CHECK(pos("<ReqTime>") < pos("<OrigReqSn>D1</OrigReqSn>"));
  CHECK(req.body.find("19990101000000") == std::string::npos);
  wire::SignedHeaders h;
  for (const auto& line : req.headers) {
    auto colon = line.find(": ");
    auto name = line.substr(0, colon), value = line.substr(colon + 2);
    if (name == "X-Sender-Id") h.sender_id = value;
    if (name == "X-Timestamp") h.timestamp = value;
    if (name == "X-Nonce") h.nonce = value;
    if (name == "X-Signature") h.signature = value;
  }
  CHECK(h.sender_id == "M0001");
  CHECK(wire::verify_message(h, {kSecret}, clock, "POST /bank/gateway", req.body) ==
        wire::SignatureCheck::kOk);
  // Signed afresh each time.
  auto again = build_gateway_request(endpoint(), query_call(), clock);
  CHECK(again.headers != req.headers);
}

TEST_CASE("statement request target keeps the query") {
  SystemClock clock;
  auto req = build_statement_request(endpoint(), Date(2026, 11, 21), clock);
  CHECK(req.method == "GET");
  CHECK(req.url == "https://bank.example/bank/statement?date=20261121");
  CHECK(req.target == "GET /bank/statement?date=20261121");
  CHECK(req.body.empty());
}

TEST_CASE("listed RetCodes") {
  for (auto c : {"0000", "1000", "2000", "3001", "3007", "3099", "4001", "9001", "9999"}) {
    CHECK(is_listed_ret_code(c));
  }
  for (auto c : {"", "3008", "7777", "0001", "1001"}) CHECK_FALSE(is_listed_ret_code(c));
}

TEST_CASE("classify: every listed code read per codes.md") {
  SystemClock clock;
  auto cls = [&](const std::string& code) {
    return classify_answer(endpoint(), query_call(), signed_answer(response(code), clock), clock);
  };
  CHECK(cls("0000").mapping.cls == codes::ChannelClass::kSuccess);
  CHECK(cls("1000").mapping.cls == codes::ChannelClass::kDuplicate);
  CHECK(cls("2000").mapping.ours == "0001");
  CHECK(cls("3003").mapping.ours == "1003");
  CHECK(cls("4001").outcome == Outcome::kAnswered);
  CHECK(cls("4001").mapping.cls == codes::ChannelClass::kConfigError);
  CHECK(cls("9001").outcome == Outcome::kBusy);
  CHECK(cls("9999").outcome == Outcome::kAnswered);
  CHECK(cls("9999").mapping.cls == codes::ChannelClass::kUnknown);
  CHECK(cls("0000").field("Status") == "SUCCESS");
  CHECK(cls("3100").outcome == Outcome::kUnknown);
}

TEST_CASE("classify: what makes an answer unknown") {
  SystemClock clock;
  auto call = query_call();
  auto a = signed_answer(response("0000", "OTHER"), clock);
  CHECK(classify_answer(endpoint(), call, a, clock).outcome == Outcome::kUnknown);

  a = signed_answer(response("0000"), clock, "BANKB");
  CHECK(classify_answer(endpoint(), call, a, clock).outcome == Outcome::kUnknown);

  a = signed_answer(response("0000"), clock);
  a.body += " ";  // body changed after signing
  CHECK(classify_answer(endpoint(), call, a, clock).outcome == Outcome::kUnknown);

  a = signed_answer(response("0000"), clock);
  a.status = 502;
  CHECK(classify_answer(endpoint(), call, a, clock).detail == "HTTP 502");

  call.tx_code = "DEBIT";
  a = signed_answer(response("0000"), clock);
  CHECK(classify_answer(endpoint(), call, a, clock).outcome == Outcome::kUnknown);

  ManualClock late(clock.now() + std::chrono::seconds(301));
  a = signed_answer(response("0000"), clock);
  CHECK(classify_answer(endpoint(), query_call(), a, late).outcome == Outcome::kUnknown);
}

TEST_CASE("parse_channel_notify") {
  SystemClock clock;
  std::string body = wire::build_xml_message(
      "ChannelNotify", {{"TxCode", "DEBIT"}, {"ReqSn", "D1"}, {"Status", "SUCCESS"},
                        {"Amount", "100"}});
  std::string target = "POST /channel/notify/BANKA";
  auto headers_for = [&](const std::string& sender, const std::string& t, const std::string& b) {
    auto h = wire::sign_message(kSecret, sender, clock, t, b);
    return std::map<std::string, std::string>{{"x-sender-id", h.sender_id},
                                              {"x-timestamp", h.timestamp},
                                              {"x-nonce", h.nonce},
                                              {"x-signature", h.signature}};
  };
  auto ok = parse_channel_notify("BANKA", headers_for("BANKA", target, body), target, body,
                                 {"other", kSecret}, clock);
  REQUIRE(ok.ok());
  CHECK(ok->channel_id == "BANKA");
  CHECK(ok->fields.at("ReqSn") == "D1");
  CHECK(ok->nonce.size() >= 16);

  auto wrong_sender = parse_channel_notify("BANKA", headers_for("BANKB", target, body), target,
                                           body, {kSecret}, clock);
  CHECK(wrong_sender.error().code == "4001");
  auto wrong_target = parse_channel_notify("BANKA", headers_for("BANKA", "POST /x", body), target,
                                           body, {kSecret}, clock);
  CHECK(wrong_target.error().code == "4001");
  auto unsigned_notify = parse_channel_notify("BANKA", {}, target, body, {kSecret}, clock);
  CHECK(unsigned_notify.error().code == "4001");

  std::string other = wire::build_xml_message("ChannelResponse", {{"ReqSn", "D1"}});
  auto wrong_root = parse_channel_notify("BANKA", headers_for("BANKA", target, other), target,
                                         other, {kSecret}, clock);
  CHECK(wrong_root.error().code == "2007");
  std::string junk = "<ChannelNotify><ReqSn>";
  auto bad = parse_channel_notify("BANKA", headers_for("BANKA", target, junk), target, junk,
                                  {kSecret}, clock);
  CHECK(bad.error().code == "2007");
}

}  // namespace repay::channel
