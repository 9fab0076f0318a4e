#include "ops/metrics.h"

#include <cmath>
#include <cstdio>
#include <exception>

namespace repay::ops {
namespace {

const char* type_name(Kind k) {
  switch (k) {
    case Kind::kCounter: return "counter";
    case Kind::kGauge: return "gauge";
    case Kind::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string escape_help(std::string_view h) {
  std::string out;
  for (char c : h) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void header(std::string& out, const std::string& name, const std::string& help, Kind kind) {
  out += "# HELP " + name + " " + escape_help(help) + "\n";
  out += "# TYPE " + name + " " + type_name(kind) + "\n";
}

Labels with(Labels l, std::string k, std::string v) {
  l.emplace_back(std::move(k), std::move(v));
  return l;
}

}  // namespace

std::vector<double> latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string format_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
  }
  return out + "}";
}

void Registry::declare(const std::string& name, Kind kind, const std::string& help,
                       std::vector<double> buckets) {
  std::lock_guard lk(mu_);
  auto [it, fresh] = entries_.try_emplace(name);
  if (!fresh && !it->second.help.empty()) return;
  it->second.kind = kind;
  it->second.help = help;
  if (kind == Kind::kHistogram) it->second.buckets = buckets.empty() ? latency_buckets() : buckets;
}

Registry::Entry& Registry::entry(const std::string& name, Kind kind) {
  auto [it, fresh] = entries_.try_emplace(name);
  if (fresh) {
    it->second.kind = kind;
    if (kind == Kind::kHistogram) it->second.buckets = latency_buckets();
  }
  return it->second;
}

void Registry::inc(const std::string& name, const Labels& labels, double by) {
  std::lock_guard lk(mu_);
  entry(name, Kind::kCounter).values[labels] += by;
}

void Registry::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lk(mu_);
  entry(name, Kind::kGauge).values[labels] = value;
}

void Registry::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lk(mu_);
  Entry& e = entry(name, Kind::kHistogram);
  Histogram& h = e.histograms[labels];
  if (h.counts.empty()) h.counts.assign(e.buckets.size() + 1, 0);
  size_t i = 0;
  while (i < e.buckets.size() && value > e.buckets[i]) ++i;
  ++h.counts[i];
  h.sum += value;
  ++h.count;
}

void Registry::set_collector(const std::string& key, Collector c) {
  std::lock_guard lk(mu_);
  collectors_[key] = std::move(c);
}

void Registry::remove_collector(const std::string& key) {
  std::lock_guard lk(mu_);
  collectors_.erase(key);
}

std::string Registry::render() const {
  std::map<std::string, Collector> collectors;
  std::string out;
  {
    std::lock_guard lk(mu_);
    collectors = collectors_;
    for (const auto& [name, e] : entries_) {
      header(out, name, e.help, e.kind);
      if (e.kind != Kind::kHistogram) {
        for (const auto& [labels, v] : e.values) out += name + format_labels(labels) + " " + format_value(v) + "\n";
        continue;
      }
      for (const auto& [labels, h] : e.histograms) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < e.buckets.size(); ++i) {
          cumulative += h.counts[i];
          out += name + "_bucket" + format_labels(with(labels, "le", format_value(e.buckets[i]))) +
                 " " + std::to_string(cumulative) + "\n";
        }
        out += name + "_bucket" + format_labels(with(labels, "le", "+Inf")) + " " +
               std::to_string(h.count) + "\n";
        out += name + "_sum" + format_labels(labels) + " " + format_value(h.sum) + "\n";
        out += name + "_count" + format_labels(labels) + " " + std::to_string(h.count) + "\n";
      }
    }
  }
  // Collectors run outside the lock: they may read the store, which takes its time.
  int failures = 0;
  for (const auto& [key, c] : collectors) {
    std::vector<Family> families;
    try {
      c(families);
    } catch (const std::exception&) {
      ++failures;
      continue;
    }
    for (const auto& f : families) {
      header(out, f.name, f.help, f.kind);
      for (const auto& [labels, v] : f.samples) out += f.name + format_labels(labels) + " " + format_value(v) + "\n";
    }
  }
  header(out, "repay_metrics_collector_errors", "collectors that failed during this scrape", Kind::kGauge);
  out += "repay_metrics_collector_errors " + std::to_string(failures) + "\n";
  return out;
}

Registry& metrics() {
  static Registry r;
  return r;
}

}  // namespace repay::ops
