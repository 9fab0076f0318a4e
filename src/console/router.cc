#include "console/router.h"

namespace repay::console {

void Router::route(std::string method, std::string path, server::Handler h) {
  entries_.push_back(Entry{std::move(method), std::move(path), false, std::move(h)});
}

void Router::route_prefix(std::string method, std::string prefix, server::Handler h) {
  entries_.push_back(Entry{std::move(method), std::move(prefix), true, std::move(h)});
}

void Router::handle(server::HttpRequest&& req, server::Respond respond) const {
  const std::string path = req.path();
  const Entry* best = nullptr;
  bool path_known = false;
  for (const auto& e : entries_) {
    const bool hit = e.prefix ? path.rfind(e.path, 0) == 0 : path == e.path;
    if (!hit) continue;
    path_known = true;
    if (!e.method.empty() && e.method != req.method) continue;
    if (!e.prefix) {
      best = &e;
      break;
    }
    if (!best || e.path.size() > best->path.size()) best = &e;
  }
  if (best) return best->h(std::move(req), std::move(respond));
  if (path_known) {
    server::HttpResponse r;
    r.status = 405;
    r.body = "method not allowed\n";
    return respond(std::move(r));
  }
  if (fallback_) return fallback_(std::move(req), std::move(respond));
  server::HttpResponse r;
  r.status = 404;
  r.body = "not found\n";
  respond(std::move(r));
}

}  // namespace repay::console
