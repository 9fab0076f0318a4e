// What real-time repayments and refunds need from the store. As everywhere: claims and state
// changes are conditional updates, the ReqSn is stored before any channel call, and a final state
// that must be notified is written with its outbox row in the same transaction.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "debit/item.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "realtime/refund_state.h"

namespace repay::realtime {

// A repayment as the card center sees it: real time ("R") or a batch item ("B").
struct RepaymentView {
  std::string source;       // "R" or "B"
  std::string center_id;
  std::string req_no;       // R: the ReqNo; B: "" (batch items are asked for by TxnNo)
  std::string txn_no;       // "" when refused before acceptance
  debit::ItemState state = debit::ItemState::kPending;
  std::string resp_code;
  Fen amount = 0;
  Fen cardholder_fee = 0;
  Fen debit_amount = 0;
  Instant finished_at{};
  bool answered_processing = false;
  bool forced = false;      // B: force-failed (stays FAILED 3001/3002 for the card center)
  std::string channel_id;
  std::string req_sn;
  Instant last_look_at{};
  int query_count = 0;
  std::string notify_url;
};

struct RefundView {
  std::string refund_no;    // "" when refused
  std::string center_id;
  std::string origin;       // CENTER or US
  std::string reason;       // US only
  std::string req_no;       // CENTER only
  std::string orig_txn_no;
  RefundState state = RefundState::kPending;
  std::string resp_code;
  Fen amount = 0;           // principal refunded
  Fen cardholder_fee = 0;   // fee going back to the card with it
  Fen debit_amount = 0;     // what goes back to the card
  Instant finished_at{};
  bool answered_processing = false;
  std::string channel_id;
  std::string req_sn;
  std::string orig_req_sn;
  int query_count = 0;
  std::string notify_url;
};

struct NewRepayment {
  std::string center_id;
  std::string req_no;
  std::string canonical;    // only its keyed hash is stored
  std::string agreement_no;
  std::string channel_id;
  Fen amount = 0;
  Fen fee = 0;
  Fen cardholder_fee = 0;
  Fen debit_amount = 0;
  std::string fee_rule;
  std::string notify_url;
  std::string reject_code;  // non-empty: refused by a value check, stored FAILED with it
};

// What a DEBIT needs from the agreement (decrypted by the store).
struct DebitFields {
  std::string kind;
  std::string protocol_no;
  std::string card_no;
  std::string name;
  std::string id_type;
  std::string id_no;
};

struct RepayClaim {
  enum class Kind { kNew, kExisting, kConflict };
  Kind kind = Kind::kNew;
  RepaymentView view;
  DebitFields debit;  // kNew
};

struct NewRefund {
  std::string center_id;
  std::string req_no;
  std::string canonical;
  std::string orig_txn_no;
  Fen amount = 0;
  std::string notify_url;
  std::string reject_code;  // non-empty: refused before any check of the original (2005)
};

struct RefundClaim {
  enum class Kind { kNew, kExisting, kConflict };
  Kind kind = Kind::kNew;
  RefundView view;  // kNew: SENDING with its ReqSn; or REFUSED with 2008/2009
};

// Background work: what to send or ask again.
struct Work {
  enum class Kind { kQueryRepay, kResendRepay, kQueryRefund, kSendRefund };
  Kind kind = Kind::kQueryRepay;
  std::string key;          // TxnNo or RefundNo
  std::string channel_id;
  std::string req_sn;       // of the DEBIT or REFUND
  std::string query_req_sn; // kQuery*: the QUERY's own ReqSn, fresh, stored before the call
  std::string orig_req_sn;  // refunds: the DEBIT's
  Fen amount = 0;           // what the call carries
  int query_count = 0;
  DebitFields debit;        // kResendRepay
};

class RealtimeStore {
 public:
  virtual ~RealtimeStore() = default;

