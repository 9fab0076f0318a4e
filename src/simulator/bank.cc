#include "simulator/bank.h"

namespace repay::sim {

std::string_view to_string(TxnStatus s) {
  switch (s) {
    case TxnStatus::kSuccess: return "SUCCESS";
    case TxnStatus::kFailed: return "FAILED";
    case TxnStatus::kProcessing: return "PROCESSING";
  }
  return "PROCESSING";
}

std::string ret_msg(std::string_view code) {
  static const std::map<std::string_view, std::string> kMsgs = {
      {"0000", "success"},
      {"1000", "duplicate ReqSn"},
      {"2000", "accepted, processing"},
      {"3001", "insufficient funds"},
      {"3002", "card invalid or closed"},
      {"3003", "details do not match"},
      {"3004", "over limit"},
      {"3005", "card frozen"},
      {"3006", "SMS code wrong"},
      {"3007", "SMS code expired or tries used up"},
      {"3099", "declined"},
      {"4001", "signature rejected"},
      {"9001", "busy, slow down"},
      {"9999", "system error"},
  };
  auto it = kMsgs.find(code);
  return it == kMsgs.end() ? std::string() : it->second;
}

std::string Answer::field(const std::string& name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return {};
}

Fields Answer::all_fields() const {
  Fields all = {{"TxCode", tx_code}, {"ReqSn", req_sn}, {"RetCode", ret_code}, {"RetMsg", ret_msg}};
  all.insert(all.end(), fields.begin(), fields.end());
  return all;
}

Bank::Bank(std::vector<Cardholder> book, std::vector<ChannelSpec> channels, BankSettings settings)
    : book_(std::move(book)), settings_(settings), rng_(settings.seed ^ 0x5eedu) {
  for (size_t i = 0; i < book_.size(); ++i) {
    by_card_[book_[i].debit_card] = i;
    totals_[book_[i].debit_card].initial = book_[i].balance;
  }
  for (ChannelSpec& c : channels) {
    std::string id = c.id;
    channels_[id].spec = std::move(c);
  }
}

Answer Bank::handle(const std::string& channel_id, const wire::XmlMessage& req, Instant now,
                    std::optional<std::chrono::milliseconds> late) {
  apply_due(now);
  Answer a;
  a.tx_code = req.get("TxCode").value_or("");
  a.req_sn = req.get("ReqSn").value_or("");
  auto decline = [&](std::string why) {
    a.ret_code = "3099";
    a.ret_msg = "declined: " + why;
    return a;
  };
  auto it = channels_.find(channel_id);
  if (it == channels_.end()) return decline("unknown channel");
  Channel& ch = it->second;
  if (a.req_sn.empty()) return decline("missing ReqSn");
  const std::string& tx = a.tx_code;
  if (const Transaction* t = ch.txns.find(a.req_sn)) {
    // channel-api.md: a retry of the same request is never executed again and answers 1000 with
    // the original's state; any other use of the ReqSn is refused.
    if (tx == "QUERY" || tx != t->tx_code) return reused(std::move(a), t->tx_code);
    Answer d = duplicate(*t);
    d.tx_code = a.tx_code;
    return d;
  }
  if (ch.query_sns.find(a.req_sn) != nullptr) return reused(std::move(a), "QUERY");
  if (tx == "VERIFY3") return verify3(ch, req, now);
  if (tx == "SIGNAPPLY") return sign_apply(ch, req, now);
  if (tx == "SIGNCONFIRM") return sign_confirm(ch, req, now);
  if (tx == "UNSIGN") return unsign(ch, req, now);
  if (tx == "DEBIT" || tx == "REFUND") return money(ch, req, now, late);
  if (tx == "QUERY") return query(ch, req);
  return decline("unknown TxCode");
}

Answer Bank::duplicate(const Transaction& t) const {
  Answer a;
  a.tx_code = t.tx_code;
  a.req_sn = t.req_sn;
  a.ret_code = "1000";
  a.ret_msg = ret_msg("1000");
  a.fields = {{"Status", std::string(to_string(t.status))},
              {"OrigRetCode", t.ret_code},
              {"OrigRetMsg", t.ret_msg}};
  if (!t.channel_txn_no.empty()) {
    a.fields.emplace_back("ChannelTxnNo", t.channel_txn_no);
    a.fields.emplace_back("Amount", format_amount(t.amount));
  }
  if (t.settle_date) a.fields.emplace_back("SettleDate", format_date(*t.settle_date));
  a.fields.insert(a.fields.end(), t.extra.begin(), t.extra.end());
  return a;
}

Answer Bank::reused(Answer a, const std::string& first_tx_code) const {
  a.ret_code = "1000";
  a.ret_msg = "duplicate ReqSn: already used by a " + first_tx_code;
  a.fields.clear();
  a.reused_by = first_tx_code;
  return a;
}

Transaction& Bank::register_txn(Channel& ch, const wire::XmlMessage& req, Instant now) {
  Transaction t;
  t.seq = next_seq_++;
  t.channel_id = ch.spec.id;
  t.req_sn = req.get("ReqSn").value_or("");
  t.tx_code = req.get("TxCode").value_or("");
  t.txn_time = now;
  t.ret_code = "2000";
  t.ret_msg = ret_msg("2000");
  std::string key = t.req_sn;
  return *ch.txns.emplace(key, std::move(t)).first;
}

Answer Bank::query(Channel& ch, const wire::XmlMessage& req) {
  Answer a;
  a.tx_code = "QUERY";
  a.req_sn = req.get("ReqSn").value_or("");
  // A QUERY's ReqSn is its own (channel-api.md): used once, like any other.
  ch.query_sns.emplace(a.req_sn, 0);
  auto orig = req.get("OrigReqSn");
  if (!orig) {
    a.ret_code = "3099";
    a.ret_msg = "declined: missing OrigReqSn";
    return a;
  }
  a.ret_code = "0000";
  a.ret_msg = ret_msg("0000");
  const Transaction* found = ch.txns.find(*orig);
  if (found == nullptr) {
    a.fields = {{"Status", "NOT_FOUND"}};
    return a;
  }
  const Transaction& t = *found;
  a.fields = {{"Status", std::string(to_string(t.status))}};
  if (t.status != TxnStatus::kProcessing) {
    a.fields.emplace_back("OrigRetCode", t.ret_code);
    a.fields.emplace_back("OrigRetMsg", t.ret_msg);
  }
  if (!t.channel_txn_no.empty()) {
    a.fields.emplace_back("ChannelTxnNo", t.channel_txn_no);
    a.fields.emplace_back("Amount", format_amount(t.amount));
  }
  if (t.settle_date) a.fields.emplace_back("SettleDate", format_date(*t.settle_date));
  return a;
}

void Bank::apply_due(Instant now) {
  // Registration order, so two refunds of one debit are judged in the order they came.
  std::vector<std::pair<std::string, std::string>> still;
  for (const auto& [channel_id, req_sn] : pending_) {
    Channel& ch = channels_.at(channel_id);
    Transaction& t = ch.txns.at(req_sn);
    if (t.due && *t.due <= now) {
      t.due.reset();
      execute(ch, t, now);
    } else {
      still.emplace_back(channel_id, req_sn);
    }
  }
  pending_.swap(still);
}

std::optional<Instant> Bank::next_due() const {
  std::optional<Instant> next;
  for (const auto& [channel_id, req_sn] : pending_) {
    const Transaction& t = channels_.at(channel_id).txns.at(req_sn);
    if (t.due && (!next || *t.due < *next)) next = t.due;
  }
  return next;
}

std::vector<Notification> Bank::take_notifications() {
  std::vector<Notification> out;
  out.swap(outbox_);
  return out;
}

const Transaction* Bank::find(const std::string& channel_id, const std::string& req_sn) const {
  auto ch = channels_.find(channel_id);
  if (ch == channels_.end()) return nullptr;
  return ch->second.txns.find(req_sn);
}

const Cardholder* Bank::cardholder(const std::string& card_no) const {
  auto it = by_card_.find(card_no);
  return it == by_card_.end() ? nullptr : &book_[it->second];
}

Date Bank::settle_date_of(Instant t) const {
  Date d = cst_date(t);
  if (t >= cst_time_on(d, settings_.cutover_hour * 60)) d += boost::gregorian::days(1);
  return d;
}

std::optional<std::string> Bank::sms_code(const std::string& mobile) const {
  auto it = sms_by_mobile_.find(mobile);
  if (it == sms_by_mobile_.end()) return std::nullopt;
  const auto& [channel_id, apply] = it->second;
  return channels_.at(channel_id).applies.at(apply).code;
}

bool Bank::expire_sms(const std::string& mobile, Instant now) {
  auto it = sms_by_mobile_.find(mobile);
  if (it == sms_by_mobile_.end()) return false;
  const auto& [channel_id, apply] = it->second;
  channels_.at(channel_id).applies.at(apply).expires = now;
  return true;
}

}  // namespace repay::sim
