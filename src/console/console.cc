// The console's dispatch and authentication: sessions, CSRF, lock-out, roles.
#include "console/console.h"

#include "console/password.h"
#include "console/staff_auth.h"
#include "console/web.h"
#include "core/log.h"
#include "crypto/crypto.h"

namespace repay::console {
namespace {

constexpr const char* kSessionCookie = "repay_session";
constexpr const char* kLoginCookie = "repay_login";

std::string set_cookie(const char* name, const std::string& value, bool secure, int max_age) {
  return std::string(name) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "") + (max_age >= 0 ? "; Max-Age=" + std::to_string(max_age) : "");
}

}  // namespace

Console::Console(ConsoleOptions options, ConsoleStore& staff,
                 settlement::ReviewStore& review, const Clock& clock)
    : opt_(std::move(options)), staff_(staff), review_(review), clock_(clock) {}

void Console::attach(Router& router) {
  auto h = [this](server::HttpRequest&& req, server::Respond respond) { respond(handle(req)); };
  for (const char* path : {"/", "/login", "/logout", "/batches", "/reconciliation", "/audit"}) {
    router.route("", path, h);
  }
  router.route("", "/refunds", h);
  router.route_prefix("", "/refunds/", h);
  router.route("", "/exceptions", h);
  router.route_prefix("", "/exceptions/", h);
  router.route("", "/staff", h);
  router.route_prefix("", "/staff/", h);
}

std::optional<Console::Who> Console::who(const server::HttpRequest& req) {
  const std::string token = cookie(req, kSessionCookie);
  if (token.empty()) return std::nullopt;
  const std::string hash = crypto::sha256_hex(token);
  auto s = staff_.session(hash, clock_.now());
  if (!s) {
    log::warn("console.session_read", {{"error", s.error().to_string()}});
    return std::nullopt;
  }
  if (!s->has_value()) return std::nullopt;
  return Who{**s, hash};
}

bool Console::csrf_ok(const Who& w, const std::map<std::string, std::string>& form) const {
  auto it = form.find("csrf");
  return it != form.end() && !it->second.empty() && crypto::constant_time_equal(it->second, w.s.csrf);
}

server::HttpResponse Console::refused(const Who& w, int status, const std::string& why) {
  return html(status, page("Refused", w.user(), "<p><a href=\"/refunds\">Back</a></p>", why, "error"));
}

server::HttpResponse Console::failure(const Who& w, const Error& e) {
  log::error("console.store", {{"error", e.to_string()}});
  return html(503, page("Unavailable", w.user(), "", "The store did not answer; try again.", "error"));
}

server::HttpResponse Console::handle(const server::HttpRequest& req) {
  const std::string path = req.path();
  const bool post = req.method == "POST";
  if (req.method != "GET" && !post) return html(405, "method not allowed");
  if (path == "/login") return post ? login(req) : login_page("", 200);
  auto w = who(req);
  if (!w) {
    if (post) return html(403, page("Refused", PageUser{}, "<p><a href=\"/login\">Log in</a></p>",
                                    "You are not logged in (or your session ended).", "error"));
    return redirect("/login");
  }
  if (post) {
    // Every POST carries the session's CSRF token; nothing happens without it.
    if (!csrf_ok(*w, parse_form(req.body))) {
      log::warn("console.csrf_refused", {{"login", w->s.login}, {"path", path}});
      (void)staff_.refused(w->s.login, "POST " + path + ": missing or wrong CSRF token", clock_.now());
      return refused(*w, 403, "Refused: the form's security token is missing or wrong. Reload the "
                              "page and try again.");
    }
    if (path == "/logout") return logout(req, *w);
    if (path.rfind("/staff/", 0) == 0) {
      if (!w->is_admin()) {
        (void)staff_.refused(w->s.login, "POST " + path + ": role " + w->s.role, clock_.now());
        return refused(*w, 403, "Refused: only an admin manages staff accounts.");
      }
      return staff_unlock(req, *w);
    }
    if (!w->can_review()) {
      (void)staff_.refused(w->s.login, "POST " + path + ": role " + w->s.role, clock_.now());
      return refused(*w, 403, "Refused: your role (" + w->s.role + ") may only look.");
    }
    if (path.rfind("/refunds/", 0) == 0) return refund_action(req, *w);
    if (path.rfind("/exceptions/", 0) == 0) return exception_note(req, *w);
    return html(404, page("Not found", w->user(), ""));
  }
  if (path == "/") return redirect("/refunds");
  if (path == "/refunds") return refunds(req, *w);
  if (path.rfind("/refunds/", 0) == 0) {
    const auto q = parse_form(req.query());
    auto done = q.find("done");
    std::string notice;
    if (done != q.end()) {
      if (done->second == "approved") notice = "Approved: the processor sends the refund to the bank.";
      if (done->second == "waiting") notice = "Your approval is recorded; a second, different approver is needed.";
      if (done->second == "repeat") notice = "You had already decided so; nothing changed.";
      if (done->second == "rejected") notice = "Rejected.";
    }
    return refund(path.substr(9), *w, notice, "ok", 200);
  }
  if (path == "/exceptions") return exceptions(req, *w);
  if (path == "/batches") return batches(*w);
  if (path == "/reconciliation") return reconciliation(req, *w);
  if (path == "/audit") return audit(req, *w);
  if (path == "/staff") {
    if (!w->is_admin()) return refused(*w, 403, "Refused: only an admin sees the staff accounts.");
    return staff_page(*w);
  }
  return html(404, page("Not found", w->user(), ""));
}

