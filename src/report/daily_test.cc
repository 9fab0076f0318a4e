#include "report/daily.h"

#include <doctest/doctest.h>

#include "report/format.h"

using namespace repay;
using namespace repay::report;

namespace {

Date kDay(2026, 11, 20);
Instant at(int h, int m) { return cst_time_on(kDay, h * 60 + m); }

ItemRecord item(const std::string& state, Fen amount, Instant finished, bool forced = false,
                const std::string& code = "") {
  ItemRecord i;
  i.center_id = "CC01";
  i.source = 'B';
  i.batch_no = "B001";
  i.state = state;
  i.amount = amount;
  i.fee = state == "SUCCESS" ? 100 : 0;
  i.forced = forced;
  i.resp_code = code.empty() ? (state == "SUCCESS" ? "0000" : "3002") : code;
  i.finished_at = finished;
  return i;
}

DayRecords sample() {
  DayRecords d;
  BatchRecord b;
  b.center_id = "CC01";
  b.batch_no = "B001";
  b.state = "RETURNED";
  b.total_count = 6;
  b.received_at = at(5, 30);
  b.force_fail_at = at(15, 50);
  b.returned_at = at(15, 51);
  d.batches.push_back(b);
  d.items.push_back(item("SUCCESS", 10000, at(6, 1)));
  d.items.push_back(item("SUCCESS", 20000, at(6, 2)));
  d.items.push_back(item("SUCCESS", 30000, at(7, 15)));
  d.items.push_back(item("FAILED", 5000, at(7, 16), false, "1001"));
  d.items.push_back(item("FAILED", 7000, at(15, 50), true, "3001"));
  d.items.push_back(item("REJECTED", 100, at(5, 31), false, "2003"));
  ItemRecord rt = item("SUCCESS", 9900, at(12, 0));
  rt.source = 'R';
  rt.batch_no = "";
  d.items.push_back(rt);
  ItemRecord rt2 = item("UNKNOWN", 500, Instant{});
  rt2.source = 'R';
  rt2.batch_no = "";
  d.items.push_back(rt2);
  d.refunds.push_back({"CC01", "US", "PENDING_REVIEW", 7000});
  d.refunds.push_back({"CC01", "CENTER", "SUCCESS", 1000});
  d.exceptions.push_back({"CC01", "OURS_MISSING"});
  d.exceptions.push_back({"", "STATEMENT_LATE"});
  return d;
}

}  // namespace

TEST_CASE("counts, amounts, success rate, force-failed, refunds and exceptions per center") {
  DailyReport r = compute_daily(kDay, sample());
  REQUIRE(r.centers.size() == 1);
  const CenterDay& c = r.centers[0];
  CHECK(c.center_id == "CC01");
  CHECK(c.all.count == 8);
  CHECK(c.all.amount == 82500);
  CHECK(c.batch_items.count == 6);
  CHECK(c.realtime.count == 2);
  CHECK(c.success.count == 4);
  CHECK(c.success.amount == 69900);
  CHECK(c.failed.count == 3);  // the rejected item is F in the return file
  CHECK(c.failed.amount == 12100);
  CHECK(c.forced.count == 1);
  CHECK(c.forced.amount == 7000);
  CHECK(c.rejected.count == 1);
  CHECK(c.open.count == 1);
  CHECK(c.fees == 400);
  CHECK(success_permille(c) == 571);  // 4 of 7 final
  CHECK(format_rate(success_permille(c)) == "57.1%");
  CHECK(c.failures_by_code.at("3001") == 1);
  CHECK(c.failures_by_code.at("2003") == 1);
  CHECK(c.refunds.at("US PENDING_REVIEW").amount == 7000);
  CHECK(c.refunds.at("CENTER SUCCESS").count == 1);
  CHECK(c.exceptions.at("OURS_MISSING") == 1);
  CHECK(c.exceptions.size() == 1);  // a channel's exception belongs to no center
  REQUIRE(c.batches.size() == 1);
  CHECK(c.batches[0].success.count == 3);
  CHECK(c.batches[0].forced.count == 1);
}

TEST_CASE("a batch's chart counts items per slice and spans past its force-fail time") {
  DailyReport r = compute_daily(kDay, sample());
  const CenterDay& c = r.centers[0];
  REQUIRE(c.charts.size() == 2);  // the batch, then real time
  const Series& s = c.charts[0];
  CHECK(s.title == "batch B001");
  CHECK(s.from == at(5, 0));
  CHECK(s.to >= at(16, 50));
  CHECK(s.slices.size() <= 48);
  int64_t finished = 0, success = 0;
  for (const auto& sl : s.slices) {
    finished += sl.finished;
    success += sl.success;
  }
  CHECK(finished == 6);
  CHECK(success == 3);
  CHECK(c.charts[1].title == "real time");
  CHECK(c.charts[1].to - c.charts[1].from == std::chrono::hours(24));
}

TEST_CASE("the SVG marks the force-fail time and draws bars and the rate line") {
  DailyReport r = compute_daily(kDay, sample());
  std::string svg = render_svg(r.centers[0].charts[0]);
  CHECK(svg.find("<svg") == 0);
  CHECK(svg.find("class=\"force-fail\"") != std::string::npos);
  CHECK(svg.find("force-fail 15:50") != std::string::npos);
  CHECK(svg.find("class=\"bar\"") != std::string::npos);
  CHECK(svg.find("class=\"rate\"") != std::string::npos);
  std::string rt = render_svg(r.centers[0].charts[1]);
  CHECK(rt.find("force-fail") == std::string::npos);
}

TEST_CASE("text and HTML carry the figures") {
  DailyReport r = compute_daily(kDay, sample());
  std::string t = render_text(r);
  CHECK(t.find("Daily report 20261120") != std::string::npos);
  CHECK(t.find("success        4 / 699.00  fees 4.00") != std::string::npos);
  CHECK(t.find("force-failed 1 / 70.00") != std::string::npos);
  CHECK(t.find("success rate   57.1%") != std::string::npos);
  CHECK(t.find("US PENDING_REVIEW: 1 / 70.00") != std::string::npos);
  std::string h = render_html(r);
  CHECK(h.find("<!DOCTYPE html>") == 0);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("<td>success rate</td><td colspan=\"2\">57.1%</td>") != std::string::npos);
  CHECK(h.find("<svg") != std::string::npos);
}

TEST_CASE("yuan and rates are formatted from integers") {
  CHECK(format_yuan(0) == "0.00");
  CHECK(format_yuan(5) == "0.05");
  CHECK(format_yuan(123456) == "1234.56");
  CHECK(format_yuan(-5) == "-0.05");
  CHECK(format_rate(1000) == "100.0%");
  CHECK(format_rate(-1) == "-");
  DailyReport empty = compute_daily(kDay, {});
  CHECK(render_text(empty).find("no activity") != std::string::npos);
}
