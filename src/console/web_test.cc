#include "console/web.h"

#include <doctest/doctest.h>

#include "console/router.h"

namespace repay::console {

TEST_CASE("web: forms decode + and percent escapes") {
  auto f = parse_form("a=1&comment=two+words%21&empty=&flag&bad=%zz&x=%E4%B8%AD");
  CHECK(f["a"] == "1");
  CHECK(f["comment"] == "two words!");
  CHECK(f["empty"] == "");
  CHECK(f.count("flag") == 1);
  CHECK(f["bad"] == "%zz");
  CHECK(f["x"] == "中");
  CHECK(parse_form("a=%4").at("a") == "%4");
  CHECK(parse_form("").empty());
}

TEST_CASE("web: url_encode round-trips through parse_form") {
  const std::string v = "a b&c=d/é";
  CHECK(parse_form("k=" + url_encode(v)).at("k") == v);
}

TEST_CASE("web: cookies by name") {
  server::HttpRequest r;
  r.headers["cookie"] = "other=1; repay_session=abc; x=y";
  CHECK(cookie(r, "repay_session") == "abc");
  CHECK(cookie(r, "x") == "y");
  CHECK(cookie(r, "session") == "");
}

TEST_CASE("web: html answers carry the security headers") {
  auto r = html(200, "<p>x</p>");
  bool csp = false;
  for (auto& [k, v] : r.headers) {
    if (k == "Content-Security-Policy") csp = v.find("default-src 'none'") != std::string::npos;
  }
  CHECK(csp);
  CHECK(r.content_type.find("text/html") == 0);
}

namespace {
std::pair<int, std::string> call(const Router& router, const std::string& method, const std::string& target) {
  server::HttpRequest req;
  req.method = method;
  req.target = target;
  std::pair<int, std::string> out{0, ""};
  router.handle(std::move(req), [&](server::HttpResponse r) { out = {r.status, r.body}; });
  return out;
}
server::Handler says(std::string what) {
  return [what](server::HttpRequest&&, server::Respond respond) {
    server::HttpResponse r;
    r.body = what;
    respond(std::move(r));
  };
}
}  // namespace

TEST_CASE("router: exact before prefix, longest prefix, methods, 404 and 405") {
  Router r;
  r.route("GET", "/refunds", says("list"));
  r.route_prefix("GET", "/refunds/", says("one"));
  r.route_prefix("POST", "/refunds/", says("act"));
  r.route_prefix("", "/re", says("short"));
  r.route("GET", "/metrics", says("metrics"));  // what another admin endpoint adds: one line
  CHECK(call(r, "GET", "/refunds?state=x").second == "list");
  CHECK(call(r, "GET", "/refunds/RF1").second == "one");
  CHECK(call(r, "POST", "/refunds/RF1/approve").second == "act");
  CHECK(call(r, "GET", "/reconciliation").second == "short");
  CHECK(call(r, "GET", "/metrics").second == "metrics");
  CHECK(call(r, "POST", "/metrics").first == 405);
  CHECK(call(r, "GET", "/nothing").first == 404);
  r.fallback(says("fallback"));
  CHECK(call(r, "GET", "/nothing").second == "fallback");
}

}  // namespace repay::console
