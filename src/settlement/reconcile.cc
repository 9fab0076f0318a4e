// The sort-merge join of reconcile.h.
#include "settlement/reconcile.h"

#include <algorithm>
#include <thread>

namespace repay::settlement {
namespace {

const Date kEpoch(1970, 1, 1);

// What a pair (record, its first line) is. Amounts first: channel-api.md, an amount that differs
// from what we sent is an exception, never silently accepted.
Class classify_pair(const OurRecord& o, const StatementLine& l, int32_t day_t) {
  if (o.line_day >= 0 && o.line_day != day_t) return Class::kDuplicateLine;
  if (o.type != l.type) return Class::kTypeDiffers;
  if (o.amount != l.amount) return Class::kAmountDiffers;
  switch (o.state) {
    case OurState::kSuccess:
      return o.held_before ? Class::kReleased : Class::kMatched;
    case OurState::kForcedFailed:
      return Class::kLateSuccess;  // files.md: a force-failed item stays failed; refund after review
    case OurState::kFailed:
      return o.type == TxnType::kDebit ? Class::kDebitedOursFailed : Class::kRefundContradicts;
    case OurState::kPending:
      // Already moved to SUCCESS by this day's line in an earlier run (the copy still says
      // processing): nothing more to do.
      return o.line_day == day_t ? Class::kMatched : Class::kBankDoneOursPending;
  }
  return Class::kMatched;
}

Class classify_alone(const OurRecord& o, int32_t day_t, int suspense_days) {
  if (o.line_day >= 0) return Class::kMatchedBefore;
  switch (o.state) {
    case OurState::kSuccess:
      return day_t - o.day >= suspense_days ? Class::kOursMissing : Class::kSuspense;
    case OurState::kFailed:
    case OurState::kForcedFailed:
      return Class::kNotMoved;
    case OurState::kPending:
      return Class::kStillOpen;
  }
  return Class::kNotMoved;
}

bool listed(Class c, const OurRecord* o, int32_t day_t) {
  switch (c) {
    case Class::kMatched:
      // Written down only when it must be remembered: a record of another day, or one with a
      // state kept from an earlier run (held, processing) that this match replaces.
      return o->day != day_t || o->has_state;
    case Class::kNotMoved:
    case Class::kMatchedBefore:
      return false;
    default:
      return true;
  }
}

}  // namespace

const char* class_name(Class c) {
  static const char* const names[kClassCount] = {
      "MATCHED",       "RELEASED",       "LATE_SUCCESS",  "DEBITED_OURS_FAILED",
      "BANK_DONE_OURS_PENDING", "SUSPENSE", "OURS_MISSING", "AMOUNT_DIFFERS",
      "TYPE_DIFFERS",  "DUPLICATE_LINE", "UNKNOWN_REQSN", "REFUND_CONTRADICTS",
      "NOT_MOVED",     "STILL_OPEN",     "MATCHED_BEFORE"};
  return names[static_cast<size_t>(c)];
}

int32_t day_number(Date d) { return static_cast<int32_t>((d - kEpoch).days()); }
Date date_of_day(int32_t day) { return kEpoch + boost::gregorian::days(day); }

Reconciliation reconcile(std::vector<OurRecord>& ours, std::vector<StatementLine>& lines,
                         int32_t day_t, int suspense_days) {
  // Both sides sorted at once (two threads: the sorts are the cost of the join).
  auto sort_lines = [&lines] {
    std::sort(lines.begin(), lines.end(), [](const StatementLine& a, const StatementLine& b) {
      int c = a.req_sn.compare(b.req_sn);
      return c < 0 || (c == 0 && a.line_no < b.line_no);
    });
  };
  auto sort_ours = [&ours] {
    std::sort(ours.begin(), ours.end(),
              [](const OurRecord& a, const OurRecord& b) { return a.req_sn < b.req_sn; });
  };
  if (ours.size() + lines.size() > 200'000) {
    std::thread t(sort_lines);
    sort_ours();
    t.join();
  } else {
    sort_lines();
    sort_ours();
  }

  Reconciliation r;
  auto emit = [&](Class c, const OurRecord* o, const StatementLine* l) {
    ++r.counts[static_cast<size_t>(c)];
    if (o == nullptr || listed(c, o, day_t)) r.outcomes.push_back(Outcome{c, o, l});
  };
  size_t i = 0, j = 0;
  while (i < ours.size() || j < lines.size()) {
    int cmp;
    if (i == ours.size()) cmp = 1;
    else if (j == lines.size()) cmp = -1;
    else cmp = ours[i].req_sn.compare(lines[j].req_sn);
    if (cmp < 0) {
      emit(classify_alone(ours[i], day_t, suspense_days), &ours[i], nullptr);
      ++i;
      continue;
    }
    const std::string_view key = lines[j].req_sn;
    const OurRecord* o = nullptr;
    if (cmp == 0) {
      o = &ours[i];
      // Our ReqSns are unique per channel; a second record with the same one is consumed by
      // nothing (it cannot be told apart) and reported with the line.
      ++i;
      while (i < ours.size() && ours[i].req_sn == key) {
        emit(Class::kDuplicateLine, &ours[i], nullptr);
        ++i;
      }
    }
    const StatementLine* first = &lines[j];
    if (o) {
      Class c = classify_pair(*o, *first, day_t);
      // A line for a record another day's line already used: the line is the duplicate, the
      // record stays as it is.
      emit(c, o, first);
    } else {
      emit(Class::kUnknownReqSn, nullptr, first);
    }
    ++j;
    while (j < lines.size() && lines[j].req_sn == key) {
      emit(Class::kDuplicateLine, o, &lines[j]);
      ++j;
    }
  }
  return r;
}

}  // namespace repay::settlement
