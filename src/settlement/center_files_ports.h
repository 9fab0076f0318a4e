// What the card-center side files of T+1 settlement (files.md: Reconciliation file mode 1, Posting
// file mode 2, Settlement file, Fee statement) need from the store. Day T of a transaction is the
// CST calendar day of our finish time (common.md). Reads never change anything; writes are one
// transaction each, guarded by unique keys so that every re-run is idempotent.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "settlement/posting.h"

namespace repay::settlement {

// One D line of a RECON file (files.md, Reconciliation file mode 1).
struct ReconLine {
  std::string txn_no;        // the repayment's; for a refund, the refunded repayment's
  bool refund = false;       // type REFUND, else REPAY
  std::string source;        // "B" or "R" (a refund: its repayment's)
  std::string batch_no;      // "" for R
  std::string ref;           // itemId (B) or ReqNo (R) of a repayment; RefundNo of a refund
  Fen amount = 0;            // principal (refunded)
  Fen fee = 0;               // cardholder fee (returned with the refund)
  Fen debit_amount = 0;      // amount + fee: taken from / given back to the card
  Instant finished_at{};
};

struct ReconTotals {
  int64_t repay_count = 0;
  Fen repay_amount = 0;
  int64_t refund_count = 0;
  Fen refund_amount = 0;
  bool operator==(const ReconTotals&) const = default;
};

// A posting file as received (name, content hash and its checked header).
struct PostingFileInfo {
  std::string center_id;
  Date post_date;
  std::string file_name;
  std::string sha256;
  int64_t header_count = 0;
  Fen header_amount = 0;
};

// posting_files.status: USED (its lines count), REJECTED (broke the rules of files.md; the card
// center must send it again), NOT_USED (a second good file for a day that already has one).
inline constexpr const char* kPostingUsed = "USED";
inline constexpr const char* kPostingRejected = "REJECTED";
inline constexpr const char* kPostingNotUsed = "NOT_USED";

struct PostingRecord {
  int64_t id = 0;
  std::string status;
  int version = 0;           // n-th file received for (center, date), rejected ones included
  std::string error;         // REJECTED: why
};

// How the lines of a stored posting file were classified (PostingClass).
struct PostingCounts {
  int64_t matched = 0;
  Fen matched_amount = 0;
  int64_t amount_differs = 0;
  int64_t duplicate = 0;
  int64_t not_ours = 0;
  int64_t after_one_sided = 0;
  int64_t exceptions() const { return amount_differs + duplicate + not_ours + after_one_sided; }
};

struct PostingStored {
  PostingRecord record;
  bool already = false;      // the very same file (name and SHA-256) was stored before: nothing new
  PostingCounts counts;
};

struct RepayFigures {
  int64_t count = 0;
  Fen amount = 0;
};

// What awaits settlement staff for a card center when a SETTLE file is built
// (docs/decisions.md, Settlement files).
struct ReviewCounts {
  int64_t pending_review = 0;  // our refund proposals in PENDING_REVIEW
  int64_t exceptions = 0;      // OPEN exceptions
};

// The SETTLE file of a (center, day): recorded once (files.md, Once). `version` is 1, or the
// latest of a database that kept versions before issue 16.
struct SettleVersion {
  int version = 0;
  std::string file_name;
  std::string header;
  bool created = false;      // true when this call recorded it; false: recorded before
};

struct RecordedRecon {
  ReconTotals totals;        // the figures of the RECON file
  bool created = false;      // true when this call recorded them
};

// Sums of one day T and channel kind for the FEE statement (files.md, Fee statement).
struct FeeRow {
  Date day;
  std::string kind;          // COLLECT or QUICK
  int64_t count = 0;         // successful repayments
  Fen amount = 0;            // their principal
  Fen fee = 0;               // their fee
  Fen returned_fee = 0;      // fee returned by successful refunds of that day
};

class CenterFilesStore {
 public:
  virtual ~CenterFilesStore() = default;

