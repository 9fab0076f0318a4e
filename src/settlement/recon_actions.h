// Reconciliation's actions (domain.md flow 4; files.md, Statement and LATE_SUCCESS): what a run
// does about each outcome of the match (settlement/reconcile.h) — the statement's fact for a
// record ours still waits for, the state kept for the record, the refund proposal of a debit the
// bank made that ours failed (with its figures, settlement::refund_figures), the exception for
// staff, and the action each outcome's result row names. Pure: the store reads what these need
// (the record as it lives now, the original a proposal refunds), then carries them out
// (store/settlement_recon_sql.cc), the facts and the late state through batch's and real time's
// own stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "debit/item.h"
#include "settlement/reconcile.h"
#include "settlement/review.h"

namespace repay::settlement {

// --- Step 1: what the bank did that ours still waits for (kBankDoneOursPending) ---

// The statement's fact for the outcome's record: a success, the bank's settled word (channel-api.md,
// Statement), with the line's ChannelTxnNo and amount, settled on the statement's day. nullopt for
// every other outcome. The store gives it to the record's own capability (a DEBIT that is a batch
// item: batch's apply_facts; otherwise real time's repayment or refund), each its own transaction.
std::optional<debit::BankFact> statement_fact(const Outcome& o, Date day);

// What became of a fact: the result row's action and whether it counts in facts_applied.
struct FactDone {
  std::string action;
  bool applied = false;
};
// A batch item: applied or late (force-failed) count; an exception or no change does not.
FactDone batch_fact_done(const debit::Transition& t);
// A real-time repayment (`repayment` true) or refund, numbered `no`, now in `state`.
FactDone realtime_fact_done(bool repayment, const std::string& no, const std::string& state);
// No record of ours lives under the ReqSn any more.
FactDone fact_not_found();

// --- Step 2: everything else, in one transaction ---

// What the store read of the outcome's record in the live tables.
struct LiveView {
  OurState state = OurState::kPending;
  int32_t day = 0;        // days since epoch, CST, as the record is now
  std::string source;     // "B" batch item, "R" repayment, "F" refund
  std::string center_id;
};

// What the store read of the original a refund proposal gives back: the batch item (source "B")
// or the repayment ("R") the bank debited.
struct OriginalView {
  std::string source;     // "B" or "R"
  std::string center_id;
  std::string batch_no;   // B only
  int64_t seq = 0;        // B only
  std::string req_no;     // R only
  std::string txn_no;     // "" when it has none
  Fen amount = 0;         // principal
  Fen cardholder_fee = 0;
  std::string told;       // the code the card center was told, "" when none
};

// The record's kept state (recon_state).
struct KeptState {
  std::string status;       // MATCHED, HELD, MISSING, OPEN, or the class's name
  bool line_today = false;  // the statement's day is the record's line day (else the kept one stays)
  bool held = false;        // held in suspense now (kept once set)
  bool moving = false;      // may still move: a later day's load finds it by `day`
  int32_t day = 0;          // the record's day now (days since epoch)
};

// A refund proposal (files.md LATE_SUCCESS, domain.md flow 4), never a second one per reason and
// TxnNo; the statement's debit (bank_debits) is kept with it.
struct ProposalAction {
  std::string reason;       // LATE_SUCCESS, OTHER
  std::string center_id;
  std::string orig_source;  // B or R
  std::string orig_batch_no;
  std::string orig_ref;     // "<center>:<batchNo>:<seq>" (B) or the ReqNo (R)
  std::string orig_txn_no;
  RefundFigures figures;    // the whole debit: principal and the cardholder's fee
  std::string why;          // for the audit row
};

// An exception for staff, one per kind and ref (and channel).
struct ExceptionAction {
  std::string kind;
  std::string ref;        // the ReqSn, or "<ReqSn>@<statement day>" for a line's own fault
  std::string detail;
  std::string center_id;  // "" when no record of ours is known
};

struct RecordActions {
  std::optional<KeptState> kept;
  // A force-failed batch item the statement lists debited: the fact batch's store records by the
  // item's rules (its late state DEBITED), before the proposal, so it can be approved.
  std::optional<debit::BankFact> late_fact;
  std::optional<ProposalAction> proposal;
  std::optional<ExceptionAction> exception;
  // The result's action when nothing done reports one ("exception", "no TxnNo: not proposed"):
  // a fact of step 1 or a proposal's outcome (proposal_done) names it instead.
  std::string action;
};

// Whether recon_actions needs the original a proposal would refund: a debit the bank made that
// ours failed (force-failed: LATE_SUCCESS, failed normally: OTHER), whose record still lives.
bool wants_original(const Outcome& o, const std::optional<LiveView>& live);

// What a run does about one outcome of the statement of `day`: `live` the record as the store read
// it (nullopt: none), `original` what wants_original asked for (nullopt: not found, or not a batch
// item or repayment).
RecordActions recon_actions(const Outcome& o, const std::optional<LiveView>& live,
                            const std::optional<OriginalView>& original, Date day);

// The result's action once a proposal was made (its RefundNo) or found made before (nullopt).
std::string proposal_done(const std::optional<std::string>& refund_no, const std::string& reason);

}  // namespace repay::settlement
