// The admin listener's router: exact paths and path prefixes, per method, then a fallback (404).
// The console registers its pages here; other admin endpoints plug in with one line, e.g.
//   router.route("GET", "/metrics", metrics_handler);
#pragma once

#include <string>
#include <vector>

#include "server/http_server.h"

namespace repay::console {

class Router {
 public:
  // `method` "" matches any method. Exact routes are tried before prefix routes; among prefixes
  // the longest wins. Register everything before the server starts (not thread-safe to change).
  void route(std::string method, std::string path, server::Handler h);
  void route_prefix(std::string method, std::string prefix, server::Handler h);
  // For requests nothing matches (default: 404 text).
  void fallback(server::Handler h) { fallback_ = std::move(h); }

  void handle(server::HttpRequest&& req, server::Respond respond) const;

 private:
  struct Entry {
    std::string method, path;
    bool prefix = false;
    server::Handler h;
  };
  std::vector<Entry> entries_;
  server::Handler fallback_;
};

}  // namespace repay::console
