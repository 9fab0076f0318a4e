// settlement::ReviewStore (review of our refund proposals) in SQL over the engine seam, on the
// same database and pool as the other stores (store/stores.h). Actions: store/review_sql.cc;
// list and show: store/review_query_sql.cc.
#pragma once

#include "settlement/review_ports.h"
#include "store/stores.h"

namespace repay::store {

class SqlReviewStore final : public settlement::ReviewStore {
 public:
  // `store` outlives this object.
  explicit SqlReviewStore(Stores& store) : store_(store) {}

  Result<std::vector<settlement::ProposalRow>> list_proposals(
      const settlement::ReviewFilter& f) override;
  Result<std::optional<settlement::ProposalDetail>> show_proposal(
      const std::string& refund_no) override;
  Result<settlement::ReviewOutcome> approve(const std::string& refund_no, const std::string& staff,
                                            const std::string& comment,
                                            const std::string& notify_url, Instant now,
                                            const settlement::ReviewPolicy& policy) override;
  Result<settlement::ReviewOutcome> reject(const std::string& refund_no, const std::string& staff,
                                           const std::string& comment, Instant now) override;
  Result<std::vector<std::string>> expire_due(Instant now,
                                              const settlement::ReviewPolicy& policy) override;
  Result<settlement::ProposalRow> propose(const settlement::NewProposal& p, Instant now) override;

 private:
  Stores& store_;
};

// One proposal (origin US) read inside the caller's connection, with its approvers; nullopt when
// there is none with that RefundNo.
Result<std::optional<settlement::ProposalRow>> read_proposal(Connection& c,
                                                             const std::string& refund_no);

}  // namespace repay::store
