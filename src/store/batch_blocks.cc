#include "store/batch_blocks.h"

#include <cstring>

namespace repay::store {
namespace {

void put_u64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 8);
}

void put_text(std::string& out, const std::string& s) {
  const auto n = static_cast<uint32_t>(s.size());
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.append(b, 4);
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }
  bool u64(int64_t& v) {
    if (in_.size() - pos_ < 8) return false;
    uint64_t x = 0;
    for (int i = 0; i < 8; ++i) x |= static_cast<uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    v = static_cast<int64_t>(x);
    return true;
  }
  bool text(std::string& s) {
    if (in_.size() - pos_ < 4) return false;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    pos_ += 4;
    if (in_.size() - pos_ < n) return false;
    s.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// Unpacks the first `max_blocks` blocks of one batch, in seq order (the unique index gives the
// order: no sort, and only these blocks' bytes are read). Returns the number of items unpacked;
// `blocks_read`, when given, is set to the number of blocks read — more than zero even when
// another claimer unpacked every one of them meanwhile (then no item is unpacked here).
Result<int64_t> unpack_first_blocks(Connection& c, const BatchRowContext& b, int64_t max_blocks,
                                    int64_t* blocks_read = nullptr) {
  struct Block {
    int64_t id;
    std::string data;
  };
  std::vector<Block> blocks;
  {
    auto q = c.prepare(
        "SELECT id, data FROM batch_blocks WHERE center_id = ? AND batch_no = ? ORDER BY first_seq LIMIT ?");
    if (!q) return q.error();
    q->bind(1, b.center_id).bind(2, b.batch_no).bind(3, max_blocks);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      blocks.push_back(Block{q->integer(0), q->blob(1)});
    }
  }
  if (blocks_read) *blocks_read = static_cast<int64_t>(blocks.size());
  if (blocks.empty()) return int64_t{0};
  auto rows = ItemRowWriter::prepare(c);
  if (!rows) return rows.error();
  int64_t n = 0;
  for (const auto& k : blocks) {
    auto u = unpack_block(c, *rows, b, k.id, k.data);
    if (!u) return u.error();
    n += u->value_or(0);
  }
  return n;
}

// The batch columns of a batch's rows, from the batches row `q` stands on: center_id, batch_no,
// send_from_at, force_fail_at, received_at.
BatchRowContext row_context(const Stmt& q) {
  return BatchRowContext{q.text(0), q.text(1), q.integer(2), q.integer(3), q.integer(4)};
}

constexpr int64_t kBlocksPerRound = 16;  // memory: at most this many blocks' bytes at once

}  // namespace

void append_block_item(std::string& block, const batch::NewItem& i) {
  put_u64(block, static_cast<uint64_t>(i.seq));
  put_u64(block, static_cast<uint64_t>(i.amount));
  put_u64(block, static_cast<uint64_t>(i.fee));
  put_u64(block, static_cast<uint64_t>(i.cardholder_fee));
  put_u64(block, static_cast<uint64_t>(i.debit_amount));
  put_text(block, i.item_id);
  put_text(block, i.agreement_no);
  put_text(block, i.channel_id);
  put_text(block, i.fee_rule);
  put_text(block, i.memo);
}

Result<std::vector<batch::NewItem>> decode_block(std::string_view block) {
  std::vector<batch::NewItem> items;
  Reader r(block);
  while (!r.done()) {
    batch::NewItem i;
    if (!r.u64(i.seq) || !r.u64(i.amount) || !r.u64(i.fee) || !r.u64(i.cardholder_fee) ||
        !r.u64(i.debit_amount) || !r.text(i.item_id) || !r.text(i.agreement_no) ||
        !r.text(i.channel_id) || !r.text(i.fee_rule) || !r.text(i.memo)) {
      return make_error("DB", "batch block cut short", "item", std::to_string(items.size() + 1));
    }
    items.push_back(std::move(i));
  }
  return items;
}

Result<ItemRowWriter> ItemRowWriter::prepare(Connection& c) {
  auto s = c.prepare(
      "INSERT INTO batch_items(center_id, batch_no, seq, item_id, agreement_no, channel_id, amount, "
      "fee, cardholder_fee, debit_amount, fee_rule, memo, state, resp_code, send_from_at, "
      "force_fail_at, finished_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?)");
  if (!s) return s.error();
  return ItemRowWriter(std::move(*s));
}

