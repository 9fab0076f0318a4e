// SqlBatchStore: batch intake (batch/ports.h).
#include <cstdio>
#include <mutex>
#include <random>
#include <vector>

#include "batch/batch_state.h"
#include "batch/return_file.h"
#include "store/batch_blocks.h"
#include "store/sql_audit_log.h"
#include "store/sql_batch_store.h"

namespace repay::store {

using batch::AgreementDigest;
using batch::LoadedAgreement;
using batch::FileRecord;
using batch::NewBatch;
using batch::NewItem;

namespace {

// Items are committed in chunks so a large batch does not hold the write lock for long; the batch
// stays LOADING (never sent) until finish().
constexpr int64_t kChunk = 20000;

// Agreement digests kept while loading: about 30 MiB at most.
constexpr size_t kAgreementSets = 1 << 14;
constexpr size_t kAgreementWays = 4;

// Settings of the loading connection while it loads (docs/performance.md), restored after:
// - synchronous=NORMAL: a chunk's commit is not fsynced. Nothing of a LOADING batch is used, and
//   finish() commits with the connection's own setting again (FULL by default), which syncs the
//   whole WAL, chunks included, so the batch is as durable as any other commit before it is
//   accepted (files.md: stored durably before the pick-up).
// - ignore_check_constraints: batch_items' CHECK (state IN (...)) builds two throw-away b-trees
//   per INSERT in SQLite 3.40, a third of the cost of an item; the loader writes only the literal
//   states PENDING and REJECTED, so the constraint cannot fail here.
// - a 64 MiB page cache: the item_ids and batch_items indexes of a large batch stay in memory.
constexpr const char* kLoadPragmas[] = {"PRAGMA synchronous=NORMAL",
                                        "PRAGMA ignore_check_constraints=ON",
                                        "PRAGMA cache_size=-65536",
                                        "PRAGMA wal_autocheckpoint=0"};
constexpr const char* kRestorePragmas[] = {"PRAGMA ignore_check_constraints=OFF"};

class SqlItemLoader final : public batch::ItemLoader {
 public:
  // `reader`, when the pool had one more connection free: the agreements are read through it,
  // so the reading thread never waits for the writer's connection.
  SqlItemLoader(Pool& pool, Pool::Lease lease, std::optional<Pool::Lease> reader, NewBatch b,
                   std::string token)
      : pool_(pool),
        token_(std::move(token)),
        c_(std::move(lease)),
        reader_(std::move(reader)),
        b_(std::move(b)),
        row_context_{b_.center_id, b_.batch_no, to_unix_ms(b_.send_from_at),
                     to_unix_ms(b_.force_fail_at), to_unix_ms(b_.received_at)} {}
  ~SqlItemLoader() override {
    if (!c_) return;
    if (in_tx_) (void)(*c_)->exec("ROLLBACK");
    (void)restore();  // the connection goes back to the pool as it came
  }

  Status begin() {
    for (auto [pragma, value] : {std::pair{"PRAGMA cache_size", &cache_size_},
                                 std::pair{"PRAGMA synchronous", &synchronous_},
                                 std::pair{"PRAGMA wal_autocheckpoint", &autocheckpoint_}}) {
      auto q = (*c_)->prepare(pragma);
      if (!q) return q.error();
      auto row = q->step();
      if (!row) return row.error();
      *value = q->integer(0);
    }
    tuned_ = true;
    for (const char* p : kLoadPragmas) REPAY_TRY((*c_)->exec(p));
    REPAY_TRY((*c_)->exec("BEGIN IMMEDIATE"));
    in_tx_ = true;
    REPAY_TRY(still_ours());
    auto dv = (*c_)->prepare("PRAGMA data_version");
    if (!dv) return dv.error();
    data_version_.emplace(std::move(*dv));
    REPAY_TRY(note_data_version());
    auto rows = ItemRowWriter::prepare(**c_);
    if (!rows) return rows.error();
    rows_.emplace(std::move(*rows));
    auto use = (*c_)->prepare(
        "INSERT INTO item_ids(center_id, item_id, batch_no, seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(center_id, item_id) DO NOTHING");
    if (!use) return use.error();
    use_id_.emplace(std::move(*use));
    auto ag = (reader_ ? **reader_ : **c_).prepare(
        "SELECT agreement_no, center_id, kind, channel_id, state, credit_card_hash, "
        "debit_card_hash, holder_name, id_type, id_no_hash FROM agreements WHERE agreement_no = ?");
    if (!ag) return ag.error();
    agreement_.emplace(std::move(*ag));
    return ok_status();
  }

