// What the bank shows about itself: the statement of files.md, and the ledger and balances that
// tests read to prove nobody was debited or refunded twice.
#include <algorithm>
#include <cstdio>

#include "core/mask.h"
#include "simulator/bank.h"

namespace repay::sim {

std::optional<std::string> Bank::statement(const std::string& channel_id, Date date,
                                           Instant now, const StatementFaults& faults) const {
  Instant ready = cst_day_start(date + boost::gregorian::days(1)) +
                  std::chrono::hours(settings_.statement_ready_hours);
  auto ch = channels_.find(channel_id);
  if (ch == channels_.end() || now < ready) return std::nullopt;
  std::vector<const Transaction*> lines;
  std::vector<std::pair<const std::string*, const Transaction*>> declines;
  ch->second.txns.for_each([&](const std::string& req_sn, const Transaction& t) {
    if (t.tx_code != "DEBIT" && t.tx_code != "REFUND") return;
    if (t.status == TxnStatus::kSuccess && t.settle_date == date) {
      lines.push_back(&t);
    } else if (faults.declined_every > 0 && t.status == TxnStatus::kFailed &&
               cst_date(t.txn_time) == date) {
      declines.emplace_back(&req_sn, &t);
    }
  });
  // A bank that lists every n-th declined transaction as done: n-th in ReqSn order, so the
  // same seed lists the same ones whatever the order of the hashed map.
  std::sort(declines.begin(), declines.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (size_t i = 0; i < declines.size(); ++i) {
    if ((i + 1) % static_cast<size_t>(faults.declined_every) == 0) lines.push_back(declines[i].second);
  }
  std::sort(lines.begin(), lines.end(), [](const Transaction* a, const Transaction* b) {
    return a->txn_time != b->txn_time ? a->txn_time < b->txn_time : a->seq < b->seq;
  });
  Fen debits = 0;
  Fen refunds = 0;
  size_t count = 0;
  std::string body;
  auto line = [&](const std::string& txn_no, const std::string& req_sn, const std::string& code,
                  Fen amount, Instant at) {
    (code == "DEBIT" ? debits : refunds) += amount;
    ++count;
    body += "D|" + txn_no + "|" + req_sn + "|" + code + "|" + format_amount(amount) + "|" +
            format_cst_timestamp(at) + "\n";
  };
  auto every = [](int n, size_t k) { return n > 0 && k % static_cast<size_t>(n) == 0; };
  size_t k = 0;
  for (const Transaction* t : lines) {
    ++k;
    if (every(faults.omit_every, k)) continue;
    const Fen amount = t->amount + (every(faults.amount_every, k) ? 1 : 0);
    line(t->channel_txn_no, t->req_sn, t->tx_code, amount, t->txn_time);
    if (every(faults.dup_every, k)) line(t->channel_txn_no, t->req_sn, t->tx_code, amount, t->txn_time);
  }
  for (int i = 1; i <= faults.unknown_lines; ++i) {
    char sn[32];
    std::snprintf(sn, sizeof sn, "RSX%011d", i);
    char txn[32];
    std::snprintf(txn, sizeof txn, "X%s%06d", format_date(date).c_str(), i);
    line(txn, sn, "DEBIT", 100 * i, cst_time_on(date, 12 * 60));
  }
  return "H|" + channel_id + "|" + format_date(date) + "|" + std::to_string(count) + "|" +
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
