#include "console/html.h"

#include <cstdio>

namespace repay::console {

std::string esc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string yuan(Fen fen) {
  const bool negative = fen < 0;
  // Magnitude without overflowing on the most negative value.
  const unsigned long long m = negative ? 0ULL - static_cast<unsigned long long>(fen)
                                        : static_cast<unsigned long long>(fen);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", negative ? "-" : "", m / 100, m % 100);
  return buf;
}

std::string when(Instant t) {
  if (t == Instant{}) return "-";
  const std::string s = format_cst_timestamp(t);  // yyyyMMddHHmmss
  if (s.size() != 14) return s;
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + " " + s.substr(8, 2) + ":" +
         s.substr(10, 2) + ":" + s.substr(12, 2);
}

std::string csrf_field(std::string_view token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(token) + "\">";
}

std::string option(std::string_view value, std::string_view label, std::string_view selected) {
  return "<option value=\"" + esc(value) + "\"" + (value == selected ? " selected" : "") + ">" +
         esc(label) + "</option>";
}

namespace {
const char* kStyle =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}"
    "header{background:#1d3557;color:#fff;padding:.5em 1em;display:flex;gap:1em;align-items:center}"
    "header a{color:#fff}header form{margin-left:auto}main{padding:1em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;"
    "text-align:left;vertical-align:top}td.n{text-align:right}"
    ".notice{padding:.5em 1em;margin:.5em 0}.ok{background:#e0f2e9}.error{background:#fde2e1}"
    "form.inline{display:inline}textarea{width:30em;height:3em}fieldset{margin:.5em 0}";
}  // namespace

std::string page(std::string_view title, const PageUser& user, std::string_view body,
                 std::string_view notice, std::string_view notice_kind) {
  std::string out =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
      " — Repay console</title><meta name=\"viewport\" content=\"width=device-width\"><style>" +
      kStyle + "</style></head><body><header><strong>Repay console</strong>";
  if (!user.login.empty()) {
    out += "<a href=\"/refunds\">Refunds</a><a href=\"/exceptions\">Exceptions</a>"
           "<a href=\"/batches\">Batches</a><a href=\"/reconciliation\">Reconciliation</a>"
           "<a href=\"/audit\">Audit</a>";
    if (user.role == "admin") out += "<a href=\"/staff\">Staff</a>";
    out += "<form method=\"post\" action=\"/logout\">" +
           csrf_field(user.csrf) + "<span id=\"who\">" + esc(user.login) + " (" + esc(user.role) +
           ")</span> <button>Log out</button></form>";
  }
  out += "</header><main><h1>" + esc(title) + "</h1>";
  if (!notice.empty()) {
    out += "<p class=\"notice " + esc(notice_kind) + "\" id=\"notice\">" + esc(notice) + "</p>";
  }
  out += body;
  out += "</main></body></html>";
  return out;
}

}  // namespace repay::console