server::HttpResponse Console::login_page(const std::string& notice, int status) {
  const std::string token = crypto::random_token(32);
  std::string body =
      "<form method=\"post\" action=\"/login\">" + csrf_field(token) +
      "<p><label>Login <input name=\"login\" autocomplete=\"username\" required></label></p>"
      "<p><label>Password <input name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required></label></p><p><button>Log in</button></p></form>";
  auto r = html(status, page("Log in", PageUser{}, body, notice, "error"));
  r.headers.emplace_back("Set-Cookie", set_cookie(kLoginCookie, token, opt_.secure_cookie, 600));
  return r;
}

server::HttpResponse Console::login(const server::HttpRequest& req) {
  const auto form = parse_form(req.body);
  const std::string expected = cookie(req, kLoginCookie);
  auto csrf = form.find("csrf");
  if (expected.empty() || csrf == form.end() || !crypto::constant_time_equal(csrf->second, expected)) {
    return login_page("Refused: the form's security token is missing or wrong. Try again.", 403);
  }
  const std::string login = form.count("login") ? form.at("login") : "";
  const std::string password = form.count("password") ? form.at("password") : "";
  const Instant now = clock_.now();
  const char* kLocked = "This account is locked after repeated failed logins; an admin unlocks it.";
  // The same check as the `repay refunds` CLI's (console/staff_auth.h).
  auto check = check_staff_password(staff_, login, password, opt_.max_failed_logins, now);
  if (!check) return html(503, page("Unavailable", PageUser{}, "", "The store did not answer.", "error"));
  if (check->kind == StaffCheck::Kind::kLocked) return login_page(kLocked, 403);
  if (check->kind == StaffCheck::Kind::kWrong) return login_page("Login failed: wrong login or password.", 401);
  const std::string token = crypto::random_token(43);
  const std::string csrf_token = crypto::random_token(43);
  auto ok = staff_.login_succeeded(login, crypto::sha256_hex(token), csrf_token, now,
                                   now + opt_.session_lifetime);
  if (!ok) {
    if (ok.error().code == "LOCKED") return login_page(kLocked, 403);
    return html(503, page("Unavailable", PageUser{}, "", "The store did not answer.", "error"));
  }
  (void)staff_.purge_sessions(now);  // expired ones are never read again
  auto r = redirect("/refunds");
  r.headers.emplace_back("Set-Cookie", set_cookie(kSessionCookie, token, opt_.secure_cookie, -1));
  r.headers.emplace_back("Set-Cookie", set_cookie(kLoginCookie, "", opt_.secure_cookie, 0));
  return r;
}

server::HttpResponse Console::logout(const server::HttpRequest&, const Who& w) {
  auto st = staff_.logout(w.token_hash, w.s.login, clock_.now());
  if (!st) return failure(w, st.error());
  auto r = redirect("/login");
  r.headers.emplace_back("Set-Cookie", set_cookie(kSessionCookie, "", opt_.secure_cookie, 0));
  return r;
}

}  // namespace repay::console
