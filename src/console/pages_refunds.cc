// Refunds pending review: the list with its filters, one proposal with its original repayment and
// the discrepancy behind it, and the approve / reject forms. The rules are the ReviewStore's
// (settlement/review.h); this file only renders and calls it.
#include "console/console.h"
#include "console/web.h"
#include "core/clock.h"

namespace repay::console {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

std::string td(const std::string& text) { return "<td>" + esc(text) + "</td>"; }
std::string td_n(const std::string& text) { return "<td class=\"n\">" + esc(text) + "</td>"; }

}  // namespace

server::HttpResponse Console::refunds(const server::HttpRequest& req, const Who& w) {
  const auto q = parse_form(req.query());
  auto get = [&](const char* k) { auto it = q.find(k); return it == q.end() ? std::string() : it->second; };
  settlement::ReviewFilter f;
  f.center = get("center");
  f.day = get("day");
  f.reason = get("reason");
  f.state = q.count("state") ? get("state") : std::string(realtime::to_text(settlement::kPendingReview));
  f.limit = 100;
  std::string notice;
  if (!f.day.empty() && !parse_date(f.day)) {
    notice = "The day must be yyyyMMdd; showing every day.";
    f.day.clear();
  }
  std::string body =
      "<form method=\"get\" action=\"/refunds\"><fieldset><legend>Filter</legend>"
      "<label>Card center <input name=\"center\" size=\"8\" value=\"" + esc(f.center) + "\"></label> "
      "<label>Day (proposed, CST) <input name=\"day\" size=\"8\" placeholder=\"yyyyMMdd\" value=\"" +
      esc(f.day) + "\"></label> <label>Reason <select name=\"reason\">" + option("", "any", f.reason) +
      option("LATE_SUCCESS", "late success (force-failed, debited)", f.reason) +
      option("ONE_SIDED", "one-sided entry", f.reason) + option("OTHER", "other (staff)", f.reason) +
      "</select></label> <label>State <select name=\"state\">" + option("", "any", f.state);
  for (const char* s : {"PENDING_REVIEW", "APPROVED", "PROCESSING", "SUCCESS", "FAILED", "REJECTED", "EXPIRED"}) {
    body += option(s, s, f.state);
  }
  body += "</select></label> <button>Show</button></fieldset></form>";
  auto rows = review_.list_proposals(f);
  if (!rows) return failure(w, rows.error());
  if (rows->empty()) {
    body += "<p id=\"empty\">No refund proposals match.</p>";
    return html(200, page("Refunds", w.user(), body, notice, "error"));
  }
  body +=
      "<table id=\"refunds\"><tr><th>Refund</th><th>Center</th><th>Reason</th><th>State</th>"
      "<th>Back to the card (yuan)</th><th>Debit card</th><th>Original</th><th>Discrepancy</th>"
      "<th>Proposed</th><th>By</th><th>Approved by</th></tr>";
  for (const auto& r : *rows) {
    // The masked card and the discrepancy come with the proposal's detail.
    auto d = review_.show_proposal(r.refund_no);
    if (!d) return failure(w, d.error());
    const std::string card = d->has_value() ? (*d)->debit_card_masked : "";
    const std::string why = d->has_value() ? (*d)->discrepancy : "";
    body += "<tr data-refund=\"" + esc(r.refund_no) + "\"><td><a href=\"/refunds/" + esc(r.refund_no) +
            "\">" + esc(r.refund_no) + "</a></td>" + td(r.center_id) + td(r.reason) + td(realtime::to_text(r.state)) +
            td_n(yuan(r.debit_amount)) + td(card.empty() ? "-" : card) +
            td(r.orig_txn_no + (r.orig_source == "B" ? " (batch " : " (real time ") + r.orig_ref + ")") +
            td(why) + td(when(r.created_at)) + td(r.created_by) + td(join(r.approvers)) + "</tr>";
  }
  body += "</table>";
  return html(200, page("Refunds", w.user(), body, notice, "error"));
}

