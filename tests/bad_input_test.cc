// Requests that must not be executed (center-api.md: HTTP status, "answers that did nothing";
// common.md: Signatures): each answered with its HTTP status and RespCode, nothing stored, and —
// for the rejected signatures — the ReqNo still free.
#include <doctest/doctest.h>

#include <csignal>

#include "stack/http_get.h"
#include "harness.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::e2e {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string header(const Headers& h, const std::string& name) {
  for (const auto& [k, v] : h) {
    if (k == name) return v;
  }
  return {};
}

Headers set_header(Headers h, const std::string& name, const std::string& value) {
  for (auto& [k, v] : h) {
    if (k == name) v = value;
  }
  return h;
}

std::string sign3_body(const Fields& f) { return wire::build_xml_message("Request", f); }

void check_rejected(const CenterAnswer& a, int http, const std::string& code, bool signed_answer) {
  INFO("RespMsg: " << a.field("RespMsg") << "; body: " << a.raw_body);
  CHECK(a.http_status == http);
  CHECK(a.field("RespCode") == code);
  CHECK(a.field("Status").empty());
  CHECK(a.signature_ok == signed_answer);
}

}  // namespace

TEST_CASE("bad input: rejected with the right status and code, nothing stored, ReqNo still free") {
  TestStack ts([](stack::StackOptions& o) {
    stack::StackCenter inactive("CC04");
    inactive.extra = "active = false";
    o.centers.push_back(inactive);
  });
  const std::string path = "/api/sign3";

  // A signature with one hex character changed: 401 4001; the same ReqNo then signs.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string rn = ts.req_no();
    const std::string body = sign3_body(holder_fields(rn, e));
    Headers h = ts.client("CC01").signed_headers(path, body);
    std::string sig = header(h, wire::kHeaderSignature);
    REQUIRE(sig.size() == 64);
    sig[10] = sig[10] == 'a' ? 'b' : 'a';
    RowCounts before = ts.counts();
    auto a = ts.client("CC01").raw_post(path, body, set_header(h, wire::kHeaderSignature, sig));
    REQUIRE(a.ok());
    check_rejected(*a, 401, "4001", true);
    CHECK(ts.counts() == before);
    auto ok = ts.call("CC01", "sign3", holder_fields(rn, e));
    CHECK(ok.field("Status") == "SIGNED");
    CHECK(ok.field("RespCode") == "0000");
    CHECK(ts.count_rows("agreements") == before.agreements + 1);
  }

  // A request signed for another target (sign3's body and headers signed for /api/unsign):
  // 401 4001.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string body = sign3_body(holder_fields(ts.req_no(), e));
    RowCounts before = ts.counts();
    auto a = ts.client("CC01").raw_post(path, body,
                                        ts.client("CC01").signed_headers("/api/unsign", body));
    REQUIRE(a.ok());
    check_rejected(*a, 401, "4001", true);
    CHECK(ts.counts() == before);
  }

  // A timestamp 301 s old, correctly signed: 401 4001; the same ReqNo then signs.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string rn = ts.req_no();
    const std::string body = sign3_body(holder_fields(rn, e));
    wire::SignedHeaders sh;
    sh.sender_id = "CC01";
    sh.timestamp = format_cst_timestamp(SystemClock().now() - std::chrono::seconds(301));
    sh.nonce = "StaleNonce0123456789abcdef";
    sh.signature = wire::signature_of(ts.stack().center_secret("CC01"), sh, "POST " + path, body);
    Headers h = {{wire::kHeaderSender, sh.sender_id},
                 {wire::kHeaderTimestamp, sh.timestamp},
                 {wire::kHeaderNonce, sh.nonce},
                 {wire::kHeaderSignature, sh.signature}};
    RowCounts before = ts.counts();
    auto a = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(a.ok());
    check_rejected(*a, 401, "4001", true);
    CHECK(ts.counts() == before);
    // 301 s ahead is as bad.
    sh.timestamp = format_cst_timestamp(SystemClock().now() + std::chrono::seconds(301));
    sh.signature = wire::signature_of(ts.stack().center_secret("CC01"), sh, "POST " + path, body);
    h = set_header(set_header(h, wire::kHeaderTimestamp, sh.timestamp), wire::kHeaderSignature,
                   sh.signature);
    auto ahead = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(ahead.ok());
    check_rejected(*ahead, 401, "4001", true);
    CHECK(ts.counts() == before);
    // The same headers with a fresh timestamp are accepted (the stale one was the only fault).
    sh.timestamp = format_cst_timestamp(SystemClock().now());
    sh.signature = wire::signature_of(ts.stack().center_secret("CC01"), sh, "POST " + path, body);
    h = set_header(set_header(h, wire::kHeaderTimestamp, sh.timestamp), wire::kHeaderSignature,
                   sh.signature);
    auto ok = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(ok.ok());
    CHECK(ok->http_status == 200);
    CHECK(ok->field("Status") == "SIGNED");
    CHECK(ts.count_rows("agreements") == before.agreements + 1);
  }

  // The exact same signed request twice: the second is a replay, 401 4001, and so it stays
  // after a restart of the processor.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string body = sign3_body(holder_fields(ts.req_no(), e));
    const Headers h = ts.client("CC01").signed_headers(path, body);
    auto first = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(first.ok());
    CHECK(first->http_status == 200);
    CHECK(first->field("Status") == "SIGNED");
    RowCounts after = ts.counts();
    auto replay = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(replay.ok());
    check_rejected(*replay, 401, "4001", true);
    CHECK(ts.counts() == after);

    ts.restart_processor(SIGTERM);
    auto later = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(later.ok());
    check_rejected(*later, 401, "4001", true);
    CHECK(ts.counts() == after);
  }

  // Every other rejection below must leave the tables as they are.
  const RowCounts before = ts.counts();
  const BookEntry& e = ts.holder("NORMAL");

  auto post_signed = [&](const std::string& p, const std::string& body) {
    auto a = ts.client("CC01").raw_post(p, body, ts.client("CC01").signed_headers(p, body));
    REQUIRE_MESSAGE(a.ok(), "no HTTP answer: " << (a.ok() ? "" : a.error().message));
    return *a;
  };

  // Bodies that are not XML of the profile: 400 2007.
  {
    INFO("malformed XML");
    check_rejected(post_signed(path, "<Request><ReqNo>R1</ReqNo>"), 400, "2007", true);
  }
  {
    INFO("DOCTYPE");
    check_rejected(post_signed(path,
                               "<?xml version=\"1.0\"?><!DOCTYPE Request [<!ENTITY x \"y\">]>"
                               "<Request><ReqNo>&x;</ReqNo></Request>"),
                   400, "2007", true);
  }
  {
    INFO("root not Request");
    check_rejected(post_signed(path, wire::build_xml_message("Req", holder_fields(ts.req_no(), e))),
                   400, "2007", true);
  }
  CHECK(ts.counts() == before);

  // Missing or badly formed fields: 200 2007 naming the field; the ReqNo stays free.
  auto check_field = [&](const std::string& tx, const Fields& f, const std::string& field) {
    INFO(tx << " with a missing or bad " << field);
    auto a = ts.call("CC01", tx, f);
    check_rejected(a, 200, "2007", true);
    CHECK(a.field("RespMsg").find(field) != std::string::npos);
  };
  const std::string free_rn = ts.req_no();
  check_field("sign3", without(holder_fields(free_rn, e), "DebitCardNo"), "DebitCardNo");
  check_field("sign3", with(holder_fields(free_rn, e), "DebitCardNo", ""), "DebitCardNo");
  check_field("sign3", with(holder_fields(free_rn, e), "IdType", "05"), "IdType");
  check_field("sign3", with(holder_fields(free_rn, e), "Name", "Zhang|San"), "Name");
  check_field("sign3", with(holder_fields(free_rn, e), "CreditCardNo", "62220212345"),
              "CreditCardNo");
  check_field("sign3", holder_fields(std::string(33, 'R'), e), "ReqNo");
  check_field("qsign/apply", with_mobile(holder_fields(free_rn, e), "2123"), "Mobile");
  check_field("qsign/apply", holder_fields(free_rn, e), "Mobile");
  check_field("qsign/confirm", {{"ReqNo", free_rn}, {"OrigReqNo", "X1"}, {"SmsCode", "12a4"}},
              "SmsCode");
  check_field("qsign/confirm", {{"ReqNo", free_rn}, {"SmsCode", "1234"}}, "OrigReqNo");
  check_field("unsign", {{"ReqNo", free_rn}}, "AgreementNo");
  CHECK(ts.counts() == before);

  // Unknown card center: 401 4002, not signed.
  {
    const std::string body = sign3_body(holder_fields(free_rn, e));
    wire::SignedHeaders sh =
        wire::sign_message("some secret", "CC99", SystemClock(), "POST " + path, body);
    Headers h = {{wire::kHeaderSender, sh.sender_id},
                 {wire::kHeaderTimestamp, sh.timestamp},
                 {wire::kHeaderNonce, sh.nonce},
                 {wire::kHeaderSignature, sh.signature}};
    auto a = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(a.ok());
    check_rejected(*a, 401, "4002", false);
    CHECK(a->raw_body.find("<Response>") != std::string::npos);
  }

  // An inactive card center, correctly signed: 401 4002.
  {
    const std::string body = sign3_body(holder_fields(free_rn, e));
    wire::SignedHeaders sh = wire::sign_message(ts.stack().center_secret("CC04"), "CC04",
                                                SystemClock(), "POST " + path, body);
    Headers h = {{wire::kHeaderSender, sh.sender_id},
                 {wire::kHeaderTimestamp, sh.timestamp},
                 {wire::kHeaderNonce, sh.nonce},
                 {wire::kHeaderSignature, sh.signature}};
    auto a = ts.client("CC01").raw_post(path, body, h);
    REQUIRE(a.ok());
    INFO("body: " << a->raw_body);
    CHECK(a->http_status == 401);
    CHECK(a->field("RespCode") == "4002");
  }

  // Unknown txCode: 404 2007, signed.
  check_rejected(post_signed("/api/nope", sign3_body(holder_fields(free_rn, e))), 404, "2007",
                 true);

  // Over 64 KiB: 413 2007.
  {
    Fields f = holder_fields(free_rn, e);
    f.emplace_back("Padding", std::string(65 * 1024, 'p'));
    auto a = ts.client("CC01").raw_post(path, sign3_body(f),
                                        ts.client("CC01").signed_headers(path, sign3_body(f)));
    REQUIRE_MESSAGE(a.ok(), "no HTTP answer: " << (a.ok() ? "" : a.error().message));
    INFO("body: " << a->raw_body);
    CHECK(a->http_status == 413);
    CHECK(a->field("RespCode") == "2007");
  }
  CHECK(ts.counts() == before);

  // The ReqNo used by all those rejected requests is still free.
  auto ok = ts.call("CC01", "sign3", holder_fields(free_rn, e));
  CHECK(ok.field("Status") == "SIGNED");
  CHECK(ok.field("RespCode") == "0000");
  CHECK(ok.signature_ok);

  // Health.
  auto health = stack::http_simple(ts.stack().api_url() + "/healthz");
  REQUIRE(health.ok());
  CHECK(*health == "ok");
}

// center-api.md: "Every answer has a <Response> body; it is signed whenever the sender is a known
// card center." A body over the limit from a known center is no exception.
TEST_CASE("bad input: the 413 answer to a known card center is signed") {
  TestStack ts;
  const std::string path = "/api/sign3";
  Fields f = holder_fields(ts.req_no(), ts.holder("NORMAL"));
  f.emplace_back("Padding", std::string(65 * 1024, 'p'));
  const std::string body = sign3_body(f);
  auto a = ts.client("CC01").raw_post(path, body, ts.client("CC01").signed_headers(path, body));
  REQUIRE(a.ok());
  CHECK(a->http_status == 413);
  CHECK(a->field("RespCode") == "2007");
  CHECK(a->signature_ok);
}

}  // namespace repay::e2e
