// The settlement staff console (domain.md flow 4: staff review the refunds Repay proposes), served
// on the admin listener. Server-rendered HTML, no script; every form works with JavaScript off.
//
// Security: staff log in with passwords (console/password.h); after `max_failed_logins`
// consecutive failures the account locks until `repay staff unlock` (or a new password). A
// session is a random cookie (HttpOnly, SameSite=Strict, Secure under TLS) of which the store
// keeps only a SHA-256; each session has its own CSRF token, checked on every POST (the login
// form has a pre-session token in its own cookie). Roles are checked on the server: viewers
// read; reviewers and admins also approve, reject and resolve exceptions. Approvals and
// rejections call the same ReviewStore as `repay refunds` (maker-checker, two approvers above
// the threshold, the ceiling), so the console cannot do what the CLI may not. Admins also see the
// staff accounts and unlock them. Every action is
// audited. No full card, ID or mobile number is ever rendered: the store hands out masked ones.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "batch/ports.h"
#include "console/html.h"
#include "console/ports.h"
#include "console/router.h"
#include "core/clock.h"
#include "settlement/review_ports.h"

namespace repay::console {

// A batch with its deadline outlook (what `repay batch status` prints).
struct BatchView {
  batch::BatchSummary batch;
  double items_per_second = 0;
  Instant projected_finish{};  // epoch when unknown
  bool at_risk = false;
};

struct ConsoleOptions {
  int max_failed_logins = 5;
  std::chrono::minutes session_lifetime{30};
  bool secure_cookie = false;  // the admin listener serves TLS
  settlement::ReviewPolicy policy;
  // The card center's default NotifyUrl, where an approved refund's result is notified for
  // information ("" none).
  std::function<std::string(const std::string& center)> notify_url_of;
  // Open batches with their outlook; null: the page says it is not available.
  std::function<std::vector<BatchView>()> batches;
  // Batches returned since a time, the latest first (the store's returned_batches); listed on
  // the batches page for the last `returned_days`. Null: not listed.
  std::function<std::vector<batch::BatchSummary>(Instant since)> returned;
  int returned_days = 7;
};

class Console {
 public:
  // Everything passed outlives the console.
  Console(ConsoleOptions options, ConsoleStore& staff,
          settlement::ReviewStore& review, const Clock& clock);

  // Registers the console's pages: /login, /logout, /, /refunds..., /exceptions..., /batches,
  // /reconciliation, /audit.
  void attach(Router& router);

  // The handler behind every page, for tests: GET/POST as a browser sends them.
  server::HttpResponse handle(const server::HttpRequest& req);

 private:
  struct Who {
    StaffSession s;
    std::string token_hash;
    PageUser user() const { return PageUser{s.login, s.role, s.csrf}; }
    bool can_review() const { return s.role == "reviewer" || s.role == "admin"; }
    bool is_admin() const { return s.role == "admin"; }
  };
  std::optional<Who> who(const server::HttpRequest& req);
  bool csrf_ok(const Who& w, const std::map<std::string, std::string>& form) const;
  server::HttpResponse refused(const Who& w, int status, const std::string& why);

  server::HttpResponse login_page(const std::string& notice, int status);
  server::HttpResponse login(const server::HttpRequest& req);
  server::HttpResponse logout(const server::HttpRequest& req, const Who& w);

  server::HttpResponse refunds(const server::HttpRequest& req, const Who& w);
  server::HttpResponse refund(const std::string& no, const Who& w, const std::string& notice,
                              const std::string& kind, int status);
  server::HttpResponse refund_action(const server::HttpRequest& req, const Who& w);
  server::HttpResponse exceptions(const server::HttpRequest& req, const Who& w,
                                  const std::string& notice = {}, const std::string& kind = "ok",
                                  int status = 200);
  server::HttpResponse exception_note(const server::HttpRequest& req, const Who& w);
  server::HttpResponse batches(const Who& w);
  server::HttpResponse reconciliation(const server::HttpRequest& req, const Who& w);
  server::HttpResponse audit(const server::HttpRequest& req, const Who& w);
  server::HttpResponse staff_page(const Who& w, const std::string& notice = {},
                                  const std::string& kind = "ok", int status = 200);
  server::HttpResponse staff_unlock(const server::HttpRequest& req, const Who& w);
  server::HttpResponse failure(const Who& w, const Error& e);

  ConsoleOptions opt_;
  ConsoleStore& staff_;
  settlement::ReviewStore& review_;
  const Clock& clock_;
  // Verified against for unknown logins, so timing says nothing; made on first need (it costs a
  // whole KDF run, which start-up need not pay).
};

}  // namespace repay::console