server::HttpResponse Console::refund(const std::string& no, const Who& w, const std::string& notice,
                                     const std::string& kind, int status) {
  auto found = review_.show_proposal(no);
  if (!found) return failure(w, found.error());
  if (!found->has_value()) {
    return html(404, page("Not found", w.user(), "<p><a href=\"/refunds\">Refunds</a></p>",
                          "No refund proposal " + no, "error"));
  }
  const auto& d = **found;
  const auto& r = d.row;
  std::string body = "<table id=\"proposal\">";
  auto row = [&](const std::string& k, const std::string& v, const std::string& id = "") {
    body += "<tr><th>" + esc(k) + "</th><td" + (id.empty() ? "" : " id=\"" + id + "\"") + ">" + esc(v) +
            "</td></tr>";
  };
  row("Refund", r.refund_no);
  row("State", realtime::to_text(r.state) + (r.resp_code.empty() ? "" : " " + r.resp_code), "state");
  row("Card center", r.center_id);
  row("Reason", r.reason);
  row("Principal (yuan)", yuan(r.amount));
  row("Fee back to the card (yuan)", yuan(r.cardholder_fee));
  row("Back to the card (yuan)", yuan(r.debit_amount));
  row("Sent as (ReqSn)", r.req_sn.empty() ? "not sent yet" : r.req_sn, "sent");
  row("Proposed", when(r.created_at) + " by " + r.created_by);
  row("Approved by", join(r.approvers), "approvers");
  int needed = 1;
  {
    settlement::Proposal p;
    p.debit_amount = r.debit_amount;
    needed = settlement::approvals_needed(p, opt_.policy);
  }
  row("Approvals needed", std::to_string(needed));
  body += "</table><h2>The original repayment</h2><table id=\"original\">";
  row("TxnNo", r.orig_txn_no);
  row("Source", r.orig_source == "B" ? "batch " + r.orig_ref : "real time " + r.orig_ref);
  row("State", d.orig_state + (d.orig_resp_code.empty() ? "" : " " + d.orig_resp_code));
  row("Amount (yuan)", yuan(d.orig_amount));
  row("Cardholder fee (yuan)", yuan(d.orig_cardholder_fee));
  row("Debited (yuan)", yuan(d.orig_debit_amount));
  row("Finished", when(d.orig_finished_at));
  row("Credit card", d.credit_card_masked.empty() ? "-" : d.credit_card_masked);
  row("Debit card", d.debit_card_masked.empty() ? "-" : d.debit_card_masked);
  row("Channel", d.channel_id.empty() ? "-" : d.channel_id);
  row("ReqSn", d.orig_req_sn.empty() ? "-" : d.orig_req_sn);
  row("Bank's txn", d.channel_txn_no.empty() ? "-" : d.channel_txn_no);
  if (d.ceiling > 0) {
    row("Refund ceiling (yuan)", yuan(d.ceiling) + ", reserved " + yuan(d.reserved) + ", refundable " +
                                     yuan(d.ceiling - d.reserved));
  }
  body += "</table>";
  if (!d.statement_date.empty()) {
    // What happened: the bank's statement line (no card numbers), what the card center was told.
    body += "<h2>The bank's statement</h2><table id=\"statement\">";
    row("Channel", d.channel_id);
    row("Statement date", d.statement_date);
    row("Line", std::to_string(d.statement_line));
    row("ReqSn", d.orig_req_sn);
    row("Debited (yuan)", yuan(d.statement_amount));
    row("Bank's txn", d.statement_txn_no.empty() ? "-" : d.statement_txn_no);
    row("Told the card center", d.orig_state + (d.orig_resp_code.empty() ? "" : " " + d.orig_resp_code) +
                                    " at " + when(d.orig_finished_at), "told");
    row("Recorded by reconciliation", when(d.statement_recorded_at));
    body += "</table>";
  }
  body += "<h2>The discrepancy</h2><p id=\"discrepancy\">" + esc(d.discrepancy) + "</p>";
  if (d.forced) {
    body += "<p>Force-failed at " + esc(when(d.force_fail_at)) + ", late state " + esc(d.late_state) + ".</p>";
  }
  if (r.state == settlement::kPendingReview && w.can_review()) {
    const std::string base = "/refunds/" + esc(r.refund_no);
    body += "<h2>Decide</h2><form method=\"post\" action=\"" + base + "/approve\" id=\"approve\">" +
            csrf_field(w.s.csrf) +
            "<p><label>Comment (optional) <textarea name=\"comment\"></textarea></label></p>"
            "<p><button>Approve</button></p></form>"
            "<form method=\"post\" action=\"" + base + "/reject\" id=\"reject\">" + csrf_field(w.s.csrf) +
            "<p><label>Why (required) <textarea name=\"comment\" required></textarea></label></p>"
            "<p><button>Reject</button></p></form>";
  }
  body += "<h2>History</h2><table id=\"history\"><tr><th>When</th><th>Who</th><th>From</th><th>To</th>"
          "<th>Why</th></tr>";
  for (const auto& e : d.history) {
    body += "<tr>" + td(when(e.at)) + td(e.actor) + td(e.old_state.empty() ? "-" : e.old_state) +
            td(e.new_state) + td(e.reason) + "</tr>";
  }
  body += "</table>";
  return html(status, page("Refund " + r.refund_no, w.user(), body, notice, kind));
}

server::HttpResponse Console::refund_action(const server::HttpRequest& req, const Who& w) {
  // /refunds/<no>/approve or /refunds/<no>/reject
  const std::string rest = req.path().substr(9);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return html(404, page("Not found", w.user(), ""));
  const std::string no = rest.substr(0, slash);
  const std::string action = rest.substr(slash + 1);
  const auto form = parse_form(req.body);
  const std::string comment = form.count("comment") ? form.at("comment") : "";
  const Instant now = clock_.now();
  Result<settlement::ReviewOutcome> out = make_error("2007", "unknown action");
  if (action == "approve") {
    std::string notify_url;
    auto d = review_.show_proposal(no);
    if (!d) return failure(w, d.error());
    if (d->has_value() && opt_.notify_url_of) notify_url = opt_.notify_url_of((*d)->row.center_id);
    out = review_.approve(no, w.s.login, comment, notify_url, now, opt_.policy);
  } else if (action == "reject") {
    out = review_.reject(no, w.s.login, comment, now);
  } else {
    return html(404, page("Not found", w.user(), ""));
  }
  if (!out) {
    const Error& e = out.error();
    if (e.code == "DB" || e.code == "BUSY") return failure(w, e);
    (void)staff_.refused(w.s.login, action + " " + no + ": " + e.code + " " + e.message, now);
    const int status = e.code == settlement::kMakerChecker ? 403 : e.code == "2009" ? 404 : 409;
    return refund(no, w, "Refused (" + e.code + "): " + e.message, "error", status);
  }
  using Kind = settlement::ReviewOutcome::Kind;
  std::string done = action == "reject" ? "rejected" : "approved";
  if (out->kind == Kind::kWaitingSecond) done = "waiting";
  if (out->kind == Kind::kRepeat) done = "repeat";
  return redirect("/refunds/" + url_encode(no) + "?done=" + done);
}

}  // namespace repay::console
