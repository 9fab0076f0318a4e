#include "debit/item.h"

#include <array>

#include "core/codes.h"
#include "core/enum_text.h"

namespace repay::debit {

namespace {

constexpr std::array<EnumText<ItemState>, 6> kItemStates{{
    {ItemState::kRejected, "REJECTED"},
    {ItemState::kPending, "PENDING"},
    {ItemState::kSending, "SENDING"},
    {ItemState::kUnknown, "UNKNOWN"},
    {ItemState::kSuccess, "SUCCESS"},
    {ItemState::kFailed, "FAILED"},
}};

constexpr std::array<EnumText<LateState>, 4> kLateStates{{
    {LateState::kNone, ""},
    {LateState::kUnresolved, "UNRESOLVED"},
    {LateState::kDebited, "DEBITED"},
    {LateState::kNotDebited, "NOT_DEBITED"},
}};

Transition apply(ItemState state, std::string code, std::string why) {
  Transition t;
  t.kind = Transition::Kind::kApply;
  t.state = state;
  t.resp_code = std::move(code);
  t.why = std::move(why);
  return t;
}

Transition exception(std::string why) {
  Transition t;
  t.kind = Transition::Kind::kException;
  t.why = std::move(why);
  return t;
}

bool amount_differs(const ItemView& item, const BankFact& f) {
  return f.amount >= 0 && f.amount != item.debit_amount;
}

}  // namespace

const char* to_text(ItemState s) { return text_in(kItemStates, s); }
Result<ItemState> item_state_from_text(std::string_view text) {
  return parse_in(kItemStates, text, "item state");
}
const char* to_text(LateState s) { return text_in(kLateStates, s); }
Result<LateState> late_state_from_text(std::string_view text) {
  return parse_in(kLateStates, text, "late state");
}

bool is_final(ItemState s) {
  return s == ItemState::kSuccess || s == ItemState::kFailed || s == ItemState::kRejected;
}

Transition next(const ItemView& item, const BankFact& f, bool before_force_fail) {
  using K = BankFact::Kind;
  if (f.kind == K::kSuccess && amount_differs(item, f)) {
    // channel-api.md: an amount that differs from what we sent is never silently accepted.
    return exception("bank reports a debit of " + std::to_string(f.amount) + " fen, we sent " +
                     std::to_string(item.debit_amount));
  }
  if (item.forced) {
    // files.md: a force-failed item stays failed for the card center; only what the bank did
    // is recorded, and a debit is refunded after review.
    if (f.kind == K::kSuccess && item.late_state == LateState::kNotDebited) {
      if (!f.statement) {
        return exception("bank reports a debit of a force-failed item already resolved as not debited");
      }
      // The statement lists what the bank settled: it was debited whatever an answer said before.
      Transition t;
      t.kind = Transition::Kind::kLate;
      t.late_state = LateState::kDebited;
      t.propose_refund = true;
      t.why = "listed debited by the statement, though an earlier answer said not debited";
      return t;
    }
    if (f.kind == K::kFailed && item.late_state == LateState::kDebited) {
      return exception("bank reports a decline of a force-failed item already resolved as debited");
    }
    // late_state "" (3002): no DEBIT of it can have been executed (never sent, or only answers
    // proving it unregistered); should the bank debit it all the same, that is refunded too.
    const bool unsent_debited = item.late_state == LateState::kNone && f.kind == K::kSuccess;
    if (item.late_state != LateState::kUnresolved && !unsent_debited) return {};
    Transition t;
    t.kind = Transition::Kind::kLate;
    switch (f.kind) {
      case K::kSuccess:
        t.late_state = LateState::kDebited;
        t.propose_refund = true;
        t.why = f.statement ? "listed debited by the statement" : "debited after the force-fail time";
        return t;
      case K::kFailed:
      case K::kNotFound:
      case K::kNotSent:
        t.late_state = LateState::kNotDebited;
        t.why = f.kind == K::kFailed ? "declined after the force-fail time" : "never registered by the bank";
        return t;
      default:
        return {};
    }
  }
  using S = ItemState;
  const ItemState s = item.state;
  if (s == S::kSuccess || s == S::kFailed || s == S::kRejected) {
    if (f.kind == K::kSuccess && s != S::kSuccess) {
      return exception(std::string("bank reports a debit of an item we hold ") + to_text(s));
    }
    if (f.kind == K::kFailed && s == S::kSuccess) return exception("bank reports a decline of an item we hold SUCCESS");
    return {};  // a repeat of what is stored, or nothing final
  }
  switch (f.kind) {
    case K::kSuccess:
      return apply(S::kSuccess, codes::kSuccess, "debited");
    case K::kFailed:
      return apply(S::kFailed, f.code, "declined by the bank");
    case K::kUnknown:
      if (s == S::kSending) return apply(S::kUnknown, "", "outcome unknown: " + f.detail);
      return {};
    case K::kBusy:
    case K::kNotSent:
      if (s == S::kSending) return apply(S::kPending, "", "not registered: " + f.detail);
      return {};
    case K::kNotFound:
      // channel-api.md: resend (same ReqSn) only after QUERY answered NOT_FOUND, and never after
      // the force-fail time.
      if (s == S::kUnknown && before_force_fail) return apply(S::kPending, "", "bank never registered it");
      return {};
  }
  return {};
}

}  // namespace repay::debit
