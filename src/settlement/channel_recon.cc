#include "settlement/channel_recon.h"

#include <set>
#include <unordered_set>

namespace repay::settlement {

OursLoading::OursLoading(ReconStore& store, std::string channel, Date day)
    : thread_([this, &store, channel = std::move(channel), day] {
        result_.emplace(store.load_ours(channel, day));
      }) {}

OursLoading::~OursLoading() {
  if (thread_.joinable()) thread_.join();
}

Result<OurRecords> OursLoading::take() {
  if (thread_.joinable()) thread_.join();
  if (!result_) return make_error("INTERNAL", "our records were taken already");
  Result<OurRecords> r = std::move(*result_);
  result_.reset();
  return r;
}

Result<ReconRun> reconcile_channel_day(ReconStore& store, const std::string& channel, Date day,
                                       int64_t statement_id, Statement& st, int suspense_days,
                                       Instant now, const std::string& actor) {
  auto ours = store.load_ours(channel, day);
  if (!ours) return ours.error();
  return reconcile_channel_day(store, channel, day, statement_id, st, std::move(*ours),
                               suspense_days, now, actor);
}

Result<ReconRun> reconcile_channel_day(ReconStore& store, const std::string& channel, Date day,
                                       int64_t statement_id, Statement& st, OurRecords ours,
                                       int suspense_days, Instant now, const std::string& actor) {
  const int32_t t = day_number(day);
  Reconciliation r = reconcile(ours.records, st.lines, t, suspense_days);

  // Lines the day's records have no record for: a record finished on another day (channel-api.md:
  // SettleDate may differ from our day) or one whose day moved since. Looked up by ReqSn, then matched apart:
  // every line of such a ReqSn is among them, so the two joins never share a ReqSn.
  std::vector<std::string> unknown;
  for (const auto& o : r.outcomes) {
    if (o.cls == Class::kUnknownReqSn) unknown.emplace_back(o.line->req_sn);
  }
  OurRecords extra;
  std::vector<StatementLine> extra_lines;
  if (!unknown.empty()) {
    auto found = store.find_ours(channel, unknown);
    if (!found) return found.error();
    extra = std::move(*found);
  }
  if (!extra.records.empty()) {
    std::unordered_set<std::string_view> known;
    for (const auto& rec : extra.records) known.insert(rec.req_sn);
    std::vector<Outcome> kept;
    for (const auto& o : r.outcomes) {
      const StatementLine* l = o.line;
      const bool moved = l && (o.cls == Class::kUnknownReqSn ||
                               (o.cls == Class::kDuplicateLine && o.our == nullptr)) &&
                         known.count(l->req_sn) > 0;
      if (moved) {
        extra_lines.push_back(*l);
        --r.counts[static_cast<size_t>(o.cls)];
      } else {
        kept.push_back(o);
      }
    }
    r.outcomes = std::move(kept);
    Reconciliation r2 = reconcile(extra.records, extra_lines, t, suspense_days);
    for (size_t k = 0; k < kClassCount; ++k) r.counts[k] += r2.counts[k];
    for (const auto& o : r2.outcomes) r.outcomes.push_back(o);
  }
  auto run = store.record_reconciliation(channel, day, statement_id, r, now, actor);
  if (!run) return run.error();
  run->ours = static_cast<int64_t>(ours.records.size() + extra.records.size());
  run->lines = static_cast<int64_t>(st.lines.size());
  return run;
}

}  // namespace repay::settlement
