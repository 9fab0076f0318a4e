// Metrics in the Prometheus text exposition format (version 0.0.4), served on the admin listener
// at /metrics. A small registry of counters, gauges and histograms, safe to update from any thread,
// plus collectors: functions run at scrape time that read current values (channel in-flight
// counts, the store's batches, items, notifications, refunds, reconciliation classes).
// Label values must never hold a card, ID or mobile number (common.md: Sensitive data).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace repay::ops {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Kind { kCounter, kGauge, kHistogram };

// One metric family as a collector reports it at scrape time (gauges or counters only).
struct Family {
  std::string name;
  std::string help;
  Kind kind = Kind::kGauge;
  std::vector<std::pair<Labels, double>> samples;
  void add(Labels labels, double value) { samples.emplace_back(std::move(labels), value); }
};

// Buckets (upper bounds, seconds) for call latencies: 5 ms to 60 s.
std::vector<double> latency_buckets();

class Registry {
 public:
  // Declares a family before use; declaring again with the same kind is a no-op. Histograms take
  // their bucket upper bounds (increasing); +Inf is added.
  void declare(const std::string& name, Kind kind, const std::string& help,
               std::vector<double> buckets = {});
  // Updates; a name never declared is declared on the spot (counter, gauge, default latency
  // buckets) with an empty help.
  void inc(const std::string& name, const Labels& labels, double by = 1);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);

  using Collector = std::function<void(std::vector<Family>& out)>;
  // Runs at each render(); an exception from it is caught and counted in
  // the gauge repay_metrics_collector_errors of that scrape (a failing side job never breaks it).
  // A collector set again under the same key replaces the previous one (a processor created
  // again in one process must not leave collectors reading what the first one owned).
  void set_collector(const std::string& key, Collector c);
  void remove_collector(const std::string& key);

  // The whole exposition: declared families in name order, then the collectors' families.
  std::string render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket (not cumulative), plus one for +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  struct Entry {
    Kind kind = Kind::kCounter;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, double> values;        // counters and gauges
    std::map<Labels, Histogram> histograms;  // histograms
  };
  Entry& entry(const std::string& name, Kind kind);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, Collector> collectors_;
};

// The process's registry (what /metrics serves). Tests use their own Registry.
Registry& metrics();

// Text helpers (exposed for tests).
std::string escape_label_value(std::string_view v);
std::string format_value(double v);
std::string format_labels(const Labels& labels);

}  // namespace repay::ops
