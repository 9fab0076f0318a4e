// The daily report as one self-contained HTML page: tables and SVG charts drawn here (no script,
// no external resource), so it can be mailed or archived as it is.
#include <cstdio>
#include <sstream>

#include "report/daily.h"
#include "report/format.h"

namespace repay::report {
namespace {

constexpr double kWidth = 720, kHeight = 240;
constexpr double kLeft = 50, kRight = 50, kTop = 20, kBottom = 40;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string render_svg(const Series& s) {
  const double w = kWidth - kLeft - kRight, h = kHeight - kTop - kBottom;
  const double span = std::chrono::duration<double>(s.to - s.from).count();
  auto x_of = [&](Instant t) { return kLeft + w * std::chrono::duration<double>(t - s.from).count() / span; };
  int64_t most = 1;
  for (const auto& sl : s.slices) most = std::max(most, sl.finished);
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << kWidth << "\" height=\""
    << kHeight << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" role=\"img\" aria-label=\""
    << html_escape(s.title) << ": items finished and success rate over time\">\n";
  o << "<title>" << html_escape(s.title) << "</title>\n";
  // Axes: items on the left, success rate (0-100 %) on the right.
  o << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + h << "\" x2=\"" << kLeft + w << "\" y2=\"" << kTop + h
    << "\" stroke=\"#444\"/>\n";
  o << "<text x=\"" << kLeft - 4 << "\" y=\"" << kTop + 4 << "\" text-anchor=\"end\" font-size=\"10\">" << most
    << "</text>\n<text x=\"" << kLeft - 4 << "\" y=\"" << kTop + h << "\" text-anchor=\"end\" font-size=\"10\">0</text>\n";
  o << "<text x=\"" << kLeft + w + 4 << "\" y=\"" << kTop + 4 << "\" font-size=\"10\">100%</text>\n<text x=\""
    << kLeft + w + 4 << "\" y=\"" << kTop + h << "\" font-size=\"10\">0%</text>\n";
  // Bars: items finished per slice.
  const double bw = w / static_cast<double>(std::max<size_t>(1, s.slices.size()));
  std::string points;
  for (size_t i = 0; i < s.slices.size(); ++i) {
    const Slice& sl = s.slices[i];
    double x = kLeft + bw * static_cast<double>(i);
    if (sl.finished > 0) {
      double bh = h * static_cast<double>(sl.finished) / static_cast<double>(most);
      o << "<rect class=\"bar\" x=\"" << num(x + 1) << "\" y=\"" << num(kTop + h - bh) << "\" width=\""
        << num(std::max(1.0, bw - 2)) << "\" height=\"" << num(bh) << "\" fill=\"#7aa6d8\"><title>"
        << format_hhmm(sl.start) << " " << sl.finished << " finished, " << sl.success
        << " succeeded</title></rect>\n";
      double rate = static_cast<double>(sl.success) / static_cast<double>(sl.finished);
      points += num(x + bw / 2) + "," + num(kTop + h * (1 - rate)) + " ";
    }
    size_t every = std::max<size_t>(1, s.slices.size() / 8);
    if (i % every == 0) {
      o << "<text x=\"" << num(x) << "\" y=\"" << kTop + h + 14 << "\" font-size=\"10\">"
        << format_hhmm(sl.start) << "</text>\n";
    }
  }
  if (!points.empty()) {
    points.pop_back();
    o << "<polyline class=\"rate\" points=\"" << points << "\" fill=\"none\" stroke=\"#2a8f3c\" stroke-width=\"2\"/>\n";
  }
  if (s.force_fail_at != Instant{} && s.force_fail_at >= s.from && s.force_fail_at <= s.to) {
    double x = x_of(s.force_fail_at);
    o << "<line class=\"force-fail\" x1=\"" << num(x) << "\" y1=\"" << kTop << "\" x2=\"" << num(x)
      << "\" y2=\"" << kTop + h << "\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\" stroke-width=\"2\"/>\n";
    const bool right_half = x > kLeft + w / 2;  // label on the side with room
    o << "<text x=\"" << num(right_half ? x - 3 : x + 3) << "\" y=\"" << kTop + 10 << "\" text-anchor=\""
      << (right_half ? "end" : "start") << "\" font-size=\"10\" fill=\"#c0392b\">force-fail "
      << format_hhmm(s.force_fail_at) << "</text>\n";
  }
  o << "<text x=\"" << kLeft << "\" y=\"" << kHeight - 8 << "\" font-size=\"10\">bars: items finished per "
    << s.slice.count() << " min (CST); green: success rate</text>\n";
  o << "</svg>\n";
  return o.str();
}

std::string render_html(const DailyReport& r) {
  std::ostringstream o;
  const std::string day = format_date(r.day);
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Repay daily report " << day
    << "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}"
       "td:first-child,th:first-child{text-align:left}</style></head><body>\n";
  o << "<h1>Daily report " << day << " (CST)</h1>\n";
  if (r.centers.empty()) o << "<p>No activity.</p>\n";
  for (const auto& c : r.centers) {
    o << "<section class=\"center\" id=\"center-" << html_escape(c.center_id) << "\">\n<h2>Card center "
      << html_escape(c.center_id) << "</h2>\n<table class=\"summary\">\n<tr><th></th><th>count</th><th>amount (yuan)</th></tr>\n";
    auto row = [&](const char* name, const Tally& t) {
      o << "<tr><td>" << name << "</td><td>" << t.count << "</td><td>" << format_yuan(t.amount) << "</td></tr>\n";
    };
    row("repayments", c.all);
    row("batch items", c.batch_items);
    row("real time", c.realtime);
    row("success", c.success);
    row("failed", c.failed);
    row("force-failed", c.forced);
    row("rejected", c.rejected);
    row("not final yet", c.open);
    o << "<tr><td>success rate</td><td colspan=\"2\">" << format_rate(success_permille(c)) << "</td></tr>\n";
    o << "<tr><td>fees</td><td></td><td>" << format_yuan(c.fees) << "</td></tr>\n</table>\n";
    if (!c.batches.empty()) {
      o << "<table class=\"batches\"><tr><th>batch</th><th>state</th><th>items</th><th>success</th><th>failed</th>"
           "<th>force-failed</th><th>open</th><th>force-fail at</th><th>returned</th></tr>\n";
      for (const auto& b : c.batches) {
        o << "<tr><td>" << html_escape(b.batch_no) << "</td><td>" << b.state << "</td><td>" << b.items << "</td><td>"
          << b.success.count << "</td><td>" << b.failed.count << "</td><td>" << b.forced.count << "</td><td>"
          << b.open.count << "</td><td>" << format_instant(b.force_fail_at) << "</td><td>"
          << format_instant(b.returned_at) << "</td></tr>\n";
      }
      o << "</table>\n";
    }
    o << "<table class=\"refunds\"><tr><th>refunds</th><th>count</th><th>amount (yuan)</th></tr>\n";
    for (const auto& [k, t] : c.refunds) row(html_escape(k).c_str(), t);
    if (c.refunds.empty()) o << "<tr><td>none</td><td>0</td><td>0.00</td></tr>\n";
    o << "</table>\n<table class=\"exceptions\"><tr><th>exceptions</th><th>count</th></tr>\n";
    for (const auto& [k, n] : c.exceptions) o << "<tr><td>" << html_escape(k) << "</td><td>" << n << "</td></tr>\n";
    if (c.exceptions.empty()) o << "<tr><td>none</td><td>0</td></tr>\n";
    o << "</table>\n";
    for (const auto& s : c.charts) o << "<h3>" << html_escape(s.title) << "</h3>\n" << render_svg(s);
    o << "</section>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace repay::report
