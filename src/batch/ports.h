// What batches need from the store. Every change is a conditional update (on the item's state and
// version, or on a claim), so several Repay nodes on one server database can share the work.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "batch/batch_state.h"
#include "core/result.h"
#include "debit/item.h"
#include "signing/agreement.h"

namespace repay::batch {

// A batch item is a debit: its facts, transitions and states are the shared state machine's.
using debit::BankFact;
using debit::ItemView;
using debit::Transition;
using debit::ItemState;
using debit::LateState;

// A file seen in an inbox, accepted or rejected (files.md: handled once by name and SHA-256).
struct FileRecord {
  std::string center_id;
  std::string file_name;
  std::string sha256;
  uint64_t size = 0;
  Instant received_at{};
  std::string status;        // "00" accepted, F1..F6 rejected
  std::string batch_no;      // from the name or header, "" when unreadable
  std::string batch_date;
  int64_t header_count = 0;  // as received (0 when unreadable)
  Fen header_amount = 0;
  std::string error;         // the rejection, masked: code, line, field, value
  std::string return_file;   // the return file to publish for it
};

struct NewBatch {
  std::string center_id;
  std::string batch_no;
  std::string batch_date;
  std::string file_name;
  std::string sha256;
  int64_t total_count = 0;
  Fen total_amount = 0;
  Instant received_at{};
  Instant send_from_at{};
  Instant force_fail_at{};
  std::string encoding;      // of the card center, for its return file
};

// What an item check needs of an agreement: keyed hashes, never clear numbers.
struct AgreementDigest {
  std::string agreement_no;
  std::string center_id;
  std::string kind;
  std::string channel_id;
  signing::AgreementState state = signing::AgreementState::kActive;
  std::string credit_card_hash;
  std::string debit_card_hash;
  std::string holder_name;
  std::string id_type;
  std::string id_no_hash;
};

// An agreement as the loader read it. `verified` is the intake's: the cardholder numbers that
// matched its keyed hashes in this load, so that a later line with the same numbers is not hashed
// again (HMAC-SHA256 is the costliest item check). It goes, wiped, with the entry when the loader
// drops the entry (the agreement may have changed since).
struct LoadedAgreement {
  struct Holder {
    std::string credit_card, debit_card, id_no;
  };
  AgreementDigest digest;
  Holder verified;        // meaningful when has_verified
  bool has_verified = false;

  LoadedAgreement() = default;
  explicit LoadedAgreement(AgreementDigest d) : digest(std::move(d)) {}
  LoadedAgreement(const LoadedAgreement&) = delete;
  LoadedAgreement& operator=(const LoadedAgreement&) = delete;
  ~LoadedAgreement() { wipe(); }
  void wipe() {
    for (std::string* v : {&verified.credit_card, &verified.debit_card, &verified.id_no}) {
      std::fill(v->begin(), v->end(), '\0');
      v->clear();
    }
    has_verified = false;
  }
};

struct NewItem {
  int64_t seq = 0;
  std::string item_id;
  std::string agreement_no;  // as given on the line
  std::string channel_id;    // "" for a rejected item
  Fen amount = 0;
  Fen fee = 0;               // the item's fee, whoever pays
  Fen cardholder_fee = 0;    // added to the debit
  Fen debit_amount = 0;
  std::string fee_rule;      // FeeRule::to_string() in force
  std::string memo;
  std::string reject_code;   // non-empty: REJECTED with this code, final at intake
};

// A write session for one batch's items, committed in chunks; the batch is not sendable until
// finish_loading() (files.md: the whole batch stored durably before any debit).
class ItemLoader {
 public:
  virtual ~ItemLoader() = default;
  // Marks the itemId used by this center; false when it already was (2006).
  virtual Result<bool> use_item_id(const std::string& item_id, int64_t seq) = 0;
  // The agreement, or nullptr when there is none. May be called on one thread while another
  // calls use_item_id() and add() (batch/intake_writer.h).
  virtual Result<std::shared_ptr<LoadedAgreement>> agreement(const std::string& agreement_no) = 0;
  virtual Status add(const NewItem& item) = 0;
  // Commits what was added and lets go of the store until finish(): the batch stays LOADING
  // (never sent), and other writes may come first — a rejection, or the load's discard.
  virtual Status suspend() = 0;
  // Stores the file record and opens the batch (or closes it at once when no item is sendable).
  virtual Status finish(const FileRecord& file) = 0;
};

struct DebitTask {
  std::string center_id;
  std::string batch_no;
  int64_t seq = 0;
  int64_t version = 0;       // of the item row after the claim
  std::string txn_no;
  std::string req_sn;        // of the DEBIT
  std::string query_req_sn;  // claim_queries: the QUERY's own ReqSn, fresh, stored before the call
  std::string channel_id;
  std::string agreement_no;
  Fen debit_amount = 0;
  Instant force_fail_at{};
  int query_count = 0;       // QUERYs made so far (claim_queries)
  // What the DEBIT carries (channel-api.md), from the agreement, decrypted by the store.
  std::string kind;          // COLLECT or QUICK
  std::string protocol_no;   // QUICK
  std::string card_no;       // COLLECT: CardNo, Name, IdType, IdNo
  std::string name;
  std::string id_type;
  std::string id_no;
};

struct ItemKey {
  std::string center_id;
  std::string batch_no;
  int64_t seq = 0;
};

struct ForceFailRound {
  std::vector<ItemKey> closed;                    // batches closed now
  std::vector<std::pair<ItemKey, Error>> failed;  // batches whose force-fail failed, and why
};

struct BatchSummary {
  std::string center_id;
  std::string batch_no;
  std::string batch_date;
  BatchState state = BatchState::kLoading;
  Instant received_at{};
  Instant send_from_at{};
  Instant force_fail_at{};
  std::string encoding;       // of the return file
  int64_t total = 0;
  Fen total_amount = 0;
  Fen success_amount = 0;
  Fen fail_amount = 0;
  int64_t success = 0;
  int64_t failed = 0;         // incl. rejected and forced
  int64_t open = 0;           // not final yet
  int64_t forced = 0;
  std::string return_file;
  Instant returned_at{};
};

// One item as its return line needs it (files.md, Return file).
struct ReturnRow {
  int64_t seq = 0;
  std::string item_id;
  Fen amount = 0;
  Fen cardholder_fee = 0;
  Fen debit_amount = 0;
  ItemState state = ItemState::kFailed;  // SUCCESS or FAILED / REJECTED
  std::string resp_code;
  std::string txn_no;
  Instant finished_at{};
};

class BatchStore {
 public:
  virtual ~BatchStore() = default;

