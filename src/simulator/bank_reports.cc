// What the bank shows about itself: the statement of files.md, and the ledger and balances that
// tests read to prove nobody was debited or refunded twice.
#include <algorithm>

#include "core/mask.h"
#include "simulator/bank.h"

namespace repay::sim {

std::optional<std::string> Bank::statement(const std::string& channel_id, Date date,
                                           Instant now) const {
  Instant ready = cst_day_start(date + boost::gregorian::days(1)) +
                  std::chrono::hours(settings_.statement_ready_hours);
  auto ch = channels_.find(channel_id);
  if (ch == channels_.end() || now < ready) return std::nullopt;
  std::vector<const Transaction*> lines;
  for (const auto& [req_sn, t] : ch->second.txns) {
    if ((t.tx_code == "DEBIT" || t.tx_code == "REFUND") && t.status == TxnStatus::kSuccess &&
        t.settle_date == date) {
      lines.push_back(&t);
    }
  }
  std::sort(lines.begin(), lines.end(), [](const Transaction* a, const Transaction* b) {
    return a->txn_time != b->txn_time ? a->txn_time < b->txn_time : a->seq < b->seq;
  });
  Fen debits = 0;
  Fen refunds = 0;
  std::string body;
  for (const Transaction* t : lines) {
    (t->tx_code == "DEBIT" ? debits : refunds) += t->amount;
    body += "D|" + t->channel_txn_no + "|" + t->req_sn + "|" + t->tx_code + "|" +
            format_amount(t->amount) + "|" + format_cst_timestamp(t->txn_time) + "\n";
  }
  return "H|" + channel_id + "|" + format_date(date) + "|" + std::to_string(lines.size()) + "|" +
         format_amount(debits) + "|" + format_amount(refunds) + "\n" + body;
}

std::string Bank::ledger() const {
  std::string out;
  for (const auto& [channel_id, req_sn] : order_) {
    const Transaction& t = channels_.at(channel_id).txns.at(req_sn);
    out += t.channel_id + "|" + t.req_sn + "|" + t.tx_code + "|" +
           std::string(to_string(t.status)) + "|" + format_amount(t.amount) + "|" +
           t.channel_txn_no + "|" + (t.settle_date ? format_date(*t.settle_date) : "") + "|" +
           (t.card.empty() ? "" : mask_card(t.card)) + "|" + std::to_string(t.executed) + "\n";
  }
  return out;
}

std::string Bank::balances() const {
  std::string out;
  for (const Cardholder& c : book_) {
    const CardTotals& tot = totals_.at(c.debit_card);
    out += c.debit_card + "|" + format_amount(tot.initial) + "|" + format_amount(c.balance) + "|" +
           format_amount(tot.debited) + "|" + format_amount(tot.refunded) + "\n";
  }
  return out;
}

}  // namespace repay::sim
