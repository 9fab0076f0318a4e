// settlement::JobStore in SQL over the engine seam (table settle_jobs, migrations.cc).
#pragma once

#include "settlement/job_ports.h"
#include "store/db.h"

namespace repay::store {

class SqlJobStore final : public settlement::JobStore {
 public:
  explicit SqlJobStore(Pool& pool) : pool_(pool) {}
  Result<settlement::JobRecord> job(const settlement::JobKey& k) override;
  Status job_failed(const settlement::JobKey& k, const std::string& error, Instant next_at,
                    Instant now) override;
  Status job_done(const settlement::JobKey& k, const std::string& detail, Instant now) override;
  Result<bool> job_alerted(const settlement::JobKey& k, const settlement::JobAlert& a,
                           Instant now) override;
  Result<Date> first_day(Instant now) override;

 private:
  Pool& pool_;
};

}  // namespace repay::store
