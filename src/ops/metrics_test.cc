#include "ops/metrics.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>

using namespace repay::ops;

TEST_CASE("counters and gauges render with HELP, TYPE and labels") {
  Registry r;
  r.declare("repay_x_total", Kind::kCounter, "things done");
  r.inc("repay_x_total", {{"code", "0000"}});
  r.inc("repay_x_total", {{"code", "0000"}}, 2);
  r.inc("repay_x_total", {{"code", "3001"}});
  r.set("repay_g", {}, 7.5);
  std::string t = r.render();
  CHECK(t.find("# HELP repay_x_total things done\n# TYPE repay_x_total counter\n") != std::string::npos);
  CHECK(t.find("repay_x_total{code=\"0000\"} 3\n") != std::string::npos);
  CHECK(t.find("repay_x_total{code=\"3001\"} 1\n") != std::string::npos);
  CHECK(t.find("# TYPE repay_g gauge\nrepay_g 7.5\n") != std::string::npos);
}

TEST_CASE("histograms are cumulative, with +Inf, sum and count") {
  Registry r;
  r.declare("repay_h_seconds", Kind::kHistogram, "latency", {0.1, 1});
  r.observe("repay_h_seconds", {{"channel", "C1"}}, 0.05);
  r.observe("repay_h_seconds", {{"channel", "C1"}}, 0.1);  // le is inclusive
  r.observe("repay_h_seconds", {{"channel", "C1"}}, 0.5);
  r.observe("repay_h_seconds", {{"channel", "C1"}}, 3);
  std::string t = r.render();
  CHECK(t.find("repay_h_seconds_bucket{channel=\"C1\",le=\"0.1\"} 2\n") != std::string::npos);
  CHECK(t.find("repay_h_seconds_bucket{channel=\"C1\",le=\"1\"} 3\n") != std::string::npos);
  CHECK(t.find("repay_h_seconds_bucket{channel=\"C1\",le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(t.find("repay_h_seconds_sum{channel=\"C1\"} 3.65\n") != std::string::npos);
  CHECK(t.find("repay_h_seconds_count{channel=\"C1\"} 4\n") != std::string::npos);
}

TEST_CASE("label values are escaped") {
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(format_labels({{"a", "x\"y"}}) == "{a=\"x\\\"y\"}");
  CHECK(format_value(3) == "3");
  CHECK(format_value(0.25) == "0.25");
}

TEST_CASE("collectors run at render; a failing one is counted, the rest still served") {
  Registry r;
  int runs = 0;
  r.set_collector("a", [&](std::vector<Family>& out) {
    ++runs;
    Family f{"repay_items", "items by state", Kind::kGauge, {}};
    f.add({{"state", "PENDING"}}, 4);
    out.push_back(f);
  });
  r.set_collector("b", [](std::vector<Family>&) { throw std::runtime_error("store down"); });
  std::string t = r.render();
  CHECK(runs == 1);
  CHECK(t.find("repay_items{state=\"PENDING\"} 4\n") != std::string::npos);
  CHECK(t.find("repay_metrics_collector_errors 1\n") != std::string::npos);
}

TEST_CASE("updates from several threads are all counted") {
  Registry r;
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) r.inc("repay_n_total", {});
    });
  }
  for (auto& t : ts) t.join();
  CHECK(r.render().find("repay_n_total 4000\n") != std::string::npos);
}

TEST_CASE("a collector set again under its key replaces the old one; removed, it is gone") {
  Registry r;
  r.set_collector("k", [](std::vector<Family>& out) { out.push_back({"repay_old", "", Kind::kGauge, {{{}, 1}}}); });
  r.set_collector("k", [](std::vector<Family>& out) { out.push_back({"repay_new", "", Kind::kGauge, {{{}, 2}}}); });
  std::string t = r.render();
  CHECK(t.find("repay_old") == std::string::npos);
  CHECK(t.find("repay_new 2\n") != std::string::npos);
  r.remove_collector("k");
  CHECK(r.render().find("repay_new") == std::string::npos);
}
