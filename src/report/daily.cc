#include "report/daily.h"

#include <algorithm>
#include <cstdio>

namespace repay::report {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Instant floor_hour(Instant t) {
  auto h = std::chrono::floor<hours>(t.time_since_epoch());
  return Instant(std::chrono::duration_cast<Instant::duration>(h));
}
Instant ceil_hour(Instant t) {
  Instant f = floor_hour(t);
  return f == t ? f : f + hours(1);
}

bool is_final(const std::string& state) {
  return state == "SUCCESS" || state == "FAILED" || state == "REJECTED";
}

// An axis from..to cut into at most 48 slices of a round length.
Series make_series(std::string title, Instant from, Instant to, Instant force_fail_at) {
  Series s;
  s.title = std::move(title);
  s.from = floor_hour(from);
  s.to = std::max(ceil_hour(to), s.from + hours(1));
  s.force_fail_at = force_fail_at;
  for (int m : {5, 10, 15, 30, 60, 120, 240, 480, 1440}) {
    s.slice = minutes(m);
    if ((s.to - s.from) / s.slice <= 48) break;
  }
  for (Instant t = s.from; t < s.to; t += s.slice) s.slices.push_back({t, 0, 0});
  s.to = s.from + s.slice * static_cast<int64_t>(s.slices.size());
  return s;
}

void count_in(Series& s, const ItemRecord& i) {
  if (!is_final(i.state) || i.finished_at == Instant{} || i.finished_at < s.from || i.finished_at >= s.to) return;
  auto k = static_cast<size_t>((i.finished_at - s.from) / s.slice);
  ++s.slices[k].finished;
  if (i.state == "SUCCESS") ++s.slices[k].success;
}

}  // namespace

int success_permille(const CenterDay& c) {
  int64_t final_count = c.success.count + c.failed.count;
  if (final_count == 0) return -1;
  return static_cast<int>((c.success.count * 1000 + final_count / 2) / final_count);
}

std::string format_rate(int permille) {
  if (permille < 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%d.%d%%", permille / 10, permille % 10);
  return buf;
}

DailyReport compute_daily(Date day, const DayRecords& records) {
  DailyReport r;
  r.day = day;
  std::map<std::string, CenterDay> by_center;
  auto center = [&](const std::string& id) -> CenterDay& {
    CenterDay& c = by_center[id];
    c.center_id = id;
    return c;
  };
  std::map<std::pair<std::string, std::string>, BatchSummary> batches;
  for (const auto& b : records.batches) {
    center(b.center_id);
    BatchSummary& s = batches[{b.center_id, b.batch_no}];
    s.batch_no = b.batch_no;
    s.state = b.state;
    s.items = b.total_count;
    s.force_fail_at = b.force_fail_at;
    s.returned_at = b.returned_at;
  }
  for (const auto& i : records.items) {
    CenterDay& c = center(i.center_id);
    c.all.add(i.amount);
    (i.source == 'B' ? c.batch_items : c.realtime).add(i.amount);
    BatchSummary* b = nullptr;
    if (i.source == 'B') {
      auto it = batches.find({i.center_id, i.batch_no});
      if (it != batches.end()) b = &it->second;
    }
    if (i.state == "SUCCESS") {
      c.success.add(i.amount);
      c.fees += i.fee;
      if (b) b->success.add(i.amount);
    } else if (is_final(i.state)) {
      c.failed.add(i.amount);
      ++c.failures_by_code[i.resp_code];
      if (b) b->failed.add(i.amount);
      if (i.state == "REJECTED") {
        c.rejected.add(i.amount);
        if (b) b->rejected.add(i.amount);
      }
      if (i.forced) {
        c.forced.add(i.amount);
        if (b) b->forced.add(i.amount);
      }
    } else {
      c.open.add(i.amount);
      if (b) b->open.add(i.amount);
    }
  }
  for (const auto& f : records.refunds) center(f.center_id).refunds[f.origin + " " + f.state].add(f.amount);
  for (const auto& e : records.exceptions) {
    if (!e.center_id.empty()) ++center(e.center_id).exceptions[e.kind];
  }
  // Charts: one per batch (axis from its receipt to past its force-fail time and last result),
  // then the real-time repayments over the day.
  for (auto& [key, s] : batches) {
    const BatchRecord* rec = nullptr;
    for (const auto& b : records.batches) {
      if (b.center_id == key.first && b.batch_no == key.second) rec = &b;
    }
    Instant from = rec->received_at, to = rec->force_fail_at + hours(1);
    for (const auto& i : records.items) {
      if (i.source != 'B' || i.center_id != key.first || i.batch_no != key.second || i.finished_at == Instant{}) continue;
      from = std::min(from, i.finished_at);
      to = std::max(to, i.finished_at + minutes(1));
    }
    Series series = make_series("batch " + s.batch_no, from, to, s.force_fail_at);
    for (const auto& i : records.items) {
      if (i.source == 'B' && i.center_id == key.first && i.batch_no == key.second) count_in(series, i);
    }
    CenterDay& c = center(key.first);
    c.batches.push_back(s);
    c.charts.push_back(std::move(series));
  }
  for (auto& [id, c] : by_center) {
    if (c.realtime.count == 0) continue;
    Series series = make_series("real time", cst_day_start(day), cst_day_start(day) + hours(24), Instant{});
    for (const auto& i : records.items) {
      if (i.source == 'R' && i.center_id == id) count_in(series, i);
    }
    c.charts.push_back(std::move(series));
  }
  for (auto& [id, c] : by_center) r.centers.push_back(std::move(c));
  return r;
}

}  // namespace repay::report
