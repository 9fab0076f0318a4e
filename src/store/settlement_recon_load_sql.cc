// SqlReconStore: the records channel reconciliation matches (settlement/ports.h, load_ours and
// find_ours), read straight from the live tables. load_ours reads a whole day inside one read
// transaction: in WAL mode that is a consistent snapshot of the day, which is all a copy gave,
// without writing (and syncing) a row per record. What a run found is kept durably afterwards
// (recon_state, recon_ours for the records it listed: settlement_recon_sql.cc).
#include <map>
#include <set>
#include <unordered_map>

#include "store/settlement_recon_live.h"
#include "store/sql_recon_store.h"

namespace repay::store {

using settlement::OurRecord;
using settlement::OurRecords;
using settlement::OurState;
using settlement::TxnType;

namespace {

// At most this much of the database file is mapped while a day is loaded (SQLite caps it at its
// own compile-time limit, 2 GiB in Debian's build); the rest is read as usual.
constexpr int64_t kLoadMmapBytes = int64_t{1} << 31;

constexpr const char* kFinal = "state IN ('SUCCESS', 'FAILED')";
constexpr const char* kOpen = "state IN ('SENDING', 'UNKNOWN', 'PENDING')";

// One source of our records: a batch item or a repayment (their DEBIT), or a refund (its REFUND).
struct Source {
  const char* table;
  TxnType type;
  const char* state_code;  // OurState as an integer, from the live columns
};

// kSuccess 0, kFailed 1, kForcedFailed 2, kPending 3 (reconcile.h).
const Source kSources[] = {
    {"batch_items", TxnType::kDebit,
     "CASE WHEN state = 'SUCCESS' THEN 0 WHEN state = 'FAILED' THEN (CASE WHEN forced = 1 THEN 2 "
     "ELSE 1 END) ELSE 3 END"},
    {"repayments", TxnType::kDebit,
     "CASE WHEN state = 'SUCCESS' THEN 0 WHEN state = 'FAILED' THEN 1 ELSE 3 END"},
    {"refunds", TxnType::kRefund,
     "CASE WHEN state = 'SUCCESS' THEN 0 WHEN state = 'FAILED' THEN 1 ELSE 3 END"},
};

// A day of one source: its finals by the CST day of finished_at, its open ones (finished_at is
// NULL: the (channel_id, finished_at) index finds them) by the day of updated_at. ?1 channel,
// ?2 <= time < ?3.
std::string day_query(const Source& s, bool finals) {
  std::string sql = std::string("SELECT req_sn, ") + s.state_code + ", debit_amount FROM " +
                    s.table + " WHERE channel_id = ?1 AND req_sn IS NOT NULL AND ";
  if (finals) {
    sql += std::string(kFinal) + " AND finished_at >= ?2 AND finished_at < ?3";
  } else {
    sql += std::string(kOpen) + " AND finished_at IS NULL AND updated_at >= ?2 AND updated_at < ?3";
  }
  return sql;
}

// What earlier runs kept about a record (recon_state).
struct Kept {
  int32_t line_day = -1;
  bool held = false;
};

// Looked up by a ReqSn's view without making a string of it.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
using KeptByReqSn = std::unordered_map<std::string, Kept, TextHash, std::equal_to<>>;

OurState state_of_code(int64_t v) {
  switch (v) {
    case 0: return OurState::kSuccess;
    case 1: return OurState::kFailed;
    case 2: return OurState::kForcedFailed;
    default: return OurState::kPending;
  }
}

int32_t day_of_yyyymmdd(int64_t v) {
  return settlement::day_number(Date(static_cast<unsigned short>(v / 10000),
                                     static_cast<unsigned short>(v / 100 % 100),
                                     static_cast<unsigned short>(v % 100)));
}

// Whether (channel, day) was reconciled before: a success of that day without a kept state was
// then matched by that day's line.
class Runs {
 public:
  Runs(Connection& c, const std::string& channel) : c_(c), channel_(channel) {}
  Result<bool> ran(int32_t day) {
    auto it = runs_.find(day);
    if (it != runs_.end()) return it->second;
    auto q = c_.prepare("SELECT 1 FROM recon_runs WHERE channel_id = ? AND date = ?");
    if (!q) return q.error();
    q->bind(1, channel_).bind(2, std::stoll(format_date(settlement::date_of_day(day))));
    auto row = q->step();
    if (!row) return row.error();
    runs_[day] = *row;
    return *row;
  }

