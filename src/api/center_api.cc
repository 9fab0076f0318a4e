#include "api/center_api.h"

#include <utility>

#include "api/api_metrics.h"
#include "core/codes.h"
#include "core/log.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::api {
namespace {

constexpr const char* kApiPrefix = "/api/";

}  // namespace

int http_status_for(const ApiAnswer& a) {
  if (a.resp_code == codes::kSignatureRejected || a.resp_code == codes::kUnknownCenter) return 401;
  if (a.resp_code == codes::kTooManyRequests) return 429;
  return 200;
}

CenterApi::CenterApi(std::vector<CenterEntry> centers, NonceStore& nonces,
                     const Clock& clock, std::string processor_id)
    : nonces_(nonces), clock_(clock), processor_id_(std::move(processor_id)) {
  for (auto& c : centers) centers_.emplace(c.center_id, std::move(c));
}

void CenterApi::route(const std::string& tx_code, TxHandler handler) {
  routes_[tx_code] = std::move(handler);
}

void CenterApi::route_prefix(const std::string& prefix, server::Handler handler) {
  prefix_routes_.emplace_back(prefix, std::move(handler));
}

const CenterEntry* CenterApi::find_center(const std::string& id) const {
  auto it = centers_.find(id);
  return it == centers_.end() ? nullptr : &it->second;
}

server::HttpResponse CenterApi::answer(const CenterEntry* center, int http_status,
                                       const ApiAnswer& a) const {
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("RespCode", a.resp_code);
  fields.emplace_back("RespMsg", a.resp_msg.empty() ? std::string(codes::message(a.resp_code))
                                                    : a.resp_msg);
  for (const auto& f : a.fields) fields.push_back(f);
  server::HttpResponse r;
  r.status = http_status;
  r.content_type = "application/xml; charset=utf-8";
  r.body = wire::build_xml_message("Response", fields);
  // center-api.md: every answer is signed whenever the sender is a known card center.
  if (center && !center->secrets.empty()) {
    auto h = wire::sign_message(center->secrets.front(), processor_id_, clock_, "", r.body);
    r.headers = {{wire::kHeaderSender, h.sender_id},
                 {wire::kHeaderTimestamp, h.timestamp},
                 {wire::kHeaderNonce, h.nonce},
                 {wire::kHeaderSignature, h.signature}};
  }
  return r;
}

const CenterEntry* CenterApi::known_active(const std::string& id) const {
  const CenterEntry* c = find_center(id);
  return c && c->active ? c : nullptr;
}

server::HttpResponse CenterApi::too_large(const std::string& sender_id) const {
  return answer(known_active(sender_id), 413, ApiAnswer::of(codes::kInvalidField, "body too large"));
}

server::HttpResponse CenterApi::unavailable(const std::string& sender_id) const {
  return answer(known_active(sender_id), 503,
                ApiAnswer::of(codes::kSystemError, "starting or shutting down"));
}

void CenterApi::handle(server::HttpRequest&& req, server::Respond respond) {
  const std::string path = req.path();
  if (req.method == "GET" && path == "/healthz") {
    server::HttpResponse r;
    r.status = ready_.load() ? 200 : 503;
    r.body = ready_.load() ? "ok" : draining_.load() ? "draining" : "starting";
    return respond(std::move(r));
  }
  for (auto& [prefix, handler] : prefix_routes_) {
    if (path.rfind(prefix, 0) == 0) return handler(std::move(req), std::move(respond));
  }
  const std::string sender = req.header("x-sender-id");
  if (path.rfind(kApiPrefix, 0) == 0) {  // metrics and message log; labels only of known values
    const std::string tx = path.substr(std::string(kApiPrefix).size());
    respond = observed(std::move(respond), find_center(sender) ? sender : "unknown",
                       routes_.count(tx) ? tx : "other", req.body);
  }
  if (path.rfind(kApiPrefix, 0) != 0 || req.method != "POST") {
    return respond(answer(known_active(sender), 404, ApiAnswer::of(codes::kInvalidField, "no such path")));
  }
  if (!ready_.load()) return respond(unavailable(sender));

  const CenterEntry* center = find_center(sender);
  if (!center || !center->active) {
    return respond(answer(nullptr, 401, ApiAnswer::of(codes::kUnknownCenter,
                                                      "unknown or inactive card center")));
  }
  wire::SignedHeaders h{sender, req.header("x-timestamp"), req.header("x-nonce"),
                        req.header("x-signature")};
  // common.md: target is the method, a space and the exact request-target sent on the wire.
  auto check = wire::verify_message(h, center->secrets, clock_, "POST " + req.target, req.body);
  if (check != wire::SignatureCheck::kOk) {
    log::warn("api.signature_rejected", {{"center", sender}, {"why", std::string(wire::to_string(check))}});
    return respond(answer(center, 401, ApiAnswer::of(codes::kSignatureRejected,
                                                     std::string(wire::to_string(check)))));
  }
  auto fresh = nonces_.remember_nonce(sender, h.nonce, clock_.now(), wire::kNonceMemorySeconds,
                                      center->answer_within / 3);
  if (!fresh) {
    log::error("api.nonce_store_failed", {{"error", fresh.error().to_string()}});
    return respond(answer(center, 503, ApiAnswer::of(codes::kSystemError, "system error")));
  }
  if (!*fresh) {
    return respond(answer(center, 401, ApiAnswer::of(codes::kSignatureRejected, "nonce replayed")));
  }
  if (!limiter_.allow(sender, center->max_requests_per_second, clock_.now())) {
    return respond(answer(center, 429, ApiAnswer::of(codes::kTooManyRequests, "too many requests")));
  }
  const std::string tx_code = path.substr(std::string(kApiPrefix).size());
  auto route = routes_.find(tx_code);
  if (route == routes_.end()) {
    return respond(answer(center, 404, ApiAnswer::of(codes::kInvalidField, "unknown txCode")));
  }
  auto msg = wire::parse_xml_message(req.body);
  if (!msg) return respond(answer(center, 400, ApiAnswer::of(codes::kInvalidField, msg.error().message)));
  if (msg->root != "Request") {
    return respond(answer(center, 400, ApiAnswer::of(codes::kInvalidField, "root element must be Request")));
  }
  route->second(*center, msg->fields,
                [this, center, respond = std::move(respond)](ApiAnswer a) {
                  respond(answer(center, http_status_for(a), a));
                });
}

}  // namespace repay::api
