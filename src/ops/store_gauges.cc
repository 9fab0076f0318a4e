#include "ops/store_gauges.h"

#include <chrono>

namespace repay::ops {
namespace {

Family by_two(const std::string& name, const std::string& help, const std::string& la,
              const std::string& lb, const std::vector<CountBy>& rows) {
  Family f{name, help, Kind::kGauge, {}};
  for (const auto& r : rows) {
    Labels l{{la, r.a}};
    if (!lb.empty()) l.emplace_back(lb, r.b);
    f.add(std::move(l), static_cast<double>(r.count));
  }
  return f;
}

double seconds_between(Instant from, Instant to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

std::vector<Family> families(const StoreReading& r, Instant now) {
  std::vector<Family> out;
  out.push_back(by_two("repay_batches", "batches by card center and state", "center", "state", r.batches));
  out.push_back(by_two("repay_batch_items", "items of batches not yet returned, by card center and state",
                       "center", "state", r.items));
  Family left{"repay_batch_unfinished_items",
              "items of an open batch not final yet (PENDING, SENDING, UNKNOWN)", Kind::kGauge, {}};
  Family outlook{"repay_batch_seconds_to_force_fail",
                 "seconds until an open batch's force-fail time (negative: overdue)", Kind::kGauge, {}};
  for (const auto& b : r.open_batches) {
    Labels l{{"center", b.center_id}, {"batch", b.batch_no}, {"state", b.state}};
    left.add(l, static_cast<double>(b.unfinished));
    outlook.add(l, seconds_between(now, b.force_fail_at));
  }
  out.push_back(std::move(left));
  out.push_back(std::move(outlook));
  out.push_back(by_two("repay_notifications", "notifications to card centers waiting (PENDING) or given up",
                       "state", "", r.notifications));
  Family oldest{"repay_notification_oldest_pending_seconds",
                "age of the oldest notification still pending (0: none)", Kind::kGauge, {}};
  oldest.add({}, r.oldest_pending_notification == Instant{}
                     ? 0.0
                     : seconds_between(r.oldest_pending_notification, now));
  out.push_back(std::move(oldest));
  out.push_back(by_two("repay_realtime_unresolved",
                       "real-time repayments without a final result yet, by channel and state (PENDING, SENDING, UNKNOWN)",
                       "channel", "state", r.realtime_unresolved));
  out.push_back(by_two("repay_refunds", "refunds by origin (CENTER, US) and state", "origin", "state", r.refunds));
  out.push_back(by_two("repay_recon_outcomes", "classes of the latest reconciled day per channel",
                       "channel", "class", r.recon));
  out.push_back(by_two("repay_recon_last_day", "the latest reconciled day per channel (yyyyMMdd)",
                       "channel", "", r.recon_day));
  return out;
}

}  // namespace repay::ops
