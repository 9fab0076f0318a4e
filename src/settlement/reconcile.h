// Channel reconciliation of day T (domain.md flow 4; channel-api.md: "matches by ReqSn, whatever
// the day"). Pure: our records (the day's transactions as one snapshot read them, plus earlier
// ones still in suspense) against the statement's lines, by a sort-merge join on ReqSn — never every row against
// every row (lessons.md, roncoo-pay). Each of our records is consumed at most once; each statement
// line is used once (a second line with the same ReqSn is a duplicate).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "settlement/statement.h"

namespace repay::settlement {

enum class OurState : uint8_t {
  kSuccess,
  kFailed,        // failed normally (declined)
  kForcedFailed,  // a batch item force-failed at its deadline (files.md): failed for good
  kPending,       // SENDING, UNKNOWN or PENDING: reached the bank or may have
};

// One of our DEBITs (batch item or real-time repayment) or REFUNDs, as the store read it.
struct OurRecord {
  std::string_view req_sn;  // the DEBIT's or the REFUND's ReqSn; the caller owns the text
  Fen amount = 0;           // what the bank sees: our debitAmount, or what the refund gives back
  int32_t day = 0;          // our day T (days since 1970-01-01, CST)
  TxnType type = TxnType::kDebit;
  OurState state = OurState::kPending;
  // From earlier runs: the statement day whose line this record used (-1: none yet), and whether
  // it was held in suspense at some point.
  int32_t line_day = -1;
  bool held_before = false;
  bool has_state = false;  // the caller keeps a state for it from an earlier run (not implicit)
};

enum class Class : uint8_t {
  kMatched,            // amounts equal, both say success: nothing more
  kReleased,           // a success held in suspense earlier, confirmed now
  kLateSuccess,        // bank debited a force-failed item: LATE_SUCCESS refund proposal
  kDebitedOursFailed,  // bank debited, ours failed normally: OTHER refund proposal
  kBankDoneOursPending,// bank debited/refunded, ours still processing: ours becomes SUCCESS
  kSuspense,           // ours success, bank missing: held, re-checked on the next days
  kOursMissing,        // still missing after the suspense days: exception OURS_MISSING
  kAmountDiffers,      // exception AMOUNT_DIFFERS
  kTypeDiffers,        // the line's type is not our record's (DEBIT vs REFUND): TYPE_DIFFERS
  kDuplicateLine,      // a second line for a ReqSn, or a line for a record another day's line
                       // already used: exception DUPLICATE_LINE
  kUnknownReqSn,       // a line whose ReqSn is not ours: exception UNKNOWN_REQSN
  kRefundContradicts,  // bank refunded, our refund failed: exception REFUND_CONTRADICTS
  kNotMoved,           // ours failed, no line: both agree nothing moved (counted, not listed)
  kStillOpen,          // ours processing, no line: looked at again on the next days
  kMatchedBefore,      // no line now, but a line of this or another day matched it before:
                       // matched records stay matched (counted, not listed)
};
inline constexpr size_t kClassCount = 15;
// "MATCHED", "RELEASED", "LATE_SUCCESS", ... — also the exception kinds where there is one.
const char* class_name(Class c);

// One outcome: the record and/or the line it concerns (pointers into the vectors given to
// reconcile(), valid while they live unchanged).
struct Outcome {
  Class cls = Class::kMatched;
  const OurRecord* our = nullptr;
  const StatementLine* line = nullptr;
};

struct Reconciliation {
  std::array<int64_t, kClassCount> counts{};
  // Every outcome except the plain ones that need nothing written — kMatched of a record of day T
  // without a kept state, kNotMoved and kMatchedBefore: those are only counted.
  std::vector<Outcome> outcomes;
  int64_t count(Class c) const { return counts[static_cast<size_t>(c)]; }
};

// Reconciles the statement of day `day_t` (days since epoch) against `ours`. Sorts both vectors
// in place (by ReqSn; lines of one ReqSn by line number: the first is used, the others are
// duplicates). A success without a line is held while day_t - its day < suspense_days, then
// OURS_MISSING. Amounts are compared before anything else is done with a pair.
Reconciliation reconcile(std::vector<OurRecord>& ours, std::vector<StatementLine>& lines,
                         int32_t day_t, int suspense_days);

// Days since 1970-01-01 of a date, and back.
int32_t day_number(Date d);
Date date_of_day(int32_t day);

}  // namespace repay::settlement