 private:
  Connection& c_;
  std::string channel_;
  std::map<int32_t, bool> runs_;
};

Kept kept_from(const Stmt& q, int first) {  // columns first, first + 1: line_date, held
  Kept k;
  k.line_day = q.is_null(first) ? -1 : day_of_yyyymmdd(q.integer(first));
  k.held = q.integer(first + 1) != 0;
  return k;
}

// Sets what earlier runs found about r: its kept state, or for a success without one, that it
// was matched by its own day's run if there was one.
Status apply_kept(const Kept* k, Runs& runs, OurRecord* r) {
  r->has_state = k != nullptr;
  if (k) {
    r->line_day = k->line_day;
    r->held_before = k->held;
  } else if (r->state == OurState::kSuccess) {
    auto ran = runs.ran(r->day);
    if (!ran) return ran.error();
    if (*ran) r->line_day = r->day;
  }
  return ok_status();
}

}  // namespace

int32_t cst_day_of_ms(int64_t ms) {
  constexpr int64_t kDay = 86'400'000, kCst = 8 * 3'600'000;
  const int64_t v = ms + kCst;
  return static_cast<int32_t>(v >= 0 ? v / kDay : (v - kDay + 1) / kDay);
}

std::string live_by_req_sn_sql() {
  // One row at most (a ReqSn is unique per channel across every kind of call, channel-api.md),
  // found through each table's unique (channel_id, req_sn) index. Columns: type, state code,
  // amount the bank sees, finished_at, updated_at, source, center_id, principal.
  std::string sql;
  const char* letters[] = {"B", "R", "F"};
  for (size_t k = 0; k < 3; ++k) {
    const Source& s = kSources[k];
    if (k) sql += " UNION ALL ";
    sql += std::string("SELECT ") + (s.type == TxnType::kRefund ? "1" : "0") + ", " + s.state_code +
           ", debit_amount, finished_at, updated_at, '" + letters[k] + "', center_id, amount FROM " +
           s.table + " WHERE channel_id = ?1 AND req_sn = ?2 AND req_sn IS NOT NULL AND (" + kFinal +
           " OR " + kOpen + ")";
  }
  return sql;
}

Result<std::optional<LiveRecord>> live_by_req_sn(Stmt& q, const std::string& channel,
                                                 std::string_view sn) {
  q.reset().bind(1, channel).bind(2, sn);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<LiveRecord>();
  LiveRecord r;
  r.type = q.integer(0) == 1 ? TxnType::kRefund : TxnType::kDebit;
  r.state = state_of_code(q.integer(1));
  r.amount = q.integer(2);
  // Finals by the day they finished, open ones by the day they were last sent or changed.
  r.day = cst_day_of_ms(r.state == OurState::kPending || q.is_null(3) ? q.integer(4) : q.integer(3));
  r.source = q.text(5);
  r.center_id = q.text(6);
  r.principal = q.integer(7);
  return std::optional<LiveRecord>(std::move(r));
}

Result<OurRecords> SqlReconStore::load_ours(const std::string& channel, Date day) {
  auto c = pool_->acquire();
  // The day is read through a memory map of the file instead of a read() per page (the copies
  // out of the OS page cache were a fifth of the load's CPU; docs/performance.md, Channel
  // reconciliation); this connection's own setting comes back when the load ends.
  int64_t mmap_before = 0;
  {
    auto q = c->prepare("PRAGMA mmap_size");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    if (*row) mmap_before = q->integer(0);
  }
  REPAY_TRY(c->exec("PRAGMA mmap_size = " + std::to_string(kLoadMmapBytes)));
  // One read transaction: every query below sees the same snapshot of the live tables.
  if (auto begun = c->exec("BEGIN"); !begun) {
    (void)c->exec("PRAGMA mmap_size = " + std::to_string(mmap_before));
    return begun.error();
  }
  struct End {
    Connection& c;
    int64_t mmap_before;
    ~End() {
      (void)c.exec("COMMIT");
      (void)c.exec("PRAGMA mmap_size = " + std::to_string(mmap_before));
    }
  } end{*c, mmap_before};
  OurRecords out;
  Runs runs(*c, channel);
  const int32_t t = settlement::day_number(day);
  const int64_t start = to_unix_ms(cst_day_start(day));
  const int64_t stop = to_unix_ms(cst_day_start(day + boost::gregorian::days(1)));
  // What earlier runs kept about records of day T: rows of day T, and rows written while their
  // record was still processing (its day may have moved to T since). One pass over a few rows
  // instead of a look-up per record of the day.
  KeptByReqSn kept_of_day;
  {
    auto q = c->prepare(
        "SELECT req_sn, line_date, held FROM recon_state WHERE channel_id = ?1 AND day = ?2 "
        "UNION ALL SELECT req_sn, line_date, held FROM recon_state WHERE channel_id = ?1 AND "
        "moving = 1");
    if (!q) return q.error();
    q->bind(1, channel).bind(2, std::stoll(format_date(day)));
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      kept_of_day.emplace(q->text(0), kept_from(*q, 1));
    }
  }
  for (const auto& s : kSources) {
    for (bool finals : {true, false}) {
      auto q = c->prepare(day_query(s, finals));
      if (!q) return q.error();
      q->bind(1, channel).bind(2, start).bind(3, stop);
      for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) break;
        OurRecord r;
        r.req_sn = out.text.keep(q->text(0));
        r.type = s.type;
        r.state = state_of_code(q->integer(1));
        r.amount = q->integer(2);
        r.day = t;
        const Kept* k = nullptr;
        if (!kept_of_day.empty()) {
          auto it = kept_of_day.find(r.req_sn);
          if (it != kept_of_day.end()) k = &it->second;
        }
        REPAY_TRY(apply_kept(k, runs, &r));
        out.records.push_back(r);
      }
    }
  }

  // Earlier days' records still held in suspense or still processing, as they are now: a record
  // that has since moved to day T is read above already, one that moved past T waits for its day.
  auto kept = c->prepare(
      "SELECT req_sn, status, line_date, held FROM recon_state WHERE channel_id = ?1 AND "
      "status IN ('HELD', 'OPEN') AND day < ?2");
  if (!kept) return kept.error();
  kept->bind(1, channel).bind(2, std::stoll(format_date(day)));
  auto live = c->prepare(live_by_req_sn_sql());
  if (!live) return live.error();
  for (;;) {
    auto row = kept->step();
    if (!row) return row.error();
    if (!*row) break;
    const std::string sn = kept->text(0);
    auto got = live_by_req_sn(*live, channel, sn);
    if (!got) return got.error();
    if (!got->has_value() || (*got)->day >= t) continue;
    OurRecord r;
    r.req_sn = out.text.keep(sn);
    r.type = (*got)->type;
    r.state = (*got)->state;
    r.amount = (*got)->amount;
    r.day = (*got)->day;
    const Kept k = kept_from(*kept, 2);
    REPAY_TRY(apply_kept(&k, runs, &r));
    out.records.push_back(r);
  }
  return out;
}

