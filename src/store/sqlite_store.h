// The SQLite implementation of the store's ports. Sensitive numbers are encrypted with the
// FieldCipher before they reach SQL and decrypted after; the domain sees plain values only.
#pragma once

#include <memory>
#include <string>

#include "api/ports.h"
#include "batch/ports.h"
#include "core/audit.h"
#include "crypto/crypto.h"
#include "realtime/outbox.h"
#include "realtime/ports.h"
#include "settlement/center_files_ports.h"
#include "settlement/ports.h"
#include "settlement/review.h"
#include "signing/ports.h"
#include "store/db.h"

namespace repay::store {

class SqliteStore final : public signing::SigningStore,
                          public batch::BatchStore,
                          public realtime::NotificationOutbox,
                          public realtime::RealtimeStore,
                          public settlement::CenterFilesStore,
                          public settlement::ReconStore,
                          public api::NonceStore,
                          public AuditLog {
 public:
  // Opens the database file (creating it), applies migrations. Errors name the path.
  // `durability`: see db/connection.h; the default survives a power loss.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const crypto::FieldCipher& cipher,
                                                   int connections = 4,
                                                   Durability durability = Durability::kPowerLoss);
  // Group commit's writes (remember_nonce's among them) end while the store is whole.
  ~SqliteStore() override { pool_->stop_group_commit(); }

  // signing::SigningStore
  Result<signing::Claim> claim(const std::string& center, const std::string& req_no,
                               const std::string& tx_code, const std::string& canonical,
                               Instant now, std::chrono::milliseconds stale_after) override;
  Status release(const std::string& center, const std::string& req_no,
                 const std::string& token) override;
  Result<signing::SigningRecord> finish(const signing::SigningOutcome& o) override;
  Result<std::optional<signing::Agreement>> active_agreement(const std::string& center,
                                                             const std::string& credit_card,
                                                             const std::string& debit_card,
                                                             const std::string& kind) override;
  Result<std::optional<signing::Agreement>> agreement(const std::string& agreement_no) override;
  Result<std::optional<signing::QuickApplication>> application(
      const std::string& center, const std::string& apply_req_no) override;
  Result<int> take_sms_try(const std::string& center, const std::string& apply_req_no,
                           int max_tries) override;
  Status give_back_sms_try(const std::string& center, const std::string& apply_req_no) override;
  Result<std::string> next_req_sn() override;
  Result<std::string> next_agreement_no(Instant now) override;

  // api::NonceStore
  Result<bool> remember_nonce(const std::string& sender, const std::string& nonce, Instant now,
                              int memory_seconds, std::chrono::milliseconds max_wait) override;
  Status purge_nonces(Instant now, int memory_seconds) override;

  // AuditLog
  Result<std::vector<AuditRow>> audit_of(const std::string& entity,
                                         const std::string& entity_id) override;

  // batch::BatchStore
  Result<std::optional<batch::FileRecord>> find_file(const std::string& center,
                                                     const std::string& file_name,
                                                     const std::string& sha256) override;
  Result<std::optional<std::string>> accepted_batch_sha(const std::string& center,
                                                        const std::string& batch_no) override;
  Result<int> record_rejection(batch::FileRecord file) override;
  Status discard_loading(const std::string& center, const std::string& batch_no) override;
  Result<std::unique_ptr<batch::ItemLoader>> start_loading(const batch::NewBatch& batch) override;
  Result<std::vector<batch::DebitTask>> claim_debits(const std::string& channel, int max,
                                                     Instant now, const std::string& node) override;
  Result<std::vector<batch::DebitTask>> claim_queries(const std::string& channel, int max,
                                                      Instant now,
                                                      std::chrono::milliseconds lease) override;
  Result<std::vector<batch::Transition>> apply_facts(const std::vector<Fact>& facts, Instant now,
                                                    const std::string& actor) override;
  Result<std::optional<batch::ItemKey>> item_by_req_sn(const std::string& channel,
                                                       const std::string& req_sn) override;
  Result<int64_t> recover_claims(const std::string& node, Instant now) override;
  Result<batch::ForceFailRound> force_fail_due(Instant now, const std::string& actor) override;
  Result<std::vector<batch::BatchSummary>> returns_due() override;
  Result<std::vector<batch::FileRecord>> rejections_due() override;
  Status for_each_return_line(const std::string& center, const std::string& batch_no,
                              const std::function<Status(const batch::ReturnRow&)>& f) override;
  Status mark_returned(const std::string& center, const std::string& batch_no,
                       const std::string& file_name, Instant now) override;
  Status mark_rejection_returned(const std::string& center, const std::string& file_name,
                                 const std::string& sha256, Instant now) override;
  Result<std::vector<batch::BatchSummary>> batches(const std::string& center,
                                                   bool open_only) override;
  Result<std::optional<batch::BatchSummary>> batch(const std::string& center,
                                                   const std::string& batch_no) override;
  Result<std::vector<batch::BatchSummary>> returned_batches(Instant since, int limit) override;
  Result<int64_t> finished_since(const std::string& center, const std::string& batch_no,
                                 Instant since) override;