  // --- RECON (mode 1) ---
  // Successes of day T of the center (batch items and real time) and the center's own successful
  // refunds of day T; never a force-failed item, its late debit or any refund of it, never a
  // refund we started (origin US). Errors: "DB" (a sum that overflows int64 included).
  virtual Result<ReconTotals> recon_totals(const std::string& center, Date day) = 0;
  // The same transactions, repayments first (by finish time, TxnNo), then refunds (by finish time,
  // RefundNo): the bytes of a RECON file depend only on the store. Stops at f's first error.
  virtual Status for_each_recon_line(const std::string& center, Date day,
                                     const std::function<Status(const ReconLine&)>& f) = 0;
  // files.md, Once: the RECON file of (center, day) has one set of figures for good. Records
  // `totals` unless figures are recorded already, and returns the recorded ones.
  virtual Result<RecordedRecon> record_recon_file(const std::string& center, Date day,
                                                  const ReconTotals& totals, Instant now) = 0;
  // The recorded figures of day T's RECON file; none before it was first built.
  virtual Result<std::optional<ReconTotals>> recorded_recon(const std::string& center, Date day) = 0;

  // --- POST (mode 2) ---
  virtual Result<std::optional<PostingRecord>> find_posting_file(const std::string& center,
                                                                 const std::string& file_name,
                                                                 const std::string& sha256) = 0;
  // Records a file that broke the rules (not used). Once per (center, name, SHA-256).
  virtual Result<PostingRecord> record_posting_rejection(const PostingFileInfo& f,
                                                         const std::string& error, Instant now) = 0;
  using PostingSink = std::function<Status(const PostingLine&)>;
  // Stores a checked file and its lines (read_lines feeds them to the sink) in one transaction,
  // each line classified by classify_posting_line(): the first line with a TxnNo of a success of
  // ours takes it for good (posting_matches); every class but kMatched opens an exception. A second
  // good file for a day that already has a USED one is stored NOT_USED (an exception says so).
  // The very same file again: `already`, nothing changes.
  virtual Result<PostingStored> store_posting_file(
      const PostingFileInfo& f, const std::function<Status(const PostingSink&)>& read_lines,
      Instant now, const std::string& actor) = 0;
  virtual Result<bool> has_used_posting_file(const std::string& center, Date day) = 0;
  // files.md: every success of day T of the center whose TxnNo no posting line took becomes a
  // ONE_SIDED refund proposal (PENDING_REVIEW) of what is still refundable, once per TxnNo.
  // Returns how many proposals this call created. The caller decides when day T is due
  // (one_sided_due()).
  virtual Result<int64_t> propose_one_sided(const std::string& center, Date day, Instant now,
                                            const std::string& actor) = 0;

  // --- SETTLE ---
  // Mode 2: the lines of day T's USED posting file that matched our successes.
  virtual Result<RepayFigures> posted_figures(const std::string& center, Date day) = 0;
  virtual Result<ReviewCounts> review_counts(const std::string& center) = 0;
  // files.md, Once: records `header` as the SETTLE file of (center, day) under
  // settle_file_name(center, day) unless one is recorded already; returns the recorded one
  // (created false: recorded before, whatever `header` says now).
  virtual Result<SettleVersion> record_settle_file(const std::string& center, Date day,
                                                   const std::string& header, Instant now) = 0;

  // --- FEE ---
  // Per day T of the month and channel kind (of the agreement): successful repayments whose fee
  // the card center pays (fee rule payer CENTER; force-failed items never), and the fees returned
  // by successful refunds of them with day T in the month. Rows in (day, kind) order; a (day, kind)
  // may come as one row or several (the builder adds them up).
  virtual Result<std::vector<FeeRow>> fee_rows(const std::string& center, int year,
                                               int month) = 0;
};

}  // namespace repay::settlement