  Result<bool> use_item_id(const std::string& item_id, int64_t seq) override {
    auto lock = writer_lock();
    REPAY_TRY(use_id_->reset().bind(1, b_.center_id).bind(2, item_id).bind(3, b_.batch_no)
                  .bind(4, seq).run());
    return (*c_)->changes() == 1;
  }

  Result<std::shared_ptr<LoadedAgreement>> agreement(const std::string& agreement_no) override {
    // Each agreement is read once, however many items use it: within a chunk the write lock is
    // ours, and between chunks the cache is dropped if another connection wrote (data_version).
    // Called on the intake's reading thread while its writer thread stores items: the cache has
    // its own lock; the reads go through reader_, or share the writer's connection under db_mu_.
    // The cache is set-associative: kAgreementWays slots per hash, the least recently used one
    // replaced — bounded, and nothing to rebuild or drop wholesale when every item has an
    // agreement of its own.
    const size_t set = (std::hash<std::string>{}(agreement_no) & (kAgreementSets - 1)) * kAgreementWays;
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      for (size_t w = set; w < set + kAgreementWays; ++w) {
        Slot& k = agreements_[w];
        if (k.filled && k.agreement_no == agreement_no) {
          k.used = ++use_clock_;
          return k.agreement;
        }
      }
    }
    std::shared_ptr<LoadedAgreement> a;
    {
      std::unique_lock<std::mutex> lock(db_mu_, std::defer_lock);
      if (!reader_) lock.lock();  // the writer's connection: shared
      auto& s = agreement_->reset().bind(1, agreement_no);
      auto row = s.step();
      if (!row) return row.error();
      if (*row) {
        auto state = signing::agreement_state_from_text(s.text(4));
        if (!state) return state.error();
        a = std::make_shared<LoadedAgreement>(AgreementDigest{s.text(0), s.text(1), s.text(2), s.text(3),
                                                              *state, s.text(5), s.text(6), s.text(7),
                                                              s.text(8), s.text(9)});
      }
      s.reset();  // no statement left running across a commit
    }
    std::lock_guard<std::mutex> lock(cache_mu_);
    Slot* victim = &agreements_[set];
    for (size_t w = set; w < set + kAgreementWays; ++w) {
      Slot& k = agreements_[w];
      if (!k.filled) {
        victim = &k;
        break;
      }
      if (k.used < victim->used) victim = &k;
    }
    victim->agreement_no = agreement_no;
    victim->agreement = a;
    victim->filled = true;
    victim->used = ++use_clock_;
    return a;
  }

  Status add(const NewItem& i) override {
    auto lock = writer_lock();
    if (i.reject_code.empty()) {
      // Sendable: packed into the current block (store/batch_blocks.h).
      if (block_items_ == 0) block_first_seq_ = i.seq;
      append_block_item(block_, i);
      ++open_;
      if (++block_items_ >= kBlockItems) REPAY_TRY(flush_block());
    } else {
      REPAY_TRY(rows_->insert(row_context_, i));
    }
    if (++in_chunk_ >= kChunk) {
      in_chunk_ = 0;
      REPAY_TRY((*c_)->exec("COMMIT"));
      REPAY_TRY((*c_)->exec("BEGIN IMMEDIATE"));
      REPAY_TRY(still_ours());
      REPAY_TRY(note_data_version());
    }
    return ok_status();
  }

  Status suspend() override {
    // The last chunk committed, the statements and both connections given back (the batch stays
    // LOADING, never sent) until finish() or the discard.
    REPAY_TRY(flush_block());
    REPAY_TRY((*c_)->exec("COMMIT"));
    in_tx_ = false;
    REPAY_TRY(restore());
    agreement_.reset();
    data_version_.reset();
    rows_.reset();
    use_id_.reset();
    reader_.reset();
    c_.reset();
    return ok_status();
  }

