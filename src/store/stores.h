// The store, one class per capability over one database (docs/decisions.md, One store per
// capability): the bundle owns the pool (behind the engine seam, db/pool.h) and the capability
// stores, and hands out each port. Engine-neutral: the driver is chosen where the pool is opened,
// in the store factory (store/factory.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/crypto.h"
#include "store/db.h"
#include "store/sql_audit_log.h"
#include "store/sql_batch_store.h"
#include "store/sql_center_files_store.h"
#include "store/sql_nonce_store.h"
#include "store/sql_outbox.h"
#include "store/sql_realtime_store.h"
#include "store/sql_recon_store.h"
#include "store/sql_signing_store.h"

namespace repay::store {

class Stores {
 public:
  // Takes the pool; `cipher` outlives this object.
  Stores(std::unique_ptr<Pool> pool, const crypto::FieldCipher& cipher)
      : pool_(std::move(pool)),
        cipher_(cipher),
        signing_(*pool_, cipher),
        batches_(*pool_, cipher),
        outbox_(*pool_),
        realtime_(*pool_, cipher),
        center_files_(*pool_),
        recon_(*pool_, batches_, realtime_),
        nonces_(*pool_),
        audit_(*pool_) {}
  Stores(const Stores&) = delete;
  Stores& operator=(const Stores&) = delete;
  // Group commit's writes (remember_nonce's among them) end while the stores are whole.
  virtual ~Stores() { pool_->stop_group_commit(); }

  SqlSigningStore& signing() { return signing_; }
  SqlBatchStore& batches() { return batches_; }
  SqlOutbox& outbox() { return outbox_; }
  SqlRealtimeStore& realtime() { return realtime_; }
  SqlCenterFilesStore& center_files() { return center_files_; }
  SqlReconStore& recon() { return recon_; }
  SqlNonceStore& nonces() { return nonces_; }
  SqlAuditLog& audit() { return audit_; }

  // Reserves `count` consecutive values of a named sequence; returns the first.
  Result<int64_t> reserve_sequence(const std::string& name, int64_t count) {
    return store::reserve_sequence(*pool_, name, count);
  }
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

  // The database the stores run on, behind the engine seam (db/pool.h).
  Pool& pool() { return *pool_; }
  const crypto::FieldCipher& cipher() const { return cipher_; }

 private:
  std::unique_ptr<Pool> pool_;
  const crypto::FieldCipher& cipher_;
  SqlSigningStore signing_;
  SqlBatchStore batches_;
  SqlOutbox outbox_;
  SqlRealtimeStore realtime_;
  SqlCenterFilesStore center_files_;
  SqlReconStore recon_;
  SqlNonceStore nonces_;
  SqlAuditLog audit_;
};

}  // namespace repay::store
