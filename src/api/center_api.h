// The card-center API of center-api.md on top of the HTTP server: who is calling (X-Sender-Id),
// signature, timestamp and nonce (replay protection kept in the store, so it survives a restart),
// rate limit, routing by txCode, and the one place where answers become HTTP statuses.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/ports.h"
#include "api/rate_limit.h"
#include "core/api_answer.h"
#include "core/clock.h"
#include "server/http_server.h"
#include "signing/signing_service.h"

namespace repay::api {

struct CenterEntry {
  std::string center_id;
  bool active = true;
  std::vector<std::string> secrets;  // [current, next?]: answers are signed with [0]
  int max_requests_per_second = 500;
  // realtime_timeout: every answer is owed within it (center-api.md), so the replay check waits
  // for a busy database at most a third of it.
  std::chrono::milliseconds answer_within{10000};
  signing::SigningCenter signing;
};

// A use-case behind a txCode: gets the centre and the request's fields, replies once.
using TxHandler = std::function<void(const CenterEntry& center,
                                     const std::map<std::string, std::string>& fields,
                                     std::function<void(ApiAnswer)> reply)>;

class CenterApi {
 public:
  CenterApi(std::vector<CenterEntry> centers, NonceStore& nonces, const Clock& clock,
            std::string processor_id);

  // Registers the use-case for POST /api/<tx_code>.
  void route(const std::string& tx_code, TxHandler handler);
  // Extra routes outside /api (the channels' notifications), matched by path prefix.
  void route_prefix(const std::string& prefix, server::Handler handler);

  // The HTTP server's handler.
  void handle(server::HttpRequest&& req, server::Respond respond);
  // For HttpServerOptions.
  // Signed when the sender is a known, active card center (center-api.md).
  server::HttpResponse too_large(const std::string& sender_id) const;
  server::HttpResponse unavailable(const std::string& sender_id) const;

  void set_ready(bool ready) { ready_.store(ready); }
  // After SIGTERM: card-center requests get the signed 503 9999 and /healthz says "draining";
  // the prefix routes (channel notifications) are still served.
  void set_draining() {
    draining_.store(true);
    ready_.store(false);
  }

 private:
  const CenterEntry* find_center(const std::string& id) const;
  const CenterEntry* known_active(const std::string& id) const;
  server::HttpResponse answer(const CenterEntry* center, int http_status, const ApiAnswer& a) const;

  std::map<std::string, CenterEntry> centers_;
  NonceStore& nonces_;
  const Clock& clock_;
  std::string processor_id_;
  std::map<std::string, TxHandler> routes_;
  std::vector<std::pair<std::string, server::Handler>> prefix_routes_;
  RateLimiter limiter_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
};

// center-api.md "HTTP status": 200 for every business answer; 401 for 4001/4002; 429 for 4003.
// 400, 404, 413 and 503 depend on where the request failed, so the caller passes them.
int http_status_for(const ApiAnswer& a);

}  // namespace repay::api
