#include "channel/channel_message.h"

#include <array>
#include <utility>

#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::channel {
namespace {

constexpr std::array<std::string_view, 14> kListedRetCodes = {
    "0000", "1000", "2000", "3001", "3002", "3003", "3004",
    "3005", "3006", "3007", "3099", "4001", "9001", "9999"};

// Headers shared by every signed request (common.md: Signatures).
std::vector<std::string> signed_header_lines(const wire::SignedHeaders& h) {
  return {std::string(wire::kHeaderSender) + ": " + h.sender_id,
          std::string(wire::kHeaderTimestamp) + ": " + h.timestamp,
          std::string(wire::kHeaderNonce) + ": " + h.nonce,
          std::string(wire::kHeaderSignature) + ": " + h.signature};
}

std::string header_or_empty(const std::map<std::string, std::string>& headers,
                            const std::string& lower_name) {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool is_reserved_field(const std::string& name) {
  return name == "TxCode" || name == "MerchantId" || name == "ReqSn" || name == "ReqTime";
}

// A code-like value is safe to echo in a detail; anything else is not repeated.
std::string printable_code(const std::string& v) {
  if (v.empty() || v.size() > 16) return "(unprintable)";
  for (char c : v) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return "(unprintable)";
  }
  return v;
}

ChannelResult unknown(int http_status, std::string detail) {
  ChannelResult r;
  r.outcome = Outcome::kUnknown;
  r.http_status = http_status;
  r.detail = std::move(detail);
  return r;
}

}  // namespace

std::string url_path(const std::string& base_url) {
  auto scheme = base_url.find("://");
  auto host_start = scheme == std::string::npos ? 0 : scheme + 3;
  auto slash = base_url.find('/', host_start);
  if (slash == std::string::npos) return "";
  std::string path = base_url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

OutgoingRequest build_gateway_request(const ChannelEndpoint& endpoint, const ChannelCall& call,
                                      const Clock& clock) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"TxCode", call.tx_code},
      {"MerchantId", endpoint.merchant_id},
      {"ReqSn", call.req_sn},
      {"ReqTime", format_cst_timestamp(clock.now())}};
  for (const auto& f : call.fields) {
    if (!is_reserved_field(f.first)) fields.push_back(f);
  }
  OutgoingRequest req;
  req.method = "POST";
  req.url = endpoint.base_url + "/gateway";
  req.target = "POST " + url_path(endpoint.base_url) + "/gateway";
  req.body = wire::build_xml_message("ChannelRequest", fields);
  auto signed_headers =
      wire::sign_message(endpoint.secrets.at(0), endpoint.merchant_id, clock, req.target, req.body);
  req.headers = signed_header_lines(signed_headers);
  req.headers.push_back("Content-Type: application/xml; charset=utf-8");
  return req;
}

OutgoingRequest build_statement_request(const ChannelEndpoint& endpoint, Date date,
                                        const Clock& clock) {
  std::string path_and_query = "/statement?date=" + format_date(date);
  OutgoingRequest req;
  req.method = "GET";
  req.url = endpoint.base_url + path_and_query;
  req.target = "GET " + url_path(endpoint.base_url) + path_and_query;
  auto signed_headers =
      wire::sign_message(endpoint.secrets.at(0), endpoint.merchant_id, clock, req.target, "");
  req.headers = signed_header_lines(signed_headers);
  return req;
}

bool is_listed_ret_code(std::string_view ret_code) {
  for (auto c : kListedRetCodes) {
    if (c == ret_code) return true;
  }
  return false;
}

std::string check_answer_signature(const ChannelEndpoint& endpoint,
                                   const std::map<std::string, std::string>& headers,
                                   std::string_view body, const Clock& clock) {
  wire::SignedHeaders h;
  h.sender_id = header_or_empty(headers, "x-sender-id");
  h.timestamp = header_or_empty(headers, "x-timestamp");
  h.nonce = header_or_empty(headers, "x-nonce");
  h.signature = header_or_empty(headers, "x-signature");
  if (h.sender_id.empty() && h.signature.empty()) return "answer not signed";
  if (h.sender_id != endpoint.channel_id) {
    return "answer X-Sender-Id " + printable_code(h.sender_id) + " is not the channel";
  }
  auto check = wire::verify_message(h, endpoint.secrets, clock, "", body);
  if (check != wire::SignatureCheck::kOk) {
    return "answer signature rejected: " + std::string(wire::to_string(check));
  }
  return "";
}

ChannelResult classify_answer(const ChannelEndpoint& endpoint, const ChannelCall& sent,
                              const HttpAnswer& answer, const Clock& clock) {
  if (answer.status == 429) {  // channel-api.md: 429 means the same as 9001
    ChannelResult r;
    r.outcome = Outcome::kBusy;
    r.http_status = 429;
    r.mapping = codes::map_channel_code("9001");
    r.detail = "HTTP 429";
    return r;
  }
  if (answer.status != 200) {
    return unknown(answer.status, "HTTP " + std::to_string(answer.status));
  }
  if (auto why = check_answer_signature(endpoint, answer.headers, answer.body, clock);
      !why.empty()) {
    return unknown(200, why);
  }
  auto parsed = wire::parse_xml_message(answer.body);
  if (!parsed) return unknown(200, "answer not parseable: " + parsed.error().message);
  const wire::XmlMessage& msg = *parsed;
  if (msg.root != "ChannelResponse") return unknown(200, "answer root is not ChannelResponse");
  if (msg.get("TxCode").value_or("") != sent.tx_code) {
    return unknown(200, "answer TxCode does not match the request");
  }
  if (msg.get("ReqSn").value_or("") != sent.req_sn) {
    return unknown(200, "answer ReqSn does not match the request");
  }
  auto ret_code = msg.get("RetCode");
  if (!ret_code) return unknown(200, "answer without RetCode");
  if (!is_listed_ret_code(*ret_code)) {
    return unknown(200, "unlisted RetCode " + printable_code(*ret_code));
  }
  ChannelResult r;
  r.http_status = 200;
  r.ret_code = *ret_code;
  r.ret_msg = msg.get("RetMsg").value_or("");
  r.fields = msg.fields;
  r.mapping = codes::map_channel_code(*ret_code);
  if (*ret_code == "9001") {
    r.outcome = Outcome::kBusy;
    r.detail = "RetCode 9001";
  } else {
    r.outcome = Outcome::kAnswered;
  }
  return r;
}

}  // namespace repay::channel
