// Staff accounts, for admins: who exists with which role, who is locked out, and unlocking.
// Accounts are created and given passwords with `repay staff add|passwd` (passwords never pass
// through the browser).
#include "console/console.h"
#include "console/web.h"
#include "settlement/review.h"

namespace repay::console {

server::HttpResponse Console::staff_page(const Who& w, const std::string& notice, const std::string& kind,
                                         int status) {
  auto rows = staff_.list_staff();
  if (!rows) return failure(w, rows.error());
  std::string body =
      "<p>Accounts are added and given passwords with <code>repay staff add|passwd</code>.</p>"
      "<table id=\"staff\"><tr><th>Login</th><th>Role</th><th>Failed logins</th><th>State</th><th></th></tr>";
  for (const auto& a : *rows) {
    body += "<tr data-login=\"" + esc(a.login) + "\"><td>" + esc(a.login) + "</td><td>" + esc(a.role) +
            "</td><td class=\"n\">" + std::to_string(a.failed_logins) + "</td><td>" +
            (a.locked ? "LOCKED since " + esc(when(a.locked_at)) : std::string("active")) + "</td><td>";
    if (a.locked) {
      body += "<form method=\"post\" action=\"/staff/" + esc(url_encode(a.login)) + "/unlock\">" +
              csrf_field(w.s.csrf) + "<button>Unlock</button></form>";
    }
    body += "</td></tr>";
  }
  body += "</table>";
  return html(status, page("Staff", w.user(), body, notice, kind));
}

server::HttpResponse Console::staff_unlock(const server::HttpRequest& req, const Who& w) {
  // /staff/<login>/unlock
  const std::string rest = req.path().substr(7);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || rest.substr(slash) != "/unlock") {
    return html(404, page("Not found", w.user(), ""));
  }
  const std::string login = rest.substr(0, slash);
  if (!settlement::valid_login(login)) return staff_page(w, "No such account.", "error", 404);
  auto st = staff_.unlock(login, "staff:" + w.s.login, clock_.now());
  if (!st) {
    if (st.error().code == "NOT_FOUND") return staff_page(w, "No such account.", "error", 404);
    return failure(w, st.error());
  }
  return redirect("/staff");
}

}  // namespace repay::console
