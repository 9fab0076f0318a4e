#include "ops/store_gauges.h"

#include <doctest/doctest.h>

using namespace repay;
using namespace repay::ops;

namespace {
std::string render_of(const StoreReading& r, Instant now) {
  Registry reg;
  reg.set_collector("store", [&](std::vector<Family>& out) {
    for (auto& f : families(r, now)) out.push_back(f);
  });
  return reg.render();
}
}  // namespace

TEST_CASE("a store reading becomes gauges with their labels") {
  Instant now = from_unix_ms(1'800'000'000'000);
  StoreReading r;
  r.batches = {{"CC01", "OPEN", 1}, {"CC01", "RETURNED", 3}};
  r.items = {{"CC01", "PENDING", 40}, {"CC01", "SUCCESS", 60}};
  r.open_batches = {{"CC01", "B001", "OPEN", 100, 40, now + std::chrono::seconds(90)}};
  r.notifications = {{"PENDING", "", 2}};
  r.oldest_pending_notification = now - std::chrono::seconds(30);
  r.refunds = {{"US", "PENDING_REVIEW", 5}};
  r.realtime_unresolved = {{"QUICK01", "UNKNOWN", 3}};
  r.recon = {{"COLL01", "MATCHED", 7}};
  r.recon_day = {{"COLL01", "", 20261121}};
  std::string t = render_of(r, now);
  CHECK(t.find("repay_batches{center=\"CC01\",state=\"RETURNED\"} 3\n") != std::string::npos);
  CHECK(t.find("repay_batch_items{center=\"CC01\",state=\"PENDING\"} 40\n") != std::string::npos);
  CHECK(t.find("repay_batch_unfinished_items{center=\"CC01\",batch=\"B001\",state=\"OPEN\"} 40\n") != std::string::npos);
  CHECK(t.find("repay_batch_seconds_to_force_fail{center=\"CC01\",batch=\"B001\",state=\"OPEN\"} 90\n") != std::string::npos);
  CHECK(t.find("repay_notifications{state=\"PENDING\"} 2\n") != std::string::npos);
  CHECK(t.find("repay_notification_oldest_pending_seconds 30\n") != std::string::npos);
  CHECK(t.find("repay_refunds{origin=\"US\",state=\"PENDING_REVIEW\"} 5\n") != std::string::npos);
  CHECK(t.find("repay_realtime_unresolved{channel=\"QUICK01\",state=\"UNKNOWN\"} 3\n") != std::string::npos);
  CHECK(t.find("repay_recon_outcomes{channel=\"COLL01\",class=\"MATCHED\"} 7\n") != std::string::npos);
  CHECK(t.find("repay_recon_last_day{channel=\"COLL01\"} 20261121\n") != std::string::npos);
}

TEST_CASE("an overdue batch shows a negative outlook; no pending notification shows 0") {
  Instant now = from_unix_ms(1'800'000'000'000);
  StoreReading r;
  r.open_batches = {{"CC02", "B9", "OPEN", 10, 1, now - std::chrono::seconds(5)}};
  std::string t = render_of(r, now);
  CHECK(t.find("repay_batch_seconds_to_force_fail{center=\"CC02\",batch=\"B9\",state=\"OPEN\"} -5\n") != std::string::npos);
  CHECK(t.find("repay_notification_oldest_pending_seconds 0\n") != std::string::npos);
}
