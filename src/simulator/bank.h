// The simulated bank, pure: the book of cardholders, signing protocols and SMS codes, the
// transactions registered by ReqSn and their ledger, for several channels. Driven by parsed
// ChannelRequest messages and instants given by the caller; it reads no clock, opens no socket.
// Not thread-safe: the HTTP adapter holds one mutex around it.
//
// Rules (channel-api.md, from the bank's side):
// - A ReqSn registered on a channel (any TxCode but QUERY) is never executed again: a retry of
//   the same TxCode gets RetCode 1000 with the original's Status, OrigRetCode and fields.
// - ReqSn is unique per channel across all TxCodes, QUERY's own included (a QUERY has a fresh
//   one): a QUERY whose ReqSn was already used by any request, or a request reusing a ReqSn of
//   another TxCode or of a QUERY, is refused like a strict bank: RetCode 1000 "duplicate ReqSn"
//   with no Status, nothing executed, and Answer::reused set (the gateway logs it).
// - A DEBIT or REFUND accepted "processing" answers 2000 and is executed at now + late by
//   apply_due(); until then QUERY says PROCESSING.
// - Every DEBIT and REFUND that reaches a final state queues a ChannelNotify (take_notifications).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "simulator/faults.h"
#include "simulator/book.h"
#include "simulator/sharded_map.h"
#include "wire/xml.h"

namespace repay::sim {

using Fields = std::vector<std::pair<std::string, std::string>>;

enum class ChannelKind { kCollect, kQuick };

struct ChannelSpec {
  std::string id;           // channelId: X-Sender-Id of what the bank sends
  ChannelKind kind = ChannelKind::kCollect;
  std::string merchant_id;  // the MerchantId it accepts
};

struct BankSettings {
  uint64_t seed = 1;                              // SMS codes come from it
  int cutover_hour = 23;                          // from HH:00 CST the SettleDate is the next day
  std::chrono::seconds sms_ttl{300};
  int statement_ready_hours = 2;                  // statement of D served from (D+1) 00:00 + N h
};

// A ChannelResponse: TxCode, ReqSn, RetCode, RetMsg and the TxCode's fields.
struct Answer {
  std::string tx_code;
  std::string req_sn;
  std::string ret_code;
  std::string ret_msg;
  Fields fields;
  // A reuse of a ReqSn that is not a retry of the same DEBIT/REFUND/signing call: the TxCode
  // that used it first (refused 1000, see above); "" otherwise.
  std::string reused_by;
  std::string field(const std::string& name) const;  // "" when absent
  Fields all_fields() const;                         // the four above first, then `fields`
};

// A ChannelNotify to POST to the processor for channel_id.
struct Notification {
  std::string channel_id;
  Fields fields;  // TxCode, ReqSn, Status, RetCode, RetMsg, ChannelTxnNo, Amount, SettleDate
};

enum class TxnStatus { kSuccess, kFailed, kProcessing };
std::string_view to_string(TxnStatus s);

// A registered ReqSn.
struct Transaction {
  uint64_t seq = 0;            // registration order
  std::string channel_id;
  std::string req_sn;
  std::string tx_code;
  TxnStatus status = TxnStatus::kProcessing;
  std::string ret_code;        // the final code ("2000" while processing)
  std::string ret_msg;
  Fen amount = 0;              // DEBIT, REFUND
  std::string channel_txn_no;  // DEBIT, REFUND
  std::optional<Date> settle_date;  // successful DEBIT, REFUND
  Instant txn_time{};          // when executed (money moved or declined)
  std::string card;            // debit card concerned, "" when unknown
  std::string orig_req_sn;     // REFUND: the DEBIT's ReqSn
  Fen refunded = 0;            // DEBIT: sum of successful refunds
  int executed = 0;            // times money moved for this ReqSn: 0 or 1, never more
  Fields extra;                // answer fields to repeat with 1000 (ProtocolNo)
  std::optional<Instant> due;  // processing: when to execute
  wire::XmlMessage request;    // processing: the request to execute then
};

class Bank {
 public:
  Bank(std::vector<Cardholder> book, std::vector<ChannelSpec> channels, BankSettings settings);

  // Executes one ChannelRequest on channel_id. With `late`, a DEBIT or REFUND is answered 2000
  // and executed at now + *late (other TxCodes ignore it). An unknown channel answers 3099.
  Answer handle(const std::string& channel_id, const wire::XmlMessage& request, Instant now,
                std::optional<std::chrono::milliseconds> late = std::nullopt);
  // Executes the processing transactions due at or before now.
  void apply_due(Instant now);
  std::optional<Instant> next_due() const;
  // The notifications queued since the last call, oldest first.
  std::vector<Notification> take_notifications();

