// Gauges read from the store at scrape time: batches and items by state, each open batch's
// deadline outlook, the notification backlog, refunds by state, the latest reconciliation's
// classes per channel. OpsStore is what this needs from the store (store/ops_sql.cc); families()
// turns a reading into metric families (pure).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "ops/metrics.h"

namespace repay::ops {

struct CountBy {
  std::string a;  // first label's value
  std::string b;  // second label's value
  int64_t count = 0;
};

struct OpenBatch {
  std::string center_id;
  std::string batch_no;
  std::string state;        // LOADING, OPEN, CLOSED
  int64_t items = 0;        // D lines
  int64_t unfinished = 0;   // PENDING, SENDING, UNKNOWN
  Instant force_fail_at{};
};

struct StoreReading {
  std::vector<CountBy> batches;        // center, state (every batch)
  std::vector<CountBy> items;          // center, state (items of batches not yet returned)
  std::vector<OpenBatch> open_batches; // not yet returned
  std::vector<CountBy> notifications;  // state, "" (PENDING and GAVE_UP; DELIVERED is history)
  Instant oldest_pending_notification{};  // zero when none is pending
  std::vector<CountBy> realtime_unresolved;  // channel, state: real-time repayments PENDING, SENDING, UNKNOWN
  std::vector<CountBy> refunds;        // origin, state
  std::vector<CountBy> recon;          // channel, class: the latest reconciled day per channel
  std::vector<CountBy> recon_day;      // channel, "" with count = that day as yyyyMMdd
};

class OpsStore {
 public:
  virtual ~OpsStore() = default;
  virtual Result<StoreReading> read_gauges() = 0;
};

std::vector<Family> families(const StoreReading& r, Instant now);

}  // namespace repay::ops
