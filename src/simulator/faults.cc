#include "simulator/faults.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <cstdlib>
#include <map>
#include <utility>

namespace repay::sim {
namespace {

constexpr const char* kKeys[] = {
    "latency-ms",    "latency-jitter-ms", "p-busy",        "p-429",
    "p-5xx",         "p-no-answer",       "p-lost-answer", "p-processing",
    "late-result-ms", "p-notify-drop",    "p-notify-dup",  "p-notify-reorder",
    "p-notify-early", "stmt-omit-every", "stmt-dup-every", "stmt-amount-every",
    "stmt-unknown-lines", "stmt-declined-every", "lie-busy-debits", "lie-declined-debits",
    "lie-query-not-found", "p-4001", nullptr};

using Setter = std::function<bool(Faults&, std::string_view)>;

bool parse_int(std::string_view v, int& out) {
  int x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < 0) return false;
  out = x;
  return true;
}

bool parse_probability(std::string_view v, double& out) {
  // strtod on a copy: std::from_chars for double needs GCC 11+, and this is not a money path.
  std::string s(v);
  char* end = nullptr;
  double x = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(x >= 0.0 && x <= 1.0)) return false;
  out = x;
  return true;
}

const std::map<std::string_view, Setter>& setters() {
  static const std::map<std::string_view, Setter> m = {
      {"latency-ms", [](Faults& f, std::string_view v) { return parse_int(v, f.latency_ms); }},
      {"latency-jitter-ms",
       [](Faults& f, std::string_view v) { return parse_int(v, f.latency_jitter_ms); }},
      {"p-busy", [](Faults& f, std::string_view v) { return parse_probability(v, f.p_busy); }},
      {"p-4001", [](Faults& f, std::string_view v) { return parse_probability(v, f.p_4001); }},
      {"p-429", [](Faults& f, std::string_view v) { return parse_probability(v, f.p_429); }},
      {"p-5xx", [](Faults& f, std::string_view v) { return parse_probability(v, f.p_5xx); }},
      {"p-no-answer",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_no_answer); }},
      {"p-lost-answer",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_lost_answer); }},
      {"p-processing",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_processing); }},
      {"late-result-ms",
       [](Faults& f, std::string_view v) { return parse_int(v, f.late_result_ms); }},
      {"p-notify-drop",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_notify_drop); }},
      {"p-notify-dup",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_notify_dup); }},
      {"p-notify-reorder",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_notify_reorder); }},
      {"p-notify-early",
       [](Faults& f, std::string_view v) { return parse_probability(v, f.p_notify_early); }},
      {"stmt-omit-every", [](Faults& f, std::string_view v) { return parse_int(v, f.stmt_omit_every); }},
      {"stmt-dup-every", [](Faults& f, std::string_view v) { return parse_int(v, f.stmt_dup_every); }},
      {"stmt-amount-every",
       [](Faults& f, std::string_view v) { return parse_int(v, f.stmt_amount_every); }},
      {"stmt-unknown-lines",
       [](Faults& f, std::string_view v) { return parse_int(v, f.stmt_unknown_lines); }},
      {"stmt-declined-every",
       [](Faults& f, std::string_view v) { return parse_int(v, f.stmt_declined_every); }},
      {"lie-busy-debits",
       [](Faults& f, std::string_view v) { return parse_int(v, f.lie_busy_debits); }},
      {"lie-declined-debits",
       [](Faults& f, std::string_view v) { return parse_int(v, f.lie_declined_debits); }},
      {"lie-query-not-found",
       [](Faults& f, std::string_view v) { return parse_int(v, f.lie_query_not_found); }},
  };
  return m;
}

std::string num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

}  // namespace

const char* const* fault_keys() { return kKeys; }