Status ItemRowWriter::insert(const BatchRowContext& b, const batch::NewItem& i) {
  const bool rejected = !i.reject_code.empty();
  auto& s = insert_.reset();
  s.bind(1, b.center_id).bind(2, b.batch_no).bind(3, i.seq).bind(4, i.item_id)
      .bind(5, i.agreement_no).bind_opt(6, i.channel_id).bind(7, i.amount).bind(8, i.fee)
      .bind(9, i.cardholder_fee).bind(10, i.debit_amount).bind_opt(11, i.fee_rule)
      .bind_opt(12, i.memo).bind(13, rejected ? "REJECTED" : "PENDING")
      .bind_opt(14, i.reject_code).bind(15, b.send_from_ms).bind(16, b.force_fail_ms);
  if (rejected) s.bind(17, b.received_ms);
  else s.bind_null(17);
  s.bind(18, b.received_ms);
  return s.run();
}

Status write_block(Connection& c, const std::string& center, const std::string& batch_no,
                   int64_t first_seq, int64_t items, std::string_view block) {
  auto s = c.prepare(
      "INSERT INTO batch_blocks(center_id, batch_no, first_seq, items, data) VALUES (?, ?, ?, ?, ?)");
  if (!s) return s.error();
  return s->bind(1, center).bind(2, batch_no).bind(3, first_seq).bind(4, items).bind_blob(5, block).run();
}

Result<std::optional<int64_t>> unpack_block(Connection& c, ItemRowWriter& rows,
                                            const BatchRowContext& b, int64_t id,
                                            std::string_view data) {
  auto items = decode_block(data);
  if (!items || items->empty()) {
    return make_error("DB", "batch block does not parse", "batchNo", b.center_id + ":" + b.batch_no);
  }
  // The block's row goes first, and only the claimer whose delete took it writes its items: under
  // READ COMMITTED a second claimer that read the same block waits for the first one's delete
  // and then deletes nothing, instead of inserting the items again.
  auto del = c.prepare("DELETE FROM batch_blocks WHERE id = ?");
  if (!del) return del.error();
  REPAY_TRY(del->bind(1, id).run());
  if (c.changes() != 1) return std::optional<int64_t>();
  for (const auto& item : *items) REPAY_TRY(rows.insert(b, item));
  return std::optional<int64_t>(static_cast<int64_t>(items->size()));
}

Result<int64_t> unpack_due(Connection& c, Instant now, int64_t min_items) {
  auto q = c.prepare(
      "SELECT b.center_id, b.batch_no, b.send_from_at, b.force_fail_at, b.received_at FROM batches b "
      "WHERE b.state = 'OPEN' AND b.send_from_at <= ? AND b.force_fail_at > ? AND EXISTS (SELECT 1 "
      "FROM batch_blocks k WHERE k.center_id = b.center_id AND k.batch_no = b.batch_no) "
      "ORDER BY b.force_fail_at, b.center_id, b.batch_no LIMIT 1");
  if (!q) return q.error();
  const int64_t now_ms = to_unix_ms(now);
  int64_t total = 0;
  while (total < min_items) {
    q->reset().bind(1, now_ms).bind(2, now_ms);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    const BatchRowContext b = row_context(*q);
    q->reset();
    const int64_t want = (min_items - total + kBlockItems - 1) / kBlockItems;
    auto n = unpack_first_blocks(c, b, std::min(want, kBlocksPerRound));
    if (!n) return n.error();
    total += *n;
  }
  return total;
}

Result<std::optional<int64_t>> earliest_packed_force_fail(Connection& c, Instant now) {
  auto q = c.prepare(
      "SELECT MIN(b.force_fail_at) FROM batches b WHERE b.state = 'OPEN' AND b.send_from_at <= ? "
      "AND b.force_fail_at > ? AND EXISTS (SELECT 1 FROM batch_blocks k WHERE "
      "k.center_id = b.center_id AND k.batch_no = b.batch_no)");
  if (!q) return q.error();
  const int64_t now_ms = to_unix_ms(now);
  q->bind(1, now_ms).bind(2, now_ms);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row || q->is_null(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(q->integer(0));
}

Result<int64_t> unpack_batch(Connection& c, const std::string& center, const std::string& batch_no) {
  BatchRowContext b;
  {
    auto q = c.prepare(
        "SELECT center_id, batch_no, send_from_at, force_fail_at, received_at FROM batches "
        "WHERE center_id = ? AND batch_no = ?");
    if (!q) return q.error();
    q->bind(1, center).bind(2, batch_no);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return int64_t{0};
    b = row_context(*q);
  }
  int64_t total = 0;
  for (;;) {  // a round of blocks at a time: memory stays bounded whatever the batch's size
    // Until a round finds no block left: a round whose blocks another claimer unpacked meanwhile
    // unpacks nothing here, and the blocks after it must still be unpacked.
    int64_t read = 0;
    auto n = unpack_first_blocks(c, b, kBlocksPerRound, &read);
    if (!n) return n.error();
    if (read == 0) return total;
    total += *n;
  }
}

}  // namespace repay::store