  // realtime::NotificationOutbox (store/notify_sql.cc)
  Result<std::vector<realtime::Notification>> due_notifications(
      Instant now, int max, std::chrono::milliseconds lease) override;
  Status record_attempt(int64_t id, bool delivered, const std::string& result,
                        std::optional<Instant> next, Instant now) override;
  Result<std::vector<realtime::Notification>> list_notifications(const std::string& center,
                                                                 const std::string& state,
                                                                 int limit) override;
  Result<std::optional<realtime::Notification>> notification(int64_t id) override;
  Result<std::vector<std::pair<Instant, std::string>>> attempts_of(int64_t id) override;
  Status retry_notification(int64_t id, Instant now) override;

  // realtime::RealtimeStore (store/realtime_*_sql.cc)
  Result<realtime::RepayClaim> claim_repayment(const realtime::NewRepayment& r, Instant now,
                                               const std::string& node) override;
  Result<realtime::RepaymentView> apply_repayment_fact(const std::string& txn_no,
                                                       const batch::BankFact& fact, Instant retry_at,
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
                                                 const batch::BankFact& fact, Instant retry_at,
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
  // Group commit when enabled (enable_group_commit), else as the port's default (Pool::write_then).
  void write_then(const std::function<void()>& write, std::function<void(bool)> then) override {
    pool_->write_then(write, std::move(then));
  }
  bool write_then_queues() const override { return pool_->write_then_queues(); }
  Result<std::optional<std::pair<std::string, std::string>>> realtime_by_req_sn(
      const std::string& channel, const std::string& req_sn) override;

  // settlement::CenterFilesStore (store/settlement_files_sql.cc)
  Result<settlement::ReconTotals> recon_totals(const std::string& center, Date day) override;
  Status for_each_recon_line(const std::string& center, Date day,
                             const std::function<Status(const settlement::ReconLine&)>& f) override;
  Result<settlement::RecordedRecon> record_recon_file(const std::string& center, Date day,
                                                      const settlement::ReconTotals& totals,
                                                      Instant now) override;
  Result<std::optional<settlement::ReconTotals>> recorded_recon(const std::string& center,
                                                                Date day) override;
  Result<std::optional<settlement::PostingRecord>> find_posting_file(
      const std::string& center, const std::string& file_name, const std::string& sha256) override;
  Result<settlement::PostingRecord> record_posting_rejection(const settlement::PostingFileInfo& f,
                                                             const std::string& error,
                                                             Instant now) override;
  Result<settlement::PostingStored> store_posting_file(
      const settlement::PostingFileInfo& f,
      const std::function<Status(const PostingSink&)>& read_lines, Instant now,
      const std::string& actor) override;
  Result<bool> has_used_posting_file(const std::string& center, Date day) override;
  Result<int64_t> propose_one_sided(const std::string& center, Date day, Instant now,
                                    const std::string& actor) override;
  Result<settlement::RepayFigures> posted_figures(const std::string& center, Date day) override;
  Result<settlement::ReviewCounts> review_counts(const std::string& center) override;
  Result<settlement::SettleVersion> record_settle_file(const std::string& center, Date day,
                                                       const std::string& header,
                                                       Instant now) override;
  Result<std::vector<settlement::FeeRow>> fee_rows(const std::string& center, int year,
                                                   int month) override;

  // settlement::ReconStore (store/settlement_recon_sql.cc, reading: settlement_recon_load_sql.cc)
  Result<settlement::StoredStatement> record_statement(const settlement::StatementFile& f,
                                                       Instant now) override;
  Result<settlement::OurRecords> load_ours(const std::string& channel, Date day) override;
  Result<settlement::OurRecords> find_ours(const std::string& channel,
                                           const std::vector<std::string>& req_sns) override;
  Result<settlement::ReconRun> record_reconciliation(const std::string& channel, Date day,
                                                     int64_t statement_id,
                                                     const settlement::Reconciliation& r,
                                                     Instant now, const std::string& actor) override;
  Result<settlement::HeldFigures> held_figures(const std::string& center, Date day) override;

  // Reserves `count` consecutive values of a named sequence; returns the first.
  Result<int64_t> reserve_sequence(const std::string& name, int64_t count);
  // Counts of rows, for tests proving that a rejected request stored nothing.
  Result<int64_t> count_rows(const std::string& table);

  // Starts group commit (the driver's: db/sqlite/group_sync.h) for write_then(): its writes
  // commit without their own fsync and are synced together. Nothing to do when the store was
  // opened with kCrash.
  Status enable_group_commit() { return pool_->enable_group_commit(); }
  // Syncs for whoever still waits, calls them and stops; write_then() then syncs each commit.
  // Only once no other thread can call write_then(): at shutdown (nothing checkpoints the WAL
  // any more until the store closes, which checkpoints it).
  void stop_group_commit() { pool_->stop_group_commit(); }

  // The database the store runs on, behind the engine seam (db/pool.h).
  Pool& pool() { return *pool_; }
  const crypto::FieldCipher& cipher() const { return cipher_; }

 private:
  SqliteStore(std::unique_ptr<Pool> pool, const crypto::FieldCipher& cipher)
      : pool_(std::move(pool)), cipher_(cipher) {}
  Result<std::vector<batch::BatchSummary>> summaries(Connection& c, std::string_view where,
                                                     const std::vector<std::string>& args);
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
  Result<std::optional<signing::Agreement>> read_agreement(Connection& c, std::string_view where,
                                                           const std::vector<std::string>& args);

  std::unique_ptr<Pool> pool_;
  const crypto::FieldCipher& cipher_;
};

// Appends one audit row inside the caller's transaction.
Status append_audit(Connection& c, const AuditRow& row);
// Writes a notification to the outbox inside the caller's transaction (store/notify_sql.cc):
// delivered after that transaction commits, never before.
Status enqueue_notification(Connection& c, const realtime::Notification& n);
// A channel's fact that contradicts a real-time call (`ref` R:<TxnNo> or RF:<RefundNo>): one
// BANK_CONTRADICTS exception per ref and detail, whatever its state.
Status raise_contradiction(Connection& c, const std::string& center, const std::string& channel,
                           const std::string& ref, const std::string& detail, int64_t now_ms);
// channel-api.md: every ReqSn we send to a channel — DEBIT, REFUND, QUERY and the signing calls —
// comes from the stored sequence "req_sn" (its form: ids::req_sn), and only from here: unique per
// channel across all TxCodes, never repeated (restarts and state changes included). Reserves
// `count` of them inside the caller's write transaction.
Result<std::vector<std::string>> reserve_req_sns(Connection& c, int64_t count);
// files.md: force-fails the open items of an OPEN batch whose force-fail time has come (3002 never
// sent, 3001 sent) and closes it, inside the caller's write transaction. False when the batch is
// not OPEN (closed meanwhile).
Result<bool> force_fail_batch(Connection& c, const std::string& center, const std::string& batch_no,
                              Instant now, const std::string& actor);
// Reserves `count` values of a sequence inside the caller's write transaction; returns the first.
Result<int64_t> reserve_in(Connection& c, const std::string& name, int64_t count);

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
