// The identifiers Repay issues (docs/decisions.md, Identifiers), formed from values of stored
// sequences: the store reserves the values (one sequence per kind, inside the claim's write
// transaction), these say what the identifiers look like. Pure; one place for every format.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace repay::ids {

// channel-api.md: every ReqSn sent to a channel — DEBIT, REFUND, QUERY and the signing calls —
// is "RS" + 14 digits, from the one sequence "req_sn".
std::string req_sn(int64_t value);
// common.md: TxnNo "T" + the CST date of `now` (yyyyMMdd) + 10 digits.
std::string txn_no(Instant now, int64_t value);
// RefundNo "RF" + CST date + 10 digits.
std::string refund_no(Instant now, int64_t value);
// AgreementNo "AG" + CST date + 10 digits.
std::string agreement_no(Instant now, int64_t value);

// How a batch item is named in the audit trail, exceptions and refund proposals (orig_ref):
// "<centerId>:<batchNo>:<seq>". Ours only; never on a wire.
std::string batch_item_ref(const std::string& center_id, const std::string& batch_no, int64_t seq);

}  // namespace repay::ids
