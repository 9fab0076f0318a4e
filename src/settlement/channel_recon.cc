#include "settlement/channel_recon.h"

#include <set>
#include <unordered_set>

namespace repay::settlement {

Result<ReconRun> reconcile_channel_day(ReconStore& store, const std::string& channel, Date day,
                                       int64_t statement_id, Statement& st, int suspense_days,
                                       Instant now, const std::string& actor) {
  auto copied = store.copy_day(channel, day, now);
  if (!copied) return copied.error();
  auto ours = store.load_ours(channel, day);
  if (!ours) return ours.error();
  const int32_t t = day_number(day);
  Reconciliation r = reconcile(ours->records, st.lines, t, suspense_days);

  // Lines the copy of day T has no record for: a record finished on another day (channel-api.md:
  // SettleDate may differ from our day) or never copied. Looked up by ReqSn, then matched apart:
  // every line of such a ReqSn is among them, so the two joins never share a ReqSn.
  std::vector<std::string> unknown;
  for (const auto& o : r.outcomes) {
    if (o.cls == Class::kUnknownReqSn) unknown.emplace_back(o.line->req_sn);
  }
  OurRecords extra;
  std::vector<StatementLine> extra_lines;
  if (!unknown.empty()) {
    auto found = store.find_ours(channel, unknown, now);
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
  run->copied = *copied;
  run->ours = static_cast<int64_t>(ours->records.size() + extra.records.size());
  run->lines = static_cast<int64_t>(st.lines.size());
  return run;
}

}  // namespace repay::settlement
