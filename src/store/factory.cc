#include "store/factory.h"

#include <filesystem>

#include "db/sqlite/connection.h"
#include "db/sqlite/pool.h"
#include "db/sqlite/serving_lock.h"

#include "store/console_sql.h"
#include "store/migrations.h"
#include "store/ops_sql.h"
#include "store/review_sql.h"
#include "store/settle_jobs_sql.h"
#include "store/stores.h"

namespace repay::store {
namespace {

// The ports over one bundle: the bundle implements most ports; the review, job, ops and console
// stores sit on it. Owns the bundle when opened by open_stores().
class BundlePorts final : public Database {
 public:
  BundlePorts(Stores& store, std::unique_ptr<Stores> owned)
      : owned_(std::move(owned)), store_(store), review_(store_), jobs_(store_.pool()), ops_(store_),
        console_(store_) {}

  signing::SigningStore& signing() override { return store_.signing(); }
  batch::BatchStore& batches() override { return store_.batches(); }
  realtime::RealtimeStore& realtime() override { return store_.realtime(); }
  realtime::NotificationOutbox& outbox() override { return store_.outbox(); }
  settlement::ReconStore& recon() override { return store_.recon(); }
  settlement::CenterFilesStore& center_files() override { return store_.center_files(); }
  settlement::JobStore& jobs() override { return jobs_; }
  settlement::ReviewStore& review() override { return review_; }
  api::NonceStore& nonces() override { return store_.nonces(); }
  AuditLog& audit() override { return store_.audit(); }
  ops::OpsStore& ops() override { return ops_; }
  report::ReportStore& reports() override { return ops_; }
  console::ConsoleStore& console() override { return console_; }
  Status start_group_commit() override { return store_.enable_group_commit(); }
  void stop_group_commit() override { store_.stop_group_commit(); }

 private:
  std::unique_ptr<Stores> owned_;  // first: the others refer to it
  Stores& store_;
  SqlReviewStore review_;
  SqlJobStore jobs_;
  SqlOpsStore ops_;
  SqlConsoleStore console_;
};

Status known_engine(const StoreOptions& o) {
  if (o.engine == "sqlite") return ok_status();
  return make_error("CONFIG", "unknown database engine (expected sqlite)", "database.engine", o.engine);
}

Durability durability_of(const StoreOptions& o) {
  return o.survive_power_loss ? Durability::kPowerLoss : Durability::kCrash;
}

}  // namespace

Result<std::unique_ptr<Stores>> open_store_bundle(const StoreOptions& options,
                                                  const crypto::FieldCipher& cipher) {
  REPAY_TRY(known_engine(options));
  // SQLite: the file is created and migrated on one connection before the pool opens the others.
  {
    auto c = db::sqlite::Connection::open(options.path, durability_of(options));
    if (!c) return c.error();
    auto v = migrate(**c);
    if (!v) {
      Error e = v.error();
      e.where = options.path;
      return e;
    }
  }
  auto pool = db::sqlite::Pool::open(options.path, options.connections, durability_of(options));
  if (!pool) return pool.error();
  return std::make_unique<Stores>(std::move(*pool), cipher);
}

std::unique_ptr<Database> ports_of(Stores& bundle) {
  return std::make_unique<BundlePorts>(bundle, nullptr);
}

Result<std::unique_ptr<Database>> open_stores(const StoreOptions& options,
                                            const crypto::FieldCipher& cipher) {
  auto bundle = open_store_bundle(options, cipher);
  if (!bundle) return bundle.error();
  Stores& s = **bundle;
  return std::unique_ptr<Database>(std::make_unique<BundlePorts>(s, std::move(*bundle)));
}

Result<std::unique_ptr<Pool>> open_existing_pool(const StoreOptions& options) {
  REPAY_TRY(known_engine(options));
  std::error_code ec;
  if (!std::filesystem::exists(options.path, ec)) {
    return make_error("NOT_FOUND", "no database here", "database", options.path);
  }
  auto pool = db::sqlite::Pool::open(options.path, options.connections, durability_of(options));
  if (!pool) return pool.error();
  return std::unique_ptr<Pool>(std::move(*pool));
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
