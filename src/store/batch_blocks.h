// A batch's sendable items as the intake stores them: packed, a block of up to kBlockItems items
// per row of batch_blocks, in seq order (docs/architecture.md, Batch intake). One row per thousand
// items instead of a row and four index entries per item is what lets a file of a million items
// be stored in the time the sqlite3 shell takes to import it (docs/performance.md, Intake).
//
// A block becomes PENDING rows of batch_items ("unpacked") inside a write transaction that also
// deletes it, so every item is either in exactly one block or in exactly one row:
// - claim_debits unpacks ahead of what it claims (unpack_due), batches whose force-fail time
//   comes first first, so sending starts as soon as the batch is accepted;
// - force_fail_batch unpacks what is left of its batch (unpack_batch) before failing it;
// - a batch's counts come from its header (batches.total_count), not from its rows.
// Items rejected at intake never go into a block: they are REJECTED rows at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/ports.h"
#include "core/clock.h"
#include "store/db.h"

namespace repay::store {

constexpr int64_t kBlockItems = 1000;

// Appends one item to a block's bytes. Little-endian integers, strings with a 4-byte length.
void append_block_item(std::string& block, const batch::NewItem& item);
// The items of a block, in the order appended; an error (code DB) when the bytes do not parse.
Result<std::vector<batch::NewItem>> decode_block(std::string_view block);

// The batch columns every row of one batch carries.
struct BatchRowContext {
  std::string center_id;
  std::string batch_no;
  int64_t send_from_ms = 0;
  int64_t force_fail_ms = 0;
  int64_t received_ms = 0;  // updated_at of a new row; finished_at of a REJECTED one
};

// Inserts batch_items rows: PENDING for an item without a reject code, REJECTED otherwise.
class ItemRowWriter {
 public:
  static Result<ItemRowWriter> prepare(Connection& c);
  Status insert(const BatchRowContext& b, const batch::NewItem& item);

 private:
  explicit ItemRowWriter(Stmt s) : insert_(std::move(s)) {}
  Stmt insert_;
};

Status write_block(Connection& c, const std::string& center, const std::string& batch_no,
                   int64_t first_seq, int64_t items, std::string_view block);

// Unpacks the block with this id and bytes, read from batch_blocks for the batch `b`: deletes its
// row, then inserts its items. nullopt (nothing written) when the row was already gone, unpacked
// by another claimer since it was read; otherwise the number of items. Call inside a write
// transaction.
Result<std::optional<int64_t>> unpack_block(Connection& c, ItemRowWriter& rows,
                                            const BatchRowContext& b, int64_t id,
                                            std::string_view data);

// Unpacks blocks of OPEN batches whose send-from time has come, the batch whose force-fail time
// comes first first, until at least `min_items` items are unpacked or none is left. Returns the
// number unpacked. Call inside a write transaction.
Result<int64_t> unpack_due(Connection& c, Instant now, int64_t min_items);
// The earliest force-fail time (unix ms) of the OPEN batches with packed items that unpack_due
// would unpack now; nullopt when there is none.
Result<std::optional<int64_t>> earliest_packed_force_fail(Connection& c, Instant now);
// Unpacks every block of one batch. Call inside a write transaction.
Result<int64_t> unpack_batch(Connection& c, const std::string& center, const std::string& batch_no);

}  // namespace repay::store
