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
      // This day's line was applied to it by an earlier run (and the fact left it processing):
      // nothing more to do.
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

// Sorting by ReqSn. A ReqSn is at most 32 characters (common.md); its first 16 bytes, big-endian
// in two integers (zero-padded, and no ReqSn character is zero, so a shorter one sorts first),
// decide almost every comparison without touching the text. Sorting small {key, index} entries
// and moving each record once is several times faster than sorting the records by their text.
struct SortKey {
  uint64_t hi = 0, lo = 0;
  uint32_t index = 0;
};

uint64_t be_prefix(std::string_view s, size_t from) {
  uint64_t v = 0;
  for (size_t k = 0; k < 8; ++k) {
    const size_t at = from + k;
    v = (v << 8) | (at < s.size() ? static_cast<unsigned char>(s[at]) : 0u);
  }
  return v;
}

uint32_t tie_of(const OurRecord&) { return 0; }
uint32_t tie_of(const StatementLine& l) { return l.line_no; }  // the first line of a ReqSn is used

// The order of the join: by ReqSn, then (lines) by line number.
template <class T>
bool before(const T& x, const T& y) {
  const int c = x.req_sn.compare(y.req_sn);
  if (c != 0) return c < 0;
  return tie_of(x) < tie_of(y);
}

// Sorts the entries `idx` of v by the join's order (small {key, index} entries, see SortKey).
template <class T>
void sort_indexes(const std::vector<T>& v, std::vector<uint32_t>& idx) {
  std::vector<SortKey> keys(idx.size());
  for (size_t k = 0; k < idx.size(); ++k) {
    const std::string_view sn = v[idx[k]].req_sn;
    keys[k] = SortKey{be_prefix(sn, 0), be_prefix(sn, 8), idx[k]};
  }
  std::sort(keys.begin(), keys.end(), [&v](const SortKey& a, const SortKey& b) {
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    const T& x = v[a.index];
    const T& y = v[b.index];
    if (x.req_sn.size() > 16 || y.req_sn.size() > 16) {
      const int c = x.req_sn.compare(y.req_sn);
      if (c != 0) return c < 0;
    }
    return tie_of(x) < tie_of(y);
  });
  for (size_t k = 0; k < keys.size(); ++k) idx[k] = keys[k].index;
}

// Sorts by ReqSn, then (lines) by line number. Both sides usually come nearly in order (records
// read by finish time with ReqSns handed out in sending order, statements listed by ReqSn or
// time), so one pass first takes the entries already in order — an entry stays in that run when
// it is not before the run's last one and not after the entry that follows it (so one entry far
// out of place does not push every later one out) — and only the rest is sorted, then merged
// with the run. Input in any order is still sorted correctly; it costs one pass more than a plain
// sort of everything.
template <class T>
void sort_by_req_sn(std::vector<T>& v) {
  const size_t n = v.size();
  std::vector<uint32_t> run, rest;
  run.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    const bool fits = (run.empty() || !before(v[k], v[run.back()])) &&
                      (k + 1 == n || !before(v[k + 1], v[k]));
    (fits ? run : rest).push_back(static_cast<uint32_t>(k));
  }
  if (rest.empty()) return;  // already in order
  sort_indexes(v, rest);
  // Merged in place: the others copied aside (few), the run moved up to the front (its indexes
  // only grow, so nothing is overwritten before it is read), then both merged from the back into
  // v — sequential, and no second vector of every entry. Of equal entries the run's come first.
  std::vector<T> others;
  others.reserve(rest.size());
  for (uint32_t k : rest) others.push_back(v[k]);
  rest = {};
  size_t a = 0;
  for (uint32_t k : run) v[a++] = v[k];
  run = {};
  size_t b = others.size(), out = n;
  while (b > 0) {
    if (a > 0 && before(others[b - 1], v[a - 1])) v[--out] = v[--a];
    else v[--out] = others[--b];
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
  if (ours.size() + lines.size() > 200'000) {
    std::thread t([&lines] { sort_by_req_sn(lines); });
    sort_by_req_sn(ours);
    t.join();
  } else {
    sort_by_req_sn(lines);
    sort_by_req_sn(ours);
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