Result<OurRecords> SqlReconStore::find_ours(const std::string& channel,
                                          const std::vector<std::string>& req_sns) {
  auto c = pool_->acquire();
  REPAY_TRY(c->exec("BEGIN"));
  struct End {
    Connection& c;
    ~End() { (void)c.exec("COMMIT"); }
  } end{*c};
  auto live = c->prepare(live_by_req_sn_sql());
  if (!live) return live.error();
  auto state = c->prepare(
      "SELECT line_date, held FROM recon_state WHERE channel_id = ? AND req_sn = ?");
  if (!state) return state.error();
  OurRecords out;
  Runs runs(*c, channel);
  std::set<std::string> seen;
  for (const auto& sn : req_sns) {
    if (!seen.insert(sn).second) continue;
    auto got = live_by_req_sn(*live, channel, sn);
    if (!got) return got.error();
    if (!got->has_value()) continue;  // not ours
    OurRecord r;
    r.req_sn = out.text.keep(sn);
    r.type = (*got)->type;
    r.state = (*got)->state;
    r.amount = (*got)->amount;
    r.day = (*got)->day;
    state->reset().bind(1, channel).bind(2, sn);
    auto row = state->step();
    if (!row) return row.error();
    std::optional<Kept> k;
    if (*row) k = kept_from(*state, 0);
    REPAY_TRY(apply_kept(k ? &*k : nullptr, runs, &r));
    out.records.push_back(r);
  }
  return out;
}

}  // namespace repay::store
