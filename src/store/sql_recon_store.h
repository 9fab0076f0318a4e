// Settlement's reconciliation with a channel (tables `recon_statements`, `recon_ours`,
// `recon_ours_rebuilt`, `recon_state`, `recon_runs`, `recon_run_counts`, `recon_results`,
// `bank_debits`): the ReconStore port. A statement's facts for our pending records go through
// batch's and real time's ports (each its own transaction, their rules and notifications): the
// two given to the constructor. Definitions: store/settlement_recon_sql.cc, reading:
// store/settlement_recon_load_sql.cc.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "batch/ports.h"
#include "realtime/ports.h"
#include "settlement/ports.h"
#include "store/db.h"

namespace repay::store {

class SqlReconStore final : public settlement::ReconStore {
 public:
  // `pool`, `batches` and `realtime` outlive this object.
  SqlReconStore(Pool& pool, batch::BatchStore& batches, realtime::RealtimeStore& realtime)
      : pool_(&pool), batches_(batches), realtime_(realtime) {}

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

 private:
  // The other capabilities' calls record_reconciliation makes (through their ports).
  using Fact = batch::BatchStore::Fact;
  Result<std::optional<batch::ItemKey>> item_by_req_sn(const std::string& channel,
                                                       const std::string& req_sn) {
    return batches_.item_by_req_sn(channel, req_sn);
  }
  Result<std::vector<batch::Transition>> apply_facts(const std::vector<Fact>& facts, Instant now,
                                                    const std::string& actor) {
    return batches_.apply_facts(facts, now, actor);
  }
  Result<std::optional<std::pair<std::string, std::string>>> realtime_by_req_sn(
      const std::string& channel, const std::string& req_sn) {
    return realtime_.realtime_by_req_sn(channel, req_sn);
  }
  Result<realtime::RepaymentView> apply_repayment_fact(const std::string& txn_no,
                                                       const batch::BankFact& fact, Instant retry_at,
                                                       Instant now, const std::string& actor) {
    return realtime_.apply_repayment_fact(txn_no, fact, retry_at, now, actor);
  }
  Result<realtime::RefundView> apply_refund_fact(const std::string& refund_no,
                                                 const batch::BankFact& fact, Instant retry_at,
                                                 Instant now, const std::string& actor) {
    return realtime_.apply_refund_fact(refund_no, fact, retry_at, now, actor);
  }

  Pool* pool_;
  batch::BatchStore& batches_;
  realtime::RealtimeStore& realtime_;
};

}  // namespace repay::store
