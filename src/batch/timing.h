// A batch's times (files.md, Timing): debits may start at send_from on batchDate; the force-fail
// time is return_deadline - force_fail_lead (return_deadline may be up to 47:59, the next day).
#pragma once

#include <string>

#include "core/clock.h"

namespace repay::batch {

struct CenterTiming {
  int send_from_minutes = 6 * 60;
  int return_deadline_minutes = 16 * 60;
  int force_fail_lead_minutes = 10;
};

struct BatchTimes {
  Instant send_from_at{};
  Instant force_fail_at{};
};

BatchTimes batch_times(const Date& batch_date, const CenterTiming& t);

}  // namespace repay::batch
