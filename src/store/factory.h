// The one place that knows which database engine keeps Repay's data (docs/settings.md,
// database.engine): it opens the engine's store for the binary and hands out the capabilities'
// ports, plus what the wiring needs of the engine (group commit, the serving lock). No other
// file of the binary names an engine's types; a second engine is a second branch here.
#pragma once

#include <memory>
#include <string>

#include "batch/ports.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "ops/store_gauges.h"
#include "realtime/outbox.h"
#include "realtime/ports.h"
#include "report/daily.h"
#include "settlement/center_files_ports.h"
#include "settlement/job_ports.h"
#include "settlement/ports.h"
#include "settlement/review_ports.h"
#include "signing/ports.h"
#include "api/ports.h"
#include "console/ports.h"
#include "core/audit.h"
#include "store/db.h"

namespace repay::store {

class Stores;

struct StoreOptions {
  std::string engine = "sqlite";  // database.engine: only "sqlite" for now
  std::string path;               // processor.database
  int connections = 4;
  // processor.database_synchronous: FULL (true) keeps every commit through a power loss;
  // NORMAL (false) through a crash of the process only (docs/settings.md).
  bool survive_power_loss = true;
};

// One opened database as the capabilities' ports. Every reference lives as long as this object;
// the ports may be used from any thread, as the engine's store allows.
class Database {
 public:
  virtual ~Database() = default;
  virtual signing::SigningStore& signing() = 0;
  virtual batch::BatchStore& batches() = 0;
  virtual realtime::RealtimeStore& realtime() = 0;
  virtual realtime::NotificationOutbox& outbox() = 0;
  virtual settlement::ReconStore& recon() = 0;
  virtual settlement::CenterFilesStore& center_files() = 0;
  virtual settlement::JobStore& jobs() = 0;
  virtual settlement::ReviewStore& review() = 0;
  virtual api::NonceStore& nonces() = 0;
  virtual AuditLog& audit() = 0;
  virtual ops::OpsStore& ops() = 0;
  virtual report::ReportStore& reports() = 0;
  virtual console::ConsoleStore& console() = 0;

  // Group commit for RealtimeStore::write_then (SQLite: store/group_sync.h): started by
  // `repay serve` once open, stopped at shutdown once nothing can call write_then any more.
  virtual Status start_group_commit() = 0;
  virtual void stop_group_commit() = 0;
};

// Opens (creating and migrating) the database of `options` for its engine. Error "CONFIG" naming
// database.engine and its value for an engine Repay has no driver for; else the engine's error.
// `cipher` outlives the stores.
Result<std::unique_ptr<Database>> open_stores(const StoreOptions& options,
                                            const crypto::FieldCipher& cipher);

// The engine-neutral bundle under the ports (store/stores.h), opened (creating and migrating) as
// open_stores() opens it, for what also runs SQL of its own on the database through the seam
// (Stores::pool()): the tests' fixtures and counts (tests/support/test_db.h). Same errors.
Result<std::unique_ptr<Stores>> open_store_bundle(const StoreOptions& options,
                                                  const crypto::FieldCipher& cipher);

// The ports over a bundle opened by open_store_bundle(); `bundle` outlives the result.
std::unique_ptr<Database> ports_of(Stores& bundle);

// `options.connections` connections on an existing database, behind the seam: not created, not
// migrated (error NOT_FOUND naming the path when there is none). For a view from outside the
// processor (tests/support/test_db.h, Database).
Result<std::unique_ptr<Pool>> open_existing_pool(const StoreOptions& options);

// One serving process per database: `repay serve` holds it for its life and releases it by
// destroying it (SQLite: an exclusive lock on `<database>.lock`, db/sqlite/serving_lock.h).
class ServingHold {
 public:
  virtual ~ServingHold() = default;
};
Result<std::unique_ptr<ServingHold>> acquire_serving_lock(const StoreOptions& options);

}  // namespace repay::store
