// VERIFY3, SIGNAPPLY, SIGNCONFIRM, UNSIGN (channel-api.md, Requests).
#include <cstdio>

#include "simulator/bank.h"

namespace repay::sim {
namespace {

constexpr int kSmsTries = 5;  // codes.md 1006: at most 5 tries per signing

Answer reply(const Transaction& t, Fields fields = {}) {
  Answer a;
  a.tx_code = t.tx_code;
  a.req_sn = t.req_sn;
  a.ret_code = t.ret_code;
  a.ret_msg = t.ret_msg;
  a.fields = std::move(fields);
  return a;
}

}  // namespace

// The checks of VERIFY3 and SIGNAPPLY, in the order a bank makes them.
std::pair<std::string, Cardholder*> Bank::check_holder(const wire::XmlMessage& req) {
  for (const char* f : {"Name", "IdType", "IdNo", "CardNo"}) {
    if (!req.has(f)) return {std::string("3099:missing ") + f, nullptr};
  }
  auto it = by_card_.find(*req.get("CardNo"));
  if (it == by_card_.end()) return {"3002", nullptr};
  Cardholder& c = book_[it->second];
  if (c.state == CardState::kClosed) return {"3002", &c};
  if (c.state == CardState::kFrozen) return {"3005", &c};
  if (*req.get("Name") != c.name || *req.get("IdType") != c.id_type ||
      *req.get("IdNo") != c.id_no) {
    return {"3003", &c};
  }
  return {"0000", &c};
}

void Bank::finish(Transaction& t, TxnStatus status, std::string code, std::string msg) {
  t.status = status;
  t.ret_code = std::move(code);
  t.ret_msg = msg.empty() ? ret_msg(t.ret_code) : std::move(msg);
  if (t.tx_code != "DEBIT" && t.tx_code != "REFUND") return;
  Notification n;
  n.channel_id = t.channel_id;
  n.fields = {{"TxCode", t.tx_code},       {"ReqSn", t.req_sn},
              {"Status", std::string(to_string(status))},
              {"RetCode", t.ret_code},     {"RetMsg", t.ret_msg},
              {"ChannelTxnNo", t.channel_txn_no}, {"Amount", format_amount(t.amount)},
              {"SettleDate", t.settle_date ? format_date(*t.settle_date) : std::string()}};
  outbox_.push_back(std::move(n));
}

namespace {
// "3099:missing Name" -> ("3099", "declined: missing Name"); "3002" -> ("3002", "").
std::pair<std::string, std::string> split_code(const std::string& c) {
  auto colon = c.find(':');
  if (colon == std::string::npos) return {c, ""};
  return {c.substr(0, colon), "declined: " + c.substr(colon + 1)};
}
}  // namespace

Answer Bank::verify3(Channel& ch, const wire::XmlMessage& req, Instant now) {
  Transaction& t = register_txn(ch, req, now);
  auto [code, msg] = split_code(check_holder(req).first);
  finish(t, code == "0000" ? TxnStatus::kSuccess : TxnStatus::kFailed, code, msg);
  return reply(t);
}

Answer Bank::sign_apply(Channel& ch, const wire::XmlMessage& req, Instant now) {
  Transaction& t = register_txn(ch, req, now);
  auto [full, holder] = check_holder(req);
  auto [code, msg] = split_code(full);
  if (code == "0000" && !req.has("Mobile")) std::tie(code, msg) = split_code("3099:missing Mobile");
  if (code == "0000" && *req.get("Mobile") != holder->mobile) code = "3003";
  if (code != "0000") {
    finish(t, TxnStatus::kFailed, code, msg);
    return reply(t);
  }
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06u", static_cast<unsigned>(rng_() % 1000000));
  SmsApply apply{holder->debit_card, holder->mobile, digits, now + settings_.sms_ttl, 0, ""};
  ch.applies[t.req_sn] = apply;
  sms_by_mobile_[holder->mobile] = {ch.spec.id, t.req_sn};
  t.card = holder->debit_card;
  finish(t, TxnStatus::kSuccess, "0000", "");
  return reply(t);
}

Answer Bank::sign_confirm(Channel& ch, const wire::XmlMessage& req, Instant now) {
  Transaction& t = register_txn(ch, req, now);
  auto orig = req.get("OrigReqSn");
  auto code = req.get("SmsCode");
  auto it = orig ? ch.applies.find(*orig) : ch.applies.end();
  if (!code || it == ch.applies.end()) {
    finish(t, TxnStatus::kFailed, "3099", !code ? "declined: missing SmsCode"
                                                : "declined: no such SIGNAPPLY");
    return reply(t);
  }
  SmsApply& apply = it->second;
  t.card = apply.card;
  // channel-api.md: a repeat with the right code for a confirmed signing gets the same ProtocolNo.
  if (!apply.protocol_no.empty() && *code == apply.code) {
    t.extra = {{"ProtocolNo", apply.protocol_no}};
    finish(t, TxnStatus::kSuccess, "0000", "");
    return reply(t, t.extra);
  }
  if (apply.protocol_no.empty() && (now >= apply.expires || apply.wrong_tries >= kSmsTries)) {
    finish(t, TxnStatus::kFailed, "3007", "");
    return reply(t);
  }
  if (*code != apply.code) {
    // The 5th wrong code uses up the tries: 3007 from then on.
    if (apply.protocol_no.empty()) ++apply.wrong_tries;
    bool used_up = apply.protocol_no.empty() && apply.wrong_tries >= kSmsTries;
    finish(t, TxnStatus::kFailed, used_up ? "3007" : "3006", "");
    return reply(t);
  }
  // One active protocol per card and channel: signing again returns it.
  for (const auto& [no, p] : ch.protocols) {
    if (p.active && p.card == apply.card) apply.protocol_no = no;
  }
  if (apply.protocol_no.empty()) {
    char no[40];
    std::snprintf(no, sizeof no, "%sP%010llu", ch.spec.id.c_str(),
                  static_cast<unsigned long long>(next_seq_));
    apply.protocol_no = no;
    ch.protocols[apply.protocol_no] = Protocol{apply.card, true};
  }
  t.extra = {{"ProtocolNo", apply.protocol_no}};
  finish(t, TxnStatus::kSuccess, "0000", "");
  return reply(t, t.extra);
}

Answer Bank::unsign(Channel& ch, const wire::XmlMessage& req, Instant now) {
  Transaction& t = register_txn(ch, req, now);
  auto no = req.get("ProtocolNo");
  if (!no) {
    finish(t, TxnStatus::kFailed, "3099", "declined: missing ProtocolNo");
    return reply(t);
  }
  // Idempotent: an unknown or already cancelled protocol also answers 0000 (docs/simulator.md).
  if (auto it = ch.protocols.find(*no); it != ch.protocols.end()) {
    it->second.active = false;
    t.card = it->second.card;
  }
  finish(t, TxnStatus::kSuccess, "0000", "");
  return reply(t);
}

}  // namespace repay::sim
