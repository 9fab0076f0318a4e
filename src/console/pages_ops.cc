// The other pages: exceptions with their resolution notes, batches with the deadline outlook,
// reconciliation results per day and channel, and the audit trail.
#include <chrono>
#include <cstdio>

#include "batch/batch_state.h"
#include "console/console.h"
#include "console/web.h"

namespace repay::console {
namespace {

std::string td(const std::string& text) { return "<td>" + esc(text) + "</td>"; }
std::string td_n(const std::string& text) { return "<td class=\"n\">" + esc(text) + "</td>"; }

std::string arg(const std::map<std::string, std::string>& q, const char* k) {
  auto it = q.find(k);
  return it == q.end() ? std::string() : it->second;
}

}  // namespace

server::HttpResponse Console::exceptions(const server::HttpRequest& req, const Who& w,
                                         const std::string& notice, const std::string& kind,
                                         int status) {
  const auto q = parse_form(req.query());
  const std::string state = q.count("state") ? arg(q, "state") : "OPEN";
  auto rows = staff_.exceptions(state, 200);
  if (!rows) return failure(w, rows.error());
  std::string body = "<form method=\"get\" action=\"/exceptions\"><label>State <select name=\"state\">" +
                     option("OPEN", "open", state) + option("RESOLVED", "resolved", state) +
                     option("", "any", state) + "</select></label> <button>Show</button></form>";
  if (rows->empty()) body += "<p id=\"empty\">No exceptions.</p>";
  else {
    body += "<table id=\"exceptions\"><tr><th>#</th><th>Kind</th><th>Center</th><th>Channel</th>"
            "<th>Reference</th><th>Detail</th><th>State</th><th>Raised</th><th>Notes</th></tr>";
    for (const auto& e : *rows) {
      std::string notes;
      for (const auto& n : e.notes) {
        notes += "<p>" + esc(when(n.at)) + " " + esc(n.login) + (n.resolved ? " (resolved)" : "") + ": " +
                 esc(n.note) + "</p>";
      }
      if (w.can_review()) {
        notes += "<form method=\"post\" action=\"/exceptions/" + std::to_string(e.id) + "/note\">" +
                 csrf_field(w.s.csrf) + "<textarea name=\"note\" required></textarea><br>" +
                 (e.state == "OPEN" ? "<label><input type=\"checkbox\" name=\"resolve\" value=\"1\"> "
                                      "resolved</label> " : "") +
                 "<button>Add note</button></form>";
      }
      body += "<tr>" + td(std::to_string(e.id)) + td(e.kind) + td(e.center_id) + td(e.channel_id) +
              td(e.ref) + td(e.detail) + td(e.state) + td(when(e.created_at)) + "<td>" + notes +
              "</td></tr>";
    }
    body += "</table>";
  }
  return html(status, page("Exceptions", w.user(), body, notice, kind));
}

server::HttpResponse Console::exception_note(const server::HttpRequest& req, const Who& w) {
  // /exceptions/<id>/note
  const std::string rest = req.path().substr(12);
  const size_t slash = rest.find('/');
  int64_t id = 0;
  if (slash == std::string::npos || rest.substr(slash) != "/note" || slash == 0 || slash > 18 ||
      rest.find_first_not_of("0123456789") < slash) {
    return html(404, page("Not found", w.user(), ""));
  }
  id = std::stoll(rest.substr(0, slash));
  const auto form = parse_form(req.body);
  const std::string note = arg(form, "note");
  server::HttpRequest list;  // the page again, open ones
  if (note.empty()) return exceptions(list, w, "A note needs some text.", "error", 400);
  auto st = staff_.add_exception_note(id, w.s.login, note, arg(form, "resolve") == "1", clock_.now());
  if (!st) {
    if (st.error().code == "NOT_FOUND") return exceptions(list, w, "No exception #" + std::to_string(id), "error", 404);
    if (st.error().code == "REVIEW_STATE") return exceptions(list, w, "That exception is resolved already.", "error", 409);
    return failure(w, st.error());
  }
  return redirect("/exceptions");
}

server::HttpResponse Console::batches(const Who& w) {
  if (!opt_.batches) return html(200, page("Batches", w.user(), "<p>Not available here.</p>"));
  const auto rows = opt_.batches();
  std::string body;
  if (rows.empty()) body = "<p id=\"empty\">No open batches.</p>";
  else {
    body = "<table id=\"batches\"><tr><th>Center</th><th>Batch</th><th>Date</th><th>State</th><th>Items</th>"
           "<th>Success</th><th>Failed</th><th>Open</th><th>Forced</th><th>Amount (yuan)</th>"
           "<th>Force-fail at</th><th>Projected finish</th><th>Items/s</th><th>Outlook</th></tr>";
    for (const auto& v : rows) {
      const auto& b = v.batch;
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.1f", v.items_per_second);
      body += "<tr>" + td(b.center_id) + td(b.batch_no) + td(b.batch_date) + td(batch::to_text(b.state)) +
              td_n(std::to_string(b.total)) + td_n(std::to_string(b.success)) +
              td_n(std::to_string(b.failed)) + td_n(std::to_string(b.open)) +
              td_n(std::to_string(b.forced)) + td_n(yuan(b.total_amount)) + td(when(b.force_fail_at)) +
              td(when(v.projected_finish)) + td_n(rate) +
              td(v.at_risk ? "AT RISK: projected to miss the force-fail time" : b.open == 0 ? "done" : "on time") +
              "</tr>";
    }
    body += "</table>";
  }
  if (opt_.returned) {
    const std::string days = std::to_string(opt_.returned_days);
    const auto done = opt_.returned(clock_.now() - std::chrono::hours(24) * opt_.returned_days);
    body += "<h2>Returned in the last " + days + " days</h2>";
    if (done.empty()) {
      body += "<p id=\"none-returned\">No batch returned in the last " + days + " days.</p>";
    } else {
      body += "<table id=\"returned\"><tr><th>Center</th><th>Batch</th><th>Date</th><th>Items</th>"
              "<th>Amount (yuan)</th><th>Force-fail at</th><th>Returned at</th><th>Return file</th></tr>";
      for (const auto& b : done) {
        body += "<tr>" + td(b.center_id) + td(b.batch_no) + td(b.batch_date) +
                td_n(std::to_string(b.total)) + td_n(yuan(b.total_amount)) + td(when(b.force_fail_at)) +
                td(when(b.returned_at)) + td(b.return_file) + "</tr>";
      }
      body += "</table>";
    }
  }
  return html(200, page("Batches", w.user(), body));
}

server::HttpResponse Console::reconciliation(const server::HttpRequest& req, const Who& w) {
  const auto q = parse_form(req.query());
  const std::string channel = arg(q, "channel");
  std::string day = arg(q, "day");
  std::string notice;
  if (!day.empty() && !parse_date(day)) {
    notice = "The day must be yyyyMMdd.";
    day.clear();
  }
  std::string body =
      "<form method=\"get\" action=\"/reconciliation\"><label>Channel <input name=\"channel\" size=\"10\" "
      "value=\"" + esc(channel) + "\"></label> <label>Day <input name=\"day\" size=\"8\" "
      "placeholder=\"yyyyMMdd\" value=\"" + esc(day) + "\"></label> <button>Show</button></form>";
  auto days = staff_.recon_days(channel, day, 100);
  if (!days) return failure(w, days.error());
  if (days->empty()) body += "<p id=\"empty\">No reconciliation has run.</p>";
  else {
    body += "<table id=\"recon\"><tr><th>Day</th><th>Channel</th><th>Runs</th><th>Outcomes</th>"
            "<th>By class</th><th>Last run</th></tr>";
    for (const auto& d : *days) {
      std::string counts;
      for (const auto& [k, n] : d.counts) counts += (counts.empty() ? "" : ", ") + k + " " + std::to_string(n);
      body += "<tr><td><a href=\"/reconciliation?channel=" + esc(url_encode(d.channel_id)) + "&amp;day=" +
              esc(d.date) + "\">" + esc(d.date) + "</a></td>" + td(d.channel_id) +
              td_n(std::to_string(d.runs)) + td_n(std::to_string(d.outcomes)) + td(counts) +
              td(when(d.last_at)) + "</tr>";
    }
    body += "</table>";
  }
  if (!channel.empty() && !day.empty()) {
    auto results = staff_.recon_results(channel, day, 500);
    if (!results) return failure(w, results.error());
    body += "<h2>Outcomes other than a plain match</h2>";
    if (results->empty()) body += "<p>None.</p>";
    else {
      body += "<table id=\"recon-results\"><tr><th>ReqSn</th><th>Class</th><th>Type</th><th>Ours (yuan)</th>"
              "<th>Bank's (yuan)</th><th>Bank txn</th><th>Line</th><th>Action</th></tr>";
      for (const auto& r : *results) {
        body += "<tr>" + td(r.req_sn) + td(r.klass) + td(r.type) +
                td_n(r.our_amount ? yuan(*r.our_amount) : "-") + td_n(r.bank_amount ? yuan(*r.bank_amount) : "-") +
                td(r.channel_txn_no) + td_n(r.line_no ? std::to_string(r.line_no) : "-") + td(r.action) + "</tr>";
      }
      body += "</table>";
    }
  }
  return html(200, page("Reconciliation", w.user(), body, notice, "error"));
}

server::HttpResponse Console::audit(const server::HttpRequest& req, const Who& w) {
  const auto q = parse_form(req.query());
  AuditQuery a;
  a.entity = arg(q, "entity");
  a.entity_id = arg(q, "entity_id");
  a.actor = arg(q, "actor");
  std::string notice;
  const std::string from = arg(q, "from"), to = arg(q, "to");
  if (!from.empty()) {
    if (auto d = parse_date(from)) a.from = cst_day_start(*d);
    else notice = "Dates are yyyyMMdd.";
  }
  if (!to.empty()) {
    if (auto d = parse_date(to)) a.to = cst_day_start(*d + boost::gregorian::days(1));
    else notice = "Dates are yyyyMMdd.";
  }
  std::string body =
      "<form method=\"get\" action=\"/audit\"><label>Entity <select name=\"entity\">" + option("", "any", a.entity);
  for (const char* e : {"refund", "repayment", "batch", "item", "agreement", "quick_application", "exception", "staff"}) {
    body += option(e, e, a.entity);
  }
  body += "</select></label> <label>Id <input name=\"entity_id\" size=\"22\" value=\"" + esc(a.entity_id) +
          "\"></label> <label>Actor <input name=\"actor\" size=\"16\" placeholder=\"staff:\" value=\"" +
          esc(a.actor) + "\"></label> <label>From <input name=\"from\" size=\"8\" placeholder=\"yyyyMMdd\" "
          "value=\"" + esc(from) + "\"></label> <label>To <input name=\"to\" size=\"8\" "
          "placeholder=\"yyyyMMdd\" value=\"" + esc(to) + "\"></label> <button>Search</button></form>";
  auto rows = staff_.audit(a);
  if (!rows) return failure(w, rows.error());
  if (rows->empty()) body += "<p id=\"empty\">Nothing found.</p>";
  else {
    body += "<table id=\"audit\"><tr><th>#</th><th>When</th><th>Actor</th><th>Entity</th><th>Id</th>"
            "<th>From</th><th>To</th><th>Why</th></tr>";
    for (const auto& r : *rows) {
      body += "<tr>" + td_n(std::to_string(r.id)) + td(when(r.at)) + td(r.actor) + td(r.entity) +
              td(r.entity_id) + td(r.old_state.empty() ? "-" : r.old_state) + td(r.new_state) +
              td(r.reason) + "</tr>";
    }
    body += "</table>";
  }
  return html(200, page("Audit trail", w.user(), body, notice, "error"));
}

}  // namespace repay::console
