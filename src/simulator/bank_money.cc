// DEBIT and REFUND (channel-api.md, Requests): registered by ReqSn before anything else, executed
// at once or, when "processing", at due time; money moves at most once per ReqSn.
#include "simulator/bank.h"

#include <cstdio>

#include "core/validate.h"

namespace repay::sim {

Answer Bank::money(Channel& ch, const wire::XmlMessage& req, Instant now,
                   std::optional<std::chrono::milliseconds> late) {
  Transaction& t = register_txn(ch, req, now);
  char no[48];
  std::snprintf(no, sizeof no, "%s%s%08llu", ch.spec.id.c_str(), format_date(cst_date(now)).c_str(),
                static_cast<unsigned long long>(t.seq % 100000000));
  t.channel_txn_no = no;
  t.amount = parse_amount(req.get("Amount").value_or("")).value_or(0);
  t.request = req;
  if (t.tx_code == "REFUND") {
    t.orig_req_sn = req.get("OrigReqSn").value_or("");
    if (const Transaction* o = ch.txns.find(t.orig_req_sn)) t.card = o->card;
  } else if (auto card = req.get("CardNo")) {
    t.card = *card;
  } else if (auto p = ch.protocols.find(req.get("ProtocolNo").value_or(""));
             p != ch.protocols.end()) {
    t.card = p->second.card;
  }
  order_.emplace_back(ch.spec.id, t.req_sn);
  if (late) {
    t.due = now + *late;
    pending_.emplace_back(ch.spec.id, t.req_sn);
  } else {
    execute(ch, t, now);
  }
  return money_answer(t);
}

void Bank::execute(Channel& ch, Transaction& t, Instant now) {
  t.txn_time = now;
  if (t.tx_code == "DEBIT") execute_debit(ch, t, now);
  else execute_refund(ch, t, now);
  t.request = {};
}

void Bank::execute_debit(Channel& ch, Transaction& t, Instant now) {
  const wire::XmlMessage& req = t.request;
  auto fail = [&](const char* code, std::string msg = {}) {
    finish(t, TxnStatus::kFailed, code, std::move(msg));
  };
  if (t.amount <= 0) return fail("3099", "declined: invalid Amount");
  Cardholder* c = nullptr;
  if (ch.spec.kind == ChannelKind::kQuick) {
    auto no = req.get("ProtocolNo");
    if (!no) return fail("3099", "declined: missing ProtocolNo");
    auto p = ch.protocols.find(*no);
    if (p == ch.protocols.end() || !p->second.active) {
      return fail("3099", "declined: no active protocol");
    }
    c = &book_[by_card_.at(p->second.card)];
    if (c->state == CardState::kClosed) return fail("3002");
    if (c->state == CardState::kFrozen) return fail("3005");
  } else {
    auto [code, holder] = check_holder(req);
    if (code != "0000") {
      auto colon = code.find(':');
      if (colon == std::string::npos) return fail(code.c_str());
      return fail("3099", "declined: " + code.substr(colon + 1));
    }
    c = holder;
  }
  if (t.amount > c->limit) return fail("3004");
  if (t.amount > c->balance) return fail("3001");
  c->balance -= t.amount;
  totals_[c->debit_card].debited += t.amount;
  ++t.executed;
  t.settle_date = settle_date_of(now);
  finish(t, TxnStatus::kSuccess, "0000", "");
}

void Bank::execute_refund(Channel& ch, Transaction& t, Instant now) {
  auto fail = [&](const char* code, std::string msg = {}) {
    finish(t, TxnStatus::kFailed, code, std::move(msg));
  };
  Transaction* o = ch.txns.find(t.orig_req_sn);
  if (t.orig_req_sn.empty() || o == nullptr || o->tx_code != "DEBIT" ||
      o->status != TxnStatus::kSuccess) {
    return fail("3099", "declined: original debit not found or not successful");
  }
  Transaction& debit = *o;
  if (t.amount <= 0) return fail("3099", "declined: invalid Amount");
  // channel-api.md: the refunds of one debit never add up to more than its amount.
  if (t.amount > debit.amount - debit.refunded) {
    return fail("3004", "over limit: more than the refundable amount");
  }
  Cardholder& c = book_[by_card_.at(debit.card)];
  c.balance += t.amount;
  totals_[c.debit_card].refunded += t.amount;
  debit.refunded += t.amount;
  ++t.executed;
  t.settle_date = settle_date_of(now);
  finish(t, TxnStatus::kSuccess, "0000", "");
}

Answer Bank::money_answer(const Transaction& t) const {
  Answer a;
  a.tx_code = t.tx_code;
  a.req_sn = t.req_sn;
  a.ret_code = t.ret_code;
  a.ret_msg = t.ret_msg;
  a.fields = {{"ChannelTxnNo", t.channel_txn_no}};
  if (t.settle_date) a.fields.emplace_back("SettleDate", format_date(*t.settle_date));
  return a;
}

}  // namespace repay::sim
