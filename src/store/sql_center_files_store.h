// Settlement's files with the card center (tables `recon_files`, `posting_files`, `posting_lines`,
// `posting_matches`, `settle_files`): the CenterFilesStore port. Definitions:
// store/settlement_files_sql.cc.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "settlement/center_files_ports.h"
#include "store/db.h"
#include "store/refund_proposal.h"

namespace repay::store {

class SqlCenterFilesStore final : public settlement::CenterFilesStore {
 public:
  // `pool` outlives this object.
  explicit SqlCenterFilesStore(Pool& pool) : pool_(&pool) {}

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

 private:
  Pool* pool_;
};

// propose_one_sided's two steps (apart for the test of the write skew they guard against:
// store/one_sided_skew_test.cc). The candidates, read on `c` in any transaction or none: day T's
// successes of the center whose TxnNo no posting line took, with what is still refundable.
struct OneSidedCandidate {
  RefundProposal p;  // all but the figures and why
  Fen principal = 0, fee = 0, cardholder_fee = 0, reserved = 0, fee_reserved = 0;
};
Result<std::vector<OneSidedCandidate>> one_sided_candidates(Connection& c, const std::string& center,
                                                            Date day);
// Proposes one candidate (inside a write transaction) unless nothing is left to refund, a posting
// line took its TxnNo since it was read (its original's row is locked first, the row
// store_posting_file locks for each line) or the proposal exists. True when it was made.
Result<bool> propose_one_sided_candidate(Connection& c, const OneSidedCandidate& k, Date day,
                                         Instant now, const std::string& actor);

}  // namespace repay::store