  // files.md "Statement" for channel_id and SettleDate date; nullopt while not ready.
  // `faults` makes it disagree with the ledger on purpose (faults.h, StatementFaults).
  std::optional<std::string> statement(const std::string& channel_id, Date date, Instant now,
                                       const StatementFaults& faults = {}) const;
  // Lines <channelId>|<reqSn>|<type>|<status>|<amount>|<channelTxnNo>|<settleDate>|<cardMasked>|
  // <executedCount> for every DEBIT and REFUND, in registration order.
  std::string ledger() const;
  // Lines <debitCard>|<initialBalance>|<balance>|<debited>|<refunded> per card of the book.
  std::string balances() const;
  std::string book_file() const { return format_book(book_); }

  // The latest SMS code sent to mobile (nullopt: none).
  std::optional<std::string> sms_code(const std::string& mobile) const;
  // Expires the latest code of mobile at now; false when there is none.
  bool expire_sms(const std::string& mobile, Instant now);

  const Transaction* find(const std::string& channel_id, const std::string& req_sn) const;
  const Cardholder* cardholder(const std::string& card_no) const;
  Date settle_date_of(Instant t) const;
  const BankSettings& settings() const { return settings_; }

 private:
  struct SmsApply {
    std::string card;
    std::string mobile;
    std::string code;
    Instant expires{};
    int wrong_tries = 0;
    std::string protocol_no;  // set once confirmed
  };
  struct Protocol {
    std::string card;
    bool active = true;
  };
  struct Channel {
    ChannelSpec spec;
    // By ReqSn. Hashed: a million ReqSn sharing their first digits made the ordered map's
    // string comparisons a tenth of the simulator's CPU under load (docs/performance.md); in
    // shards, so that its growth never holds the bank's mutex for long (sharded_map.h).
    ShardedMap<Transaction> txns;
    std::map<std::string, SmsApply> applies;        // by the SIGNAPPLY's ReqSn
    std::map<std::string, Protocol> protocols;      // by ProtocolNo
    ShardedMap<char> query_sns;                     // every QUERY's own ReqSn
  };
  struct CardTotals {
    Fen initial = 0;
    Fen debited = 0;
    Fen refunded = 0;
  };

  // bank.cc
  Answer duplicate(const Transaction& t) const;
  Answer reused(Answer a, const std::string& first_tx_code) const;
  Transaction& register_txn(Channel& ch, const wire::XmlMessage& req, Instant now);
  Answer query(Channel& ch, const wire::XmlMessage& req);
  // bank_signing.cc: VERIFY3, SIGNAPPLY, SIGNCONFIRM, UNSIGN
  std::pair<std::string, Cardholder*> check_holder(const wire::XmlMessage& req);
  Answer verify3(Channel& ch, const wire::XmlMessage& req, Instant now);
  Answer sign_apply(Channel& ch, const wire::XmlMessage& req, Instant now);
  Answer sign_confirm(Channel& ch, const wire::XmlMessage& req, Instant now);
  Answer unsign(Channel& ch, const wire::XmlMessage& req, Instant now);
  // bank_money.cc: DEBIT, REFUND
  Answer money(Channel& ch, const wire::XmlMessage& req, Instant now,
               std::optional<std::chrono::milliseconds> late);
  void execute(Channel& ch, Transaction& t, Instant now);
  void execute_debit(Channel& ch, Transaction& t, Instant now);
  void execute_refund(Channel& ch, Transaction& t, Instant now);
  void finish(Transaction& t, TxnStatus status, std::string code, std::string msg);
  Answer money_answer(const Transaction& t) const;

  std::vector<Cardholder> book_;
  std::unordered_map<std::string, size_t> by_card_;
  std::unordered_map<std::string, CardTotals> totals_;
  std::map<std::string, Channel> channels_;
  BankSettings settings_;
  std::mt19937_64 rng_;
  uint64_t next_seq_ = 1;
  // (channel, ReqSn) of every DEBIT/REFUND. A deque: growing never moves the million entries a
  // long run holds (a vector's doubling did, under the bank's mutex).
  std::deque<std::pair<std::string, std::string>> order_;
  std::vector<std::pair<std::string, std::string>> pending_;  // the processing ones, in order
  std::map<std::string, std::pair<std::string, std::string>> sms_by_mobile_;  // -> (channel, apply)
  std::vector<Notification> outbox_;
};

// The RetMsg the simulator gives with one of the channel's codes (codes.md, "Channel's").
std::string ret_msg(std::string_view code);

}  // namespace repay::sim