  virtual Result<RepayClaim> claim_repayment(const NewRepayment& r, Instant now,
                                             const std::string& node) = 0;
  // Applies a fact about the DEBIT (debit::next() with no force-fail); a final state answered
  // PROCESSING before is notified (outbox row in the same transaction). Returns the view after.
  // A success of another amount than the one sent (channel-api.md: never silently accepted)
  // makes an open repayment FAILED 3001 and raises one exception for staff, however often the
  // channel repeats it.
  virtual Result<RepaymentView> apply_repayment_fact(const std::string& txn_no,
                                                     const debit::BankFact& fact, Instant retry_at,
                                                     Instant now, const std::string& actor) = 0;
  // Marks that the card center was told PROCESSING, if it is still not final (one conditional
  // update, so a result arriving at the same moment is either told or notified, never lost).
  virtual Result<RepaymentView> answer_processing(const std::string& txn_no, Instant now) = 0;
  // The card center was told PROCESSING although answer_processing() could not store that (the
  // store busy): marks it now, and a repayment final by then is notified (outbox row in the same
  // transaction) — as it would have been, had the mark been stored first. Nothing when it was
  // marked already.
  virtual Result<RepaymentView> told_processing(const std::string& txn_no, Instant now) = 0;
  virtual Result<std::optional<RepaymentView>> repayment_by_req_no(const std::string& center,
                                                                   const std::string& req_no) = 0;
  // Real-time repayments and batch items of the center.
  virtual Result<std::optional<RepaymentView>> repayment_by_txn_no(const std::string& center,
                                                                   const std::string& txn_no) = 0;

  virtual Result<RefundClaim> claim_refund(const NewRefund& r, Instant now,
                                           const std::string& node) = 0;
  // Applies a fact about a REFUND; every final refund is notified; a failed one frees its share
  // of the ceiling.
  virtual Result<RefundView> apply_refund_fact(const std::string& refund_no,
                                               const debit::BankFact& fact, Instant retry_at,
                                               Instant now, const std::string& actor) = 0;
  virtual Result<RefundView> answer_refund_processing(const std::string& refund_no, Instant now) = 0;
  virtual Result<std::optional<RefundView>> refund_by_req_no(const std::string& center,
                                                             const std::string& req_no) = 0;
  virtual Result<std::optional<RefundView>> refund_by_no(const std::string& center,
                                                         const std::string& refund_no) = 0;

  // SENDING repayments and refunds of this node become UNKNOWN (queried before any resend).
  virtual Result<int64_t> recover_realtime(const std::string& node, Instant now) = 0;
  // Due work, leased until now + lease. A query gets a fresh ReqSn of its own (query_req_sn).
  virtual Result<std::vector<Work>> claim_realtime_work(Instant now, int max,
                                                        std::chrono::milliseconds lease,
                                                        const std::string& node) = 0;
  // Group commit (docs/performance.md, Real time): runs `write` — at once on this thread, or
  // later on another one, batched with other writes in one transaction (so `write` captures what
  // it uses by value); the store's commits in it may skip their own sync. `then(true)` follows —
  // perhaps later, on another thread — once they are on disk; only then may anyone be told about
  // them (an answer, a DEBIT sent, an acknowledgement). `then(false)`: the commit or the sync
  // failed, perhaps before `write` ran at all; tell nothing. By default every commit syncs by
  // itself, so `then(true)` follows `write` at once.
  virtual void write_then(const std::function<void()>& write, std::function<void(bool)> then) {
    write();
    then(true);
  }
  // True when write_then() only queues `write` for another thread (group commit), so a thread
  // that must never wait on the database (the channel client's) may call it.
  virtual bool write_then_queues() const { return false; }
  // A fresh ReqSn for a QUERY of our own (unique per channel across all TxCodes).
  virtual Result<std::string> fresh_req_sn() = 0;
  // Which real-time transaction a ReqSn of a channel belongs to: {"REPAY"|"REFUND", key}.
  virtual Result<std::optional<std::pair<std::string, std::string>>> realtime_by_req_sn(
      const std::string& channel, const std::string& req_sn) = 0;
};

}  // namespace repay::realtime
