// The stored sequences (table `sequences`), shared by every capability that numbers something:
// ReqSn (every call to a channel), TxnNo, RefundNo, AgreementNo. Definitions: store/stores.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/db.h"

namespace repay::store {

// "<prefix><yyyyMMdd><10 digits>" for TxnNo, RefundNo, AgreementNo.
std::string format_serial(const char* prefix, Instant now, int64_t value);
// channel-api.md: every ReqSn we send to a channel — DEBIT, REFUND, QUERY and the signing calls —
// is "RS<14 digits>" from the stored sequence "req_sn", and only from here: unique per channel
// across all TxCodes, never repeated (restarts and state changes included). Reserves `count` of
// them inside the caller's write transaction.
Result<std::vector<std::string>> reserve_req_sns(Connection& c, int64_t count);
// Reserves `count` values of a sequence inside the caller's write transaction; returns the first.
Result<int64_t> reserve_in(Connection& c, const std::string& name, int64_t count);
// Reserves `count` consecutive values of a named sequence in a transaction of its own; returns
// the first.
Result<int64_t> reserve_sequence(Pool& pool, const std::string& name, int64_t count);
// One ReqSn (reserve_req_sns) in a transaction of its own.
Result<std::string> next_req_sn(Pool& pool);

}  // namespace repay::store
