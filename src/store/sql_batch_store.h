// Batch's store (tables `batch_files`, `batches`, `batch_items`, `item_ids`, `batch_blocks`): the
// BatchStore port. Definitions: store/batch_intake_sql.cc (intake), store/batch_pipeline_sql.cc
// (debits, queries, facts), store/batch_return_sql.cc (deadlines, return files, summaries).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/ports.h"
#include "crypto/crypto.h"
#include "store/db.h"

namespace repay::store {

class SqlBatchStore final : public batch::BatchStore {
 public:
  // `pool` and `cipher` outlive this object.
  SqlBatchStore(Pool& pool, const crypto::FieldCipher& cipher) : pool_(&pool), cipher_(cipher) {}

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
  // Batches returned at or after `since`, the latest first, at most `limit`: read from the
  // batches table alone (the console's page must not count a million items per batch), so the
  // per-state counts are left 0 — the return file has them.
  Result<std::vector<batch::BatchSummary>> returned_batches(Instant since, int limit) override;
  // Items of a batch that became final since `since` (deadline outlook).
  Result<int64_t> finished_since(const std::string& center, const std::string& batch_no, Instant since) override;

 private:
  Result<std::vector<batch::BatchSummary>> summaries(Connection& c, std::string_view where,
                                                     const std::vector<std::string>& args);

  Pool* pool_;
  const crypto::FieldCipher& cipher_;
};

// files.md: force-fails the open items of an OPEN batch whose force-fail time has come (3002 never
// sent, 3001 sent) and closes it, inside the caller's write transaction. False when the batch is
// not OPEN (closed meanwhile).
Result<bool> force_fail_batch(Connection& c, const std::string& center, const std::string& batch_no,
                              Instant now, const std::string& actor);

// A late fact for a force-failed item (debit/item.h: its late_state, ChannelTxnNo and settle
// date), inside the caller's write transaction, by the item's own rules (debit::next after the
// force-fail time); audited with the fact's `detail`. Reconciliation's statement listing a
// force-failed item debited comes this way. Only a late transition is written (a repeat or a
// contradiction changes nothing here); true when it was. Definition: store/batch_late_sql.cc.
Result<bool> record_late_fact(Connection& c, const batch::ItemKey& key, const batch::BankFact& fact,
                              Instant now, const std::string& actor);

}  // namespace repay::store