  Status finish(const FileRecord& f) override {
    // The acceptance in a transaction of its own, committed with the connection's own
    // synchronous setting: with FULL, that sync makes every chunk durable too.
    if (!c_) c_.emplace(pool_.acquire());
    if (in_tx_) {  // not suspended: the last chunk first
      REPAY_TRY(flush_block());
      REPAY_TRY((*c_)->exec("COMMIT"));
      in_tx_ = false;
      REPAY_TRY(restore());
    }
    REPAY_TRY((*c_)->exec("BEGIN IMMEDIATE"));
    in_tx_ = true;
    {
      auto ins = (*c_)->prepare(
          "INSERT INTO batch_files(center_id, file_name, sha256, size, received_at, status, batch_no, "
          "batch_date, header_count, header_amount) VALUES (?, ?, ?, ?, ?, '00', ?, ?, ?, ?)");
      if (!ins) return ins.error();
      REPAY_TRY(ins->bind(1, f.center_id).bind(2, f.file_name).bind(3, f.sha256)
                    .bind(4, static_cast<int64_t>(f.size)).bind(5, to_unix_ms(f.received_at))
                    .bind(6, f.batch_no).bind(7, f.batch_date).bind(8, f.header_count)
                    .bind(9, f.header_amount).run());
    }
    const char* state = batch::to_text(open_ > 0 ? batch::BatchState::kOpen : batch::BatchState::kClosed);
    {
      // The file's SHA-256 and header totals: known once its first pass is done (batch/intake.cc).
      auto up = (*c_)->prepare(
          "UPDATE batches SET state = ?, open_items = ?, closed_at = ?, sha256 = ?, total_count = ?, "
          "total_amount = ?, load_token = NULL WHERE center_id = ? AND batch_no = ? "
          "AND state = 'LOADING' AND load_token = ?");
      if (!up) return up.error();
      up->bind(1, state).bind(2, open_);
      if (open_ > 0) up->bind_null(3);
      else up->bind(3, to_unix_ms(b_.received_at));
      REPAY_TRY(up->bind(4, f.sha256).bind(5, f.header_count).bind(6, f.header_amount)
                    .bind(7, b_.center_id).bind(8, b_.batch_no).bind(9, token_).run());
      if ((*c_)->changes() != 1) return make_error("STALE", "batch is no longer loading", "batchNo", b_.batch_no);
    }
    REPAY_TRY(append_audit(**c_, AuditRow{0, b_.received_at, "job:intake", "batch",
                                        b_.center_id + ":" + b_.batch_no, "LOADING", state,
                                        "file " + f.file_name + " accepted with " +
                                            std::to_string(f.header_count) + " items"}));
    REPAY_TRY((*c_)->exec("COMMIT"));
    in_tx_ = false;
    return ok_status();
  }

 private:
  // At the start of each chunk's transaction: the batch is still LOADING under this load's
  // token — not discarded by another intake meanwhile, nor started afresh. An update that
  // changes nothing, so that the batch row stays locked until the chunk commits: a discard
  // (which locks the batch row before deleting its items) waits for it, or this load stops.
  Status still_ours() {
    auto q = (*c_)->prepare(
        "UPDATE batches SET load_token = load_token WHERE center_id = ? AND batch_no = ? "
        "AND state = 'LOADING' AND load_token = ?");
    if (!q) return q.error();
    REPAY_TRY(q->bind(1, b_.center_id).bind(2, b_.batch_no).bind(3, token_).run());
    if ((*c_)->changes() != 1) {
      return make_error("STALE", "the load was discarded by another intake", "batchNo", b_.batch_no);
    }
    return ok_status();
  }

  // The writer's connection is shared with the agreement reads only when there is no reader_
  // (fixed from construction until suspend(), which comes after the last add()).
  std::unique_lock<std::mutex> writer_lock() {
    return reader_ ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(db_mu_);
  }

  Status flush_block() {
    if (block_items_ == 0) return ok_status();
    REPAY_TRY(write_block(**c_, b_.center_id, b_.batch_no, block_first_seq_, block_items_, block_));
    block_.clear();
    block_items_ = 0;
    return ok_status();
  }

  // PRAGMA data_version changes when another connection commits: then an agreement may have
  // changed (revoked, say) between two chunks, and the cached ones are dropped.
  Status note_data_version() {
    auto row = data_version_->reset().step();
    if (!row) return row.error();
    const int64_t v = data_version_->integer(0);
    data_version_->reset();
    if (v != last_data_version_) {
      std::lock_guard<std::mutex> lock(cache_mu_);
      for (Slot& k : agreements_) {
        k.filled = false;
        k.agreement.reset();
      }
    }
    last_data_version_ = v;
    return ok_status();
  }

