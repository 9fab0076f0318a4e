// Our records as the live tables hold them now, looked up one at a time by ReqSn (channel
// reconciliation: stragglers, earlier days' held and processing records, and what a run keeps
// about the records it listed). Shared by settlement_recon_load_sql.cc and settlement_recon_sql.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/money.h"
#include "core/result.h"
#include "settlement/reconcile.h"
#include "store/db.h"

namespace repay::store {

struct LiveRecord {
  settlement::TxnType type = settlement::TxnType::kDebit;
  settlement::OurState state = settlement::OurState::kPending;
  Fen amount = 0;         // what the bank sees
  int32_t day = 0;        // days since epoch, CST: finals by finished_at, open ones by updated_at
  std::string source;     // "B" batch item, "R" repayment, "F" refund
  std::string center_id;
  Fen principal = 0;
};

// The CST day (days since 1970-01-01) of a unix-ms instant.
int32_t cst_day_of_ms(int64_t ms);

// The SQL of the look-up (?1 channel, ?2 ReqSn); prepare once, use with live_by_req_sn().
std::string live_by_req_sn_sql();
// The record of `sn` that reached the bank or may have (final, or SENDING/UNKNOWN/PENDING);
// nothing when no such record of ours has that ReqSn.
Result<std::optional<LiveRecord>> live_by_req_sn(Stmt& q, const std::string& channel,
                                                 std::string_view sn);

}  // namespace repay::store
