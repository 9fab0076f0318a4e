#include "debit/item.h"

#include "core/codes.h"

namespace repay::debit {

namespace {

Transition apply(const char* state, std::string code, std::string why) {
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
    if (f.kind == K::kSuccess && item.late_state == kLateNotDebited) {
      if (!f.statement) {
        return exception("bank reports a debit of a force-failed item already resolved as not debited");
      }
      // The statement lists what the bank settled: it was debited whatever an answer said before.
      Transition t;
      t.kind = Transition::Kind::kLate;
      t.late_state = kLateDebited;
      t.propose_refund = true;
      t.why = "listed debited by the statement, though an earlier answer said not debited";
      return t;
    }
    if (f.kind == K::kFailed && item.late_state == kLateDebited) {
      return exception("bank reports a decline of a force-failed item already resolved as debited");
    }
    // late_state "" (3002): no DEBIT of it can have been executed (never sent, or only answers
    // proving it unregistered); should the bank debit it all the same, that is refunded too.
    const bool unsent_debited = item.late_state.empty() && f.kind == K::kSuccess;
    if (item.late_state != kLateUnresolved && !unsent_debited) return {};
    Transition t;
    t.kind = Transition::Kind::kLate;
    switch (f.kind) {
      case K::kSuccess:
        t.late_state = kLateDebited;
        t.propose_refund = true;
        t.why = f.statement ? "listed debited by the statement" : "debited after the force-fail time";
        return t;
      case K::kFailed:
      case K::kNotFound:
      case K::kNotSent:
        t.late_state = kLateNotDebited;
        t.why = f.kind == K::kFailed ? "declined after the force-fail time" : "never registered by the bank";
        return t;
      default:
        return {};
    }
  }
  const std::string& s = item.state;
  if (s == kSuccess || s == kFailed || s == kRejected) {
    if (f.kind == K::kSuccess && s != kSuccess) return exception("bank reports a debit of an item we hold " + s);
    if (f.kind == K::kFailed && s == kSuccess) return exception("bank reports a decline of an item we hold SUCCESS");
    return {};  // a repeat of what is stored, or nothing final
  }
  switch (f.kind) {
    case K::kSuccess:
      return apply(kSuccess, codes::kSuccess, "debited");
    case K::kFailed:
      return apply(kFailed, f.code, "declined by the bank");
    case K::kUnknown:
      if (s == kSending) return apply(kUnknown, "", "outcome unknown: " + f.detail);
      return {};
    case K::kBusy:
    case K::kNotSent:
      if (s == kSending) return apply(kPending, "", "not registered: " + f.detail);
      return {};
    case K::kNotFound:
      // channel-api.md: resend (same ReqSn) only after QUERY answered NOT_FOUND, and never after
      // the force-fail time.
      if (s == kUnknown && before_force_fail) return apply(kPending, "", "bank never registered it");
      return {};
  }
  return {};
}

}  // namespace repay::debit