  Status restore() {
    if (!tuned_) return ok_status();
    for (const char* p : kRestorePragmas) REPAY_TRY((*c_)->exec(p));
    REPAY_TRY((*c_)->exec("PRAGMA cache_size=" + std::to_string(cache_size_)));
    REPAY_TRY((*c_)->exec("PRAGMA synchronous=" + std::to_string(synchronous_)));
    REPAY_TRY((*c_)->exec("PRAGMA wal_autocheckpoint=" + std::to_string(autocheckpoint_)));
    tuned_ = false;
    return ok_status();
  }

  Pool& pool_;
  std::string token_;  // batches.load_token of this load
  std::optional<Pool::Lease> c_;  // none while suspended
  std::optional<Pool::Lease> reader_;
  NewBatch b_;
  bool tuned_ = false;
  int64_t cache_size_ = -2000;  // the connection's own settings, restored after the load
  int64_t synchronous_ = 2;     // FULL
  int64_t autocheckpoint_ = 1000;
  std::mutex db_mu_;     // the connection, shared by the intake's two threads
  std::mutex cache_mu_;  // agreements_
  struct Slot {
    bool filled = false;
    uint64_t used = 0;  // use_clock_ at the last look-up
    std::string agreement_no;
    std::shared_ptr<LoadedAgreement> agreement;  // null: there is no such agreement
  };
  std::vector<Slot> agreements_ = std::vector<Slot>(kAgreementSets * kAgreementWays);
  uint64_t use_clock_ = 0;
  std::optional<Stmt> data_version_;
  int64_t last_data_version_ = -1;
  bool in_tx_ = false;
  int64_t in_chunk_ = 0;
  int64_t open_ = 0;
  BatchRowContext row_context_;
  std::optional<ItemRowWriter> rows_;
  std::string block_;  // the block being filled: block_items_ items from block_first_seq_
  int64_t block_items_ = 0;
  int64_t block_first_seq_ = 0;
  std::optional<Stmt> use_id_;
  std::optional<Stmt> agreement_;
};

}  // namespace

Result<std::optional<FileRecord>> SqlBatchStore::find_file(const std::string& center,
                                                         const std::string& file_name,
                                                         const std::string& sha256) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT size, received_at, status, batch_no, batch_date, header_count, header_amount, error, "
      "return_file FROM batch_files WHERE center_id = ? AND file_name = ? AND sha256 = ?");
  if (!s) return s.error();
  s->bind(1, center).bind(2, file_name).bind(3, sha256);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<FileRecord>();
  FileRecord f;
  f.center_id = center;
  f.file_name = file_name;
  f.sha256 = sha256;
  f.size = static_cast<uint64_t>(s->integer(0));
  f.received_at = from_unix_ms(s->integer(1));
  f.status = s->text(2);
  f.batch_no = s->text(3);
  f.batch_date = s->text(4);
  f.header_count = s->integer(5);
  f.header_amount = s->integer(6);
  f.error = s->text(7);
  f.return_file = s->text(8);
  return std::optional<FileRecord>(f);
}

Result<std::optional<std::string>> SqlBatchStore::accepted_batch_sha(const std::string& center,
                                                                   const std::string& batch_no) {
  auto c = pool_->acquire();
  auto s = c->prepare(
      "SELECT sha256 FROM batches WHERE center_id = ? AND batch_no = ? AND state <> 'LOADING'");
  if (!s) return s.error();
  s->bind(1, center).bind(2, batch_no);
  auto row = s->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(s->text(0));
}

// How often a rejection is numbered again when other writers keep taking its number (the same
// bound as the versions of posting files and statements, settlement_files_sql.cc).
constexpr int kRejectionTries = 16;