Status apply_fault_lines(Faults& faults, std::string_view text) {
  Faults next = faults;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == text.npos ? text.npos : nl - start);
    start = nl == text.npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (line == "reset") {
      next = Faults{};
      continue;
    }
    size_t eq = line.find('=');
    std::string_view key = line.substr(0, eq);
    auto it = eq == line.npos ? setters().end() : setters().find(key);
    if (it == setters().end() || !it->second(next, line.substr(eq + 1))) {
      return make_error("FAULTS", "expected key=value with a known key and a valid value",
                        std::string(key), std::string(line),
                        "faults line " + std::to_string(line_no));
    }
  }
  faults = next;
  return ok_status();
}

std::string format_faults(const Faults& f) {
  return "latency-ms=" + std::to_string(f.latency_ms) + "\n" +
         "latency-jitter-ms=" + std::to_string(f.latency_jitter_ms) + "\n" +
         "p-busy=" + num(f.p_busy) + "\n" + "p-4001=" + num(f.p_4001) + "\n" +
         "p-429=" + num(f.p_429) + "\n" +
         "p-5xx=" + num(f.p_5xx) + "\n" + "p-no-answer=" + num(f.p_no_answer) + "\n" +
         "p-lost-answer=" + num(f.p_lost_answer) + "\n" +
         "p-processing=" + num(f.p_processing) + "\n" +
         "late-result-ms=" + std::to_string(f.late_result_ms) + "\n" +
         "p-notify-drop=" + num(f.p_notify_drop) + "\n" +
         "p-notify-dup=" + num(f.p_notify_dup) + "\n" +
         "p-notify-reorder=" + num(f.p_notify_reorder) + "\n" +
         "p-notify-early=" + num(f.p_notify_early) + "\n" +
         "stmt-omit-every=" + std::to_string(f.stmt_omit_every) + "\n" +
         "stmt-dup-every=" + std::to_string(f.stmt_dup_every) + "\n" +
         "stmt-amount-every=" + std::to_string(f.stmt_amount_every) + "\n" +
         "stmt-unknown-lines=" + std::to_string(f.stmt_unknown_lines) + "\n" +
         "stmt-declined-every=" + std::to_string(f.stmt_declined_every) + "\n" +
         "lie-busy-debits=" + std::to_string(f.lie_busy_debits) + "\n" +
         "lie-declined-debits=" + std::to_string(f.lie_declined_debits) + "\n" +
         "lie-query-not-found=" + std::to_string(f.lie_query_not_found) + "\n";
}

double FaultDice::unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

void FaultDice::reseed(uint64_t seed) {
  std::lock_guard lock(mu_);
  rng_.seed(seed);
}

GatewayRoll FaultDice::roll_gateway(const Faults& f) {
  std::lock_guard lock(mu_);
  double refusal = unit();
  double processing = unit();
  double lost = unit();
  double early = unit();
  double jitter = unit();
  GatewayRoll r;
  // One draw decides the refusal, so the probabilities add up (each is of all requests).
  double edge = 0;
  for (auto [p, kind] : {std::pair{f.p_no_answer, Refusal::kNoAnswer},
                         std::pair{f.p_429, Refusal::kHttp429}, std::pair{f.p_5xx, Refusal::kHttp500},
                         std::pair{f.p_busy, Refusal::kBusy},
                         std::pair{f.p_4001, Refusal::kSignature}}) {
    edge += p;
    if (r.refusal == Refusal::kNone && refusal < edge) r.refusal = kind;
  }
  r.processing = processing < f.p_processing;
  r.lost_answer = lost < f.p_lost_answer;
  r.notify_early = early < f.p_notify_early;
  int lo = std::max(0, f.latency_ms - f.latency_jitter_ms);
  int hi = f.latency_ms + f.latency_jitter_ms;
  r.delay_ms = lo + static_cast<int>(jitter * (hi - lo + 1));
  if (r.delay_ms > hi) r.delay_ms = hi;
  return r;
}

NotifyRoll FaultDice::roll_notify(const Faults& f) {
  std::lock_guard lock(mu_);
  NotifyRoll r;
  r.drop = unit() < f.p_notify_drop;
  r.dup = unit() < f.p_notify_dup;
  r.reorder = unit() < f.p_notify_reorder;
  return r;
}

}  // namespace repay::sim
