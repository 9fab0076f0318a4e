#include "store/factory.h"

#include "db/sqlite/serving_lock.h"

#include "store/console_sql.h"
#include "store/ops_sql.h"
#include "store/review_sql.h"
#include "store/settle_jobs_sql.h"
#include "store/sqlite_store.h"

namespace repay::store {
namespace {

// SQLite: one SqliteStore implements most ports; the review, job, ops and console stores sit on it.
class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::unique_ptr<SqliteStore> store)
      : store_(std::move(store)), review_(*store_), jobs_(store_->pool()), ops_(*store_),
        console_(*store_) {}

  signing::SigningStore& signing() override { return store_->signing(); }
  batch::BatchStore& batches() override { return store_->batches(); }
  realtime::RealtimeStore& realtime() override { return store_->realtime(); }
  realtime::NotificationOutbox& outbox() override { return store_->outbox(); }
  settlement::ReconStore& recon() override { return store_->recon(); }
  settlement::CenterFilesStore& center_files() override { return store_->center_files(); }
  settlement::JobStore& jobs() override { return jobs_; }
  settlement::ReviewStore& review() override { return review_; }
  api::NonceStore& nonces() override { return store_->nonces(); }
  AuditLog& audit() override { return store_->audit(); }
  ops::OpsStore& ops() override { return ops_; }
  report::ReportStore& reports() override { return ops_; }
  console::ConsoleStore& console() override { return console_; }
  Status start_group_commit() override { return store_->enable_group_commit(); }
  void stop_group_commit() override { store_->stop_group_commit(); }

 private:
  std::unique_ptr<SqliteStore> store_;  // first: the others refer to it
  SqliteReviewStore review_;
  SqliteJobStore jobs_;
  SqliteOpsStore ops_;
  SqliteConsoleStore console_;
};

Status known_engine(const StoreOptions& o) {
  if (o.engine == "sqlite") return ok_status();
  return make_error("CONFIG", "unknown database engine (expected sqlite)", "database.engine", o.engine);
}

}  // namespace

Result<std::unique_ptr<Database>> open_stores(const StoreOptions& options,
                                            const crypto::FieldCipher& cipher) {
  REPAY_TRY(known_engine(options));
  auto store = SqliteStore::open(options.path, cipher, options.connections,
                                 options.survive_power_loss ? Durability::kPowerLoss : Durability::kCrash);
  if (!store) return store.error();
  return std::unique_ptr<Database>(std::make_unique<SqliteDatabase>(std::move(*store)));
}

Result<std::unique_ptr<ServingHold>> acquire_serving_lock(const StoreOptions& options) {
  REPAY_TRY(known_engine(options));
  struct SqliteHold final : ServingHold {
    explicit SqliteHold(db::sqlite::ServingLock l) : lock(std::move(l)) {}
    db::sqlite::ServingLock lock;
  };
  auto lock = db::sqlite::ServingLock::acquire(options.path);
  if (!lock) return lock.error();
  return std::unique_ptr<ServingHold>(std::make_unique<SqliteHold>(std::move(*lock)));
}

}  // namespace repay::store