  // --- intake ---
  virtual Result<std::optional<FileRecord>> find_file(const std::string& center,
                                                      const std::string& file_name,
                                                      const std::string& sha256) = 0;
  // The SHA-256 of the accepted file that used this batchNo, if any (F3).
  virtual Result<std::optional<std::string>> accepted_batch_sha(const std::string& center,
                                                                const std::string& batch_no) = 0;
  // Stores a rejected file; returns its REJ number (1, 2, ... per batchNo).
  virtual Result<int> record_rejection(FileRecord file) = 0;
  // Removes a batch left LOADING by a crash (its items and itemIds), so the file loads afresh.
  virtual Status discard_loading(const std::string& center, const std::string& batch_no) = 0;
  virtual Result<std::unique_ptr<ItemLoader>> start_loading(const NewBatch& batch) = 0;

  // --- pipeline ---
  // Claims up to `max` PENDING items for `channel`: batches OPEN, send_from_at <= now <
  // force_fail_at, next try due; the batch whose force-fail time comes first goes first. Assigns
  // TxnNo and ReqSn when the item has none, moves it to SENDING with `node` — all committed
  // before any call is made. center-api.md: an item whose agreement is no longer ACTIVE is not
  // sent: FAILED 2001 when no DEBIT of it can have been executed (never sent, or every send
  // proven unregistered), else it waits, unsent, for its force-fail time (3001, then QUERY).
  virtual Result<std::vector<DebitTask>> claim_debits(const std::string& channel, int max,
                                                      Instant now, const std::string& node) = 0;
  // Items whose outcome is unknown (UNKNOWN, or forced and unresolved) with a query due; their
  // next query time is pushed to now + lease so no other worker queries them at once. Each
  // gets a fresh ReqSn of its own for the QUERY (query_req_sn), stored before the call.
  virtual Result<std::vector<DebitTask>> claim_queries(const std::string& channel, int max,
                                                       Instant now,
                                                       std::chrono::milliseconds lease) = 0;
  // Applies a fact about an item's DEBIT (answer, QUERY or notification): reads the item, asks
  // debit::next(), writes the transition conditionally on the version read (re-reading on a
  // race). Busy and not-found set the next try; unknown the next query (`retry_at`).
  struct Fact {
    ItemKey key;
    BankFact fact;
    Instant retry_at{};  // next send (busy, not found) or next query (unknown)
  };
  // Applies many facts in one transaction (group commit); returns each one's transition.
  virtual Result<std::vector<Transition>> apply_facts(const std::vector<Fact>& facts, Instant now,
                                                     const std::string& actor) = 0;
  // Finds an item by the ReqSn sent to a channel (channel notifications).
  virtual Result<std::optional<ItemKey>> item_by_req_sn(const std::string& channel,
                                                        const std::string& req_sn) = 0;
  // After a crash: items left SENDING by this node are UNKNOWN now — queried before any resend.
  virtual Result<int64_t> recover_claims(const std::string& node, Instant now) = 0;

  // --- deadlines and return files ---
  // OPEN batches whose force-fail time has come: force-fails their open items (3002 never sent,
  // 3001 sent) and closes them, each batch in a transaction of its own: a batch that fails is
  // rolled back alone (tried again next round) and the others are still closed. The error is
  // only for the look-up of the batches due.
  virtual Result<ForceFailRound> force_fail_due(Instant now, const std::string& actor) = 0;
  // CLOSED batches (every item final) without a published return file, and rejected files whose
  // rejection file is not published yet.
  virtual Result<std::vector<BatchSummary>> returns_due() = 0;
  virtual Result<std::vector<FileRecord>> rejections_due() = 0;
  // Streams a batch's return lines in seq order.
  virtual Status for_each_return_line(const std::string& center, const std::string& batch_no,
                                      const std::function<Status(const ReturnRow&)>& f) = 0;
  virtual Status mark_returned(const std::string& center, const std::string& batch_no,
                               const std::string& file_name, Instant now) = 0;
  virtual Status mark_rejection_returned(const std::string& center, const std::string& file_name,
                                         const std::string& sha256, Instant now) = 0;

  // --- status ---
  virtual Result<std::vector<BatchSummary>> batches(const std::string& center, bool open_only) = 0;
  virtual Result<std::optional<BatchSummary>> batch(const std::string& center,
                                                    const std::string& batch_no) = 0;
  // Batches returned at or after `since`, the latest first, at most `limit`: read from the
  // batches table alone (the console's page must not count a million items per batch), so the
  // per-state counts are left 0 — the return file has them.
  virtual Result<std::vector<BatchSummary>> returned_batches(Instant since, int limit) = 0;
  // Items of a batch that became final since `since` (the deadline outlook's throughput).
  virtual Result<int64_t> finished_since(const std::string& center, const std::string& batch_no,
                                         Instant since) = 0;
};

}  // namespace repay::batch