Result<int> SqlBatchStore::record_rejection(FileRecord f) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  // COUNT(*) + 1, unless another writer committed that number (or this very file) since it was
  // read: the unique keys (batch_files_rejection_no, and the file's own) turn the insert into
  // nothing, and it is numbered again.
  auto count = c->prepare(
      "SELECT COUNT(*) FROM batch_files WHERE center_id = ? AND batch_no = ? AND status <> '00'");
  if (!count) return count.error();
  auto ins = c->prepare(
      "INSERT INTO batch_files(center_id, file_name, sha256, size, received_at, status, batch_no, "
      "batch_date, header_count, header_amount, error, rejection_no, return_file) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  if (!ins) return ins.error();
  auto stored = c->prepare(
      "SELECT rejection_no FROM batch_files WHERE center_id = ? AND file_name = ? AND sha256 = ?");
  if (!stored) return stored.error();
  for (int attempt = 1;; ++attempt) {
    count->reset().bind(1, f.center_id).bind(2, f.batch_no);
    auto row = count->step();
    if (!row) return row.error();
    const int n = static_cast<int>(count->integer(0)) + 1;
    count->reset();
    f.return_file = batch::return_file_name(f.center_id, f.batch_date, f.batch_no, n);
    REPAY_TRY(ins->reset().bind(1, f.center_id).bind(2, f.file_name).bind(3, f.sha256)
                  .bind(4, static_cast<int64_t>(f.size)).bind(5, to_unix_ms(f.received_at))
                  .bind(6, f.status).bind(7, f.batch_no).bind(8, f.batch_date).bind(9, f.header_count)
                  .bind(10, f.header_amount).bind(11, f.error).bind(12, int64_t{n})
                  .bind(13, f.return_file).run());
    if (c->changes() == 1) {
      REPAY_TRY(tx.commit());
      return n;
    }
    // This very file stored by another writer: its number is the answer (a file stored without
    // one, accepted, answers n as before).
    stored->reset().bind(1, f.center_id).bind(2, f.file_name).bind(3, f.sha256);
    auto known = stored->step();
    if (!known) return known.error();
    if (*known) {
      const int answer = stored->is_null(0) ? n : static_cast<int>(stored->integer(0));
      stored->reset();
      REPAY_TRY(tx.commit());
      return answer;
    }
    stored->reset();
    if (attempt == kRejectionTries) {
      return make_error("BUSY", "rejection numbers kept being taken by other writers", "fileName",
                        f.file_name);
    }
  }
}

Status SqlBatchStore::discard_loading(const std::string& center, const std::string& batch_no) {
  auto c = pool_->acquire();
  WriteTx tx(*c);
  REPAY_TRY(tx.begin());
  {
    // The batch row first (one lock order: the batch before its items): a chunk of its load
    // holds it until that chunk commits, and then checks its token again.
    auto q = c->prepare(
        "UPDATE batches SET load_token = load_token WHERE center_id = ? AND batch_no = ? "
        "AND state = 'LOADING'");
    if (!q) return q.error();
    REPAY_TRY(q->bind(1, center).bind(2, batch_no).run());
    if (c->changes() != 1) return ok_status();
  }
  for (const char* sql : {"DELETE FROM item_ids WHERE center_id = ? AND batch_no = ?",
                          "DELETE FROM batch_blocks WHERE center_id = ? AND batch_no = ?",
                          "DELETE FROM batch_items WHERE center_id = ? AND batch_no = ?",
                          "DELETE FROM batches WHERE center_id = ? AND batch_no = ? AND state = 'LOADING'"}) {
    auto d = c->prepare(sql);
    if (!d) return d.error();
    REPAY_TRY(d->bind(1, center).bind(2, batch_no).run());
  }
  return tx.commit();
}

Result<std::unique_ptr<batch::ItemLoader>> SqlBatchStore::start_loading(const NewBatch& b) {
  // This load's token: another intake of the same batchNo (another node, or `repay batch pull`
  // beside `repay serve`) may discard it and start its own; this loader then notices at its next
  // chunk or at finish() and stops, writing nothing more.
  std::string token;
  {
    std::random_device rd;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%08x%08x", rd(), rd());
    token = hex;
  }
  {
    auto c = pool_->acquire();
    auto ins = c->prepare(
        "INSERT INTO batches(center_id, batch_no, batch_date, file_name, sha256, total_count, "
        "total_amount, received_at, send_from_at, force_fail_at, encoding, state, load_token) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'LOADING', ?)");
    if (!ins) return ins.error();
    REPAY_TRY(ins->bind(1, b.center_id).bind(2, b.batch_no).bind(3, b.batch_date)
                  .bind(4, b.file_name).bind(5, b.sha256).bind(6, b.total_count)
                  .bind(7, b.total_amount).bind(8, to_unix_ms(b.received_at))
                  .bind(9, to_unix_ms(b.send_from_at)).bind(10, to_unix_ms(b.force_fail_at))
                  .bind(11, b.encoding).bind(12, token).run());
  }
  auto writer = pool_->acquire();
  auto loader = std::make_unique<SqlItemLoader>(*pool_, std::move(writer), pool_->try_acquire(), b,
                                                   std::move(token));
  REPAY_TRY(loader->begin());
  return std::unique_ptr<batch::ItemLoader>(std::move(loader));
}

}  // namespace repay::store
