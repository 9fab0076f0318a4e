// ops::OpsStore (gauges read at scrape time) and report::ReportStore in SQL over the engine seam
// (the daily report's records), on the same database and pool as the other stores
// (store/stores.h). Read-only; card numbers never leave it (only counts, amounts, states and our
// own identifiers).
#pragma once

#include "ops/store_gauges.h"
#include "report/daily.h"
#include "store/stores.h"

namespace repay::store {

class SqlOpsStore final : public ops::OpsStore, public report::ReportStore {
 public:
  // `store` outlives this object.
  explicit SqlOpsStore(Stores& store) : store_(store) {}

  Result<ops::StoreReading> read_gauges() override;
  Result<report::DayRecords> day_records(Date day, const std::string& center) override;

 private:
  Stores& store_;
};

}  // namespace repay::store
