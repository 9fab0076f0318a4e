#include "batch/timing.h"

namespace repay::batch {

BatchTimes batch_times(const Date& batch_date, const CenterTiming& t) {
  BatchTimes b;
  b.send_from_at = cst_time_on(batch_date, t.send_from_minutes);
  b.force_fail_at = cst_time_on(batch_date, t.return_deadline_minutes - t.force_fail_lead_minutes);
  return b;
}

}  // namespace repay::batch
