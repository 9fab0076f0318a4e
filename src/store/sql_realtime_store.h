// Real time's store (tables `repayments`, `refunds`, `refund_ceilings`): the
// RealtimeStore port, and what other capabilities do inside their own transaction with real
// time's tables (settlement's review reserves a refund's ceiling). Definitions:
// store/realtime_repay_sql.cc, store/realtime_refund_sql.cc.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/money.h"
#include "crypto/crypto.h"
#include "realtime/ports.h"
#include "settlement/review.h"
#include "store/db.h"
#include "store/sequences.h"

namespace repay::store {

class SqlRealtimeStore final : public realtime::RealtimeStore {
 public:
  // `pool` and `cipher` outlive this object.
  SqlRealtimeStore(Pool& pool, const crypto::FieldCipher& cipher) : pool_(&pool), cipher_(cipher) {}

  Result<realtime::RepayClaim> claim_repayment(const realtime::NewRepayment& r, Instant now,
                                               const std::string& node) override;
  Result<realtime::RepaymentView> apply_repayment_fact(const std::string& txn_no,
                                                       const debit::BankFact& fact, Instant retry_at,
                                                       Instant now, const std::string& actor) override;
  Result<realtime::RepaymentView> answer_processing(const std::string& txn_no, Instant now) override;
  Result<realtime::RepaymentView> told_processing(const std::string& txn_no, Instant now) override;
  Result<std::optional<realtime::RepaymentView>> repayment_by_req_no(const std::string& center,
                                                                     const std::string& req_no) override;
  Result<std::optional<realtime::RepaymentView>> repayment_by_txn_no(const std::string& center,
                                                                     const std::string& txn_no) override;
  Result<realtime::RefundClaim> claim_refund(const realtime::NewRefund& r, Instant now,
                                             const std::string& node) override;
  Result<realtime::RefundView> apply_refund_fact(const std::string& refund_no,
                                                 const debit::BankFact& fact, Instant retry_at,
                                                 Instant now, const std::string& actor) override;
  Result<realtime::RefundView> answer_refund_processing(const std::string& refund_no,
                                                        Instant now) override;
  Result<std::optional<realtime::RefundView>> refund_by_req_no(const std::string& center,
                                                               const std::string& req_no) override;
  Result<std::optional<realtime::RefundView>> refund_by_no(const std::string& center,
                                                           const std::string& refund_no) override;
  Result<int64_t> recover_realtime(const std::string& node, Instant now) override;
  Result<std::vector<realtime::Work>> claim_realtime_work(Instant now, int max,
                                                          std::chrono::milliseconds lease,
                                                          const std::string& node) override;
  Result<std::string> fresh_req_sn() override;
  // Group commit when enabled (Stores::enable_group_commit), else as the port's default
  // (Pool::write_then).
  void write_then(const std::function<void()>& write, std::function<void(bool)> then) override {
    pool_->write_then(write, std::move(then));
  }
  bool write_then_queues() const override { return pool_->write_then_queues(); }
  Result<std::optional<std::pair<std::string, std::string>>> realtime_by_req_sn(
      const std::string& channel, const std::string& req_sn) override;

 private:
  Result<std::optional<realtime::RepaymentView>> read_repayment(Connection& c, std::string_view where,
                                                                const std::vector<std::string>& args);
  Result<std::optional<realtime::RefundView>> read_refund(Connection& c, std::string_view where,
                                                          const std::vector<std::string>& args);
  // What a DEBIT carries from the agreement; nullopt when the agreement is no longer ACTIVE
  // (center-api.md: a revoked agreement can no longer be used).
  Result<std::optional<realtime::DebitFields>> debit_fields(Connection& c,
                                                            const std::string& agreement_no);
  // A PENDING repayment whose agreement is no longer ACTIVE is not sent again: FAILED 2001.
  Status fail_unsendable_repayment(Connection& c, const std::string& txn_no, Instant now,
                                   const std::string& actor);
  Result<std::string> next_req_sn() { return store::next_req_sn(*pool_); }

  Pool* pool_;
  const crypto::FieldCipher& cipher_;
};

// A channel's fact that contradicts a real-time call (`ref` R:<TxnNo> or RF:<RefundNo>): one
// BANK_CONTRADICTS exception per ref and detail, whatever its state.
Status raise_contradiction(Connection& c, const std::string& center, const std::string& channel,
                           const std::string& ref, const std::string& detail, int64_t now_ms);

// The repayment a refund refers to, of either source (store/realtime_refund_sql.cc).
struct RefundOriginal {
  std::string source, state, channel_id, req_sn, batch_no, ref;
  Fen amount = 0, fee = 0, cardholder_fee = 0;
  bool forced = false;
  Fen debit_amount = 0;
  std::string late_state;  // a forced item's
  Fen bank_debited = -1;   // what a statement line kept in bank_debits says was debited; -1 none
  settlement::OriginalFacts facts() const {
    return {state, forced, late_state, amount, fee, cardholder_fee, debit_amount, bank_debited};
  }
};
Result<std::optional<RefundOriginal>> find_refund_original(Connection& c, const std::string& center,
                                                           const std::string& txn_no);
// center-api.md, refund: the ceiling of an original (settlement::refundable_of), shared by the card
// center's refunds and our approved proposals. Creates the ceiling row if missing, then reserves
// `amount` with one conditional update guarded by the ceiling, inside the caller's write
// transaction: safe with several writers. Returns what the refund gives back
// (settlement::refund_figures on the running total before it), nullopt when it does not fit.
Result<std::optional<settlement::RefundFigures>> reserve_refund_ceiling(
    Connection& c, const std::string& txn_no, const std::string& center,
    const settlement::Refundable& o, Fen amount);
// Gives a refund's share back (it failed, was rejected or expired).
Status release_refund_ceiling(Connection& c, const std::string& txn_no, Fen amount, Fen fee);

}  // namespace repay::store
