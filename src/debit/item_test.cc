// debit::next(): every transition of the debit state machine (item.h), pure.
#include "debit/item.h"

#include <doctest/doctest.h>

#include "core/codes.h"

namespace repay::debit {
namespace {

using K = BankFact::Kind;
using T = Transition::Kind;
using enum ItemState;
constexpr LateState kLateUnresolved = LateState::kUnresolved;
constexpr LateState kLateDebited = LateState::kDebited;
constexpr LateState kLateNotDebited = LateState::kNotDebited;

constexpr Fen kDebit = 10'200;

ItemView item(ItemState state, bool forced = false, LateState late = LateState::kNone) {
  ItemView v;
  v.state = state;
  v.forced = forced;
  v.late_state = late;
  v.debit_amount = kDebit;
  return v;
}

BankFact fact(K kind, const char* code = "") {
  BankFact f;
  f.kind = kind;
  f.code = code;
  if (kind == K::kSuccess) {
    f.channel_txn_no = "CT1";
    f.settle_date = "20261121";
  }
  return f;
}

BankFact success_of(Fen amount) {
  BankFact f = fact(K::kSuccess);
  f.amount = amount;
  return f;
}

TEST_CASE("SENDING: each answer moves the item") {
  SUBCASE("success -> SUCCESS 0000") {
    auto t = next(item(kSending), fact(K::kSuccess), true);
    CHECK(t.kind == T::kApply);
    CHECK(t.state == kSuccess);
    CHECK(t.resp_code == codes::kSuccess);
  }
  SUBCASE("success with the amount we sent -> SUCCESS") {
    auto t = next(item(kSending), success_of(kDebit), true);
    CHECK(t.kind == T::kApply);
    CHECK(t.state == kSuccess);
  }
  SUBCASE("failed -> FAILED with our code") {
    auto t = next(item(kSending), fact(K::kFailed, codes::kInsufficientFunds), true);
    CHECK(t.kind == T::kApply);
    CHECK(t.state == kFailed);
    CHECK(t.resp_code == codes::kInsufficientFunds);
  }
  SUBCASE("unknown -> UNKNOWN, no code") {
    auto t = next(item(kSending), fact(K::kUnknown), true);
    CHECK(t.kind == T::kApply);
    CHECK(t.state == kUnknown);
    CHECK(t.resp_code.empty());
  }
  SUBCASE("busy -> PENDING (sent again later, same ReqSn)") {
    auto t = next(item(kSending), fact(K::kBusy), true);
    CHECK(t.kind == T::kApply);
    CHECK(t.state == kPending);
    CHECK(t.resp_code.empty());
  }
  SUBCASE("not sent -> PENDING") {
    auto t = next(item(kSending), fact(K::kNotSent), true);
    CHECK(t.kind == T::kApply);
    CHECK(t.state == kPending);
  }
  SUBCASE("not found (a query racing the answer) changes nothing") {
    CHECK(next(item(kSending), fact(K::kNotFound), true).kind == T::kNone);
  }
}

TEST_CASE("UNKNOWN: resolved by query or notification") {
  CHECK(next(item(kUnknown), fact(K::kSuccess), true).state == kSuccess);
  auto failed = next(item(kUnknown), fact(K::kFailed, codes::kCardFrozen), true);
  CHECK(failed.state == kFailed);
  CHECK(failed.resp_code == codes::kCardFrozen);
  CHECK(next(item(kUnknown), fact(K::kUnknown), true).kind == T::kNone);  // still unknown
  // Busy/not-sent only concern a call in flight; an UNKNOWN item is not resent on them.
  CHECK(next(item(kUnknown), fact(K::kBusy), true).kind == T::kNone);
  CHECK(next(item(kUnknown), fact(K::kNotSent), true).kind == T::kNone);
}

TEST_CASE("UNKNOWN + NOT_FOUND: resent before the force-fail time only") {
  auto before = next(item(kUnknown), fact(K::kNotFound), true);
  CHECK(before.kind == T::kApply);
  CHECK(before.state == kPending);
  // channel-api.md: never sent again after its force-fail time.
  CHECK(next(item(kUnknown), fact(K::kNotFound), false).kind == T::kNone);
}

TEST_CASE("PENDING: a notification of a final state is applied") {
  CHECK(next(item(kPending), fact(K::kSuccess), true).state == kSuccess);
  CHECK(next(item(kPending), fact(K::kFailed, codes::kCardInvalid), true).state == kFailed);
  CHECK(next(item(kPending), fact(K::kNotFound), true).kind == T::kNone);
  CHECK(next(item(kPending), fact(K::kBusy), true).kind == T::kNone);
  CHECK(next(item(kPending), fact(K::kUnknown), true).kind == T::kNone);
}

TEST_CASE("final states: a contradicting fact is an exception, a repeat changes nothing") {
  CHECK(next(item(kSuccess), fact(K::kFailed, codes::kInsufficientFunds), true).kind == T::kException);
  CHECK(next(item(kFailed), fact(K::kSuccess), true).kind == T::kException);
  CHECK(next(item(kRejected), fact(K::kSuccess), true).kind == T::kException);

  CHECK(next(item(kSuccess), fact(K::kSuccess), true).kind == T::kNone);
  CHECK(next(item(kSuccess), success_of(kDebit), false).kind == T::kNone);
  CHECK(next(item(kFailed), fact(K::kFailed, codes::kInsufficientFunds), true).kind == T::kNone);
  for (K k : {K::kUnknown, K::kBusy, K::kNotFound, K::kNotSent}) {
    CAPTURE(static_cast<int>(k));
    CHECK(next(item(kSuccess), fact(k), true).kind == T::kNone);
    CHECK(next(item(kFailed), fact(k), true).kind == T::kNone);
    CHECK(next(item(kRejected), fact(k), true).kind == T::kNone);
  }
}

TEST_CASE("an amount that differs from what we sent is an exception, whatever the state") {
  for (ItemState s : {kSending, kUnknown, kPending, kSuccess}) {
    CAPTURE(to_text(s));
    auto t = next(item(s), success_of(kDebit + 1), true);
    CHECK(t.kind == T::kException);
    CHECK(t.why.find(std::to_string(kDebit + 1)) != std::string::npos);
  }
  CHECK(next(item(kFailed, true, kLateUnresolved), success_of(kDebit - 1), false).kind ==
        T::kException);
}

TEST_CASE("forced and UNRESOLVED: what the bank did is recorded, the item stays failed") {
  const ItemView forced = item(kFailed, true, kLateUnresolved);
  SUBCASE("success -> DEBITED and a refund proposal") {
    auto t = next(forced, fact(K::kSuccess), false);
    CHECK(t.kind == T::kLate);
    CHECK(t.late_state == kLateDebited);
    CHECK(t.propose_refund);
    CHECK(t.state != kSuccess);  // never turned into a success
  }
  SUBCASE("success with the right amount, before the force-fail time too") {
    auto t = next(forced, success_of(kDebit), true);
    CHECK(t.kind == T::kLate);
    CHECK(t.late_state == kLateDebited);
  }
  SUBCASE("failed / not found / not sent -> NOT_DEBITED, no refund") {
    for (K k : {K::kFailed, K::kNotFound, K::kNotSent}) {
      CAPTURE(static_cast<int>(k));
      auto t = next(forced, fact(k, codes::kInsufficientFunds), false);
      CHECK(t.kind == T::kLate);
      CHECK(t.late_state == kLateNotDebited);
      CHECK_FALSE(t.propose_refund);
    }
  }
  SUBCASE("unknown / busy: still unresolved") {
    CHECK(next(forced, fact(K::kUnknown), false).kind == T::kNone);
    CHECK(next(forced, fact(K::kBusy), false).kind == T::kNone);
  }
}

TEST_CASE("forced and resolved") {
  SUBCASE("NOT_DEBITED then a success: exception") {
    auto t = next(item(kFailed, true, kLateNotDebited), fact(K::kSuccess), false);
    CHECK(t.kind == T::kException);
  }
  SUBCASE("NOT_DEBITED then the statement lists it debited: the statement stands, DEBITED") {
    BankFact listed = fact(K::kSuccess);
    listed.statement = true;
    auto t = next(item(kFailed, true, kLateNotDebited), listed, false);
    CHECK(t.kind == T::kLate);
    CHECK(t.late_state == kLateDebited);
    CHECK(t.propose_refund);
    // Listed again (a re-run): nothing more.
    CHECK(next(item(kFailed, true, kLateDebited), listed, false).kind == T::kNone);
  }
  SUBCASE("NOT_DEBITED then the same again: nothing") {
    CHECK(next(item(kFailed, true, kLateNotDebited), fact(K::kNotFound), false).kind == T::kNone);
    CHECK(next(item(kFailed, true, kLateNotDebited), fact(K::kFailed, "1001"), false).kind ==
          T::kNone);
  }
  SUBCASE("DEBITED then the success again: nothing (one refund proposal only)") {
    CHECK(next(item(kFailed, true, kLateDebited), fact(K::kSuccess), false).kind == T::kNone);
  }
  SUBCASE("DEBITED then a decline: exception") {
    auto t = next(item(kFailed, true, kLateDebited), fact(K::kFailed, "1001"), false);
    CHECK(t.kind == T::kException);
  }
  SUBCASE("DEBITED then not found / unknown: nothing") {
    CHECK(next(item(kFailed, true, kLateDebited), fact(K::kNotFound), false).kind == T::kNone);
    CHECK(next(item(kFailed, true, kLateDebited), fact(K::kUnknown), false).kind == T::kNone);
  }
}

// Bug: a PENDING item that had been sent (busy, or UNKNOWN -> NOT_FOUND) is force-failed 3002
// with no late_state; should the bank debit it after all (a delayed request), the success was
// dropped silently: the cardholder debited and nobody told.
TEST_CASE("forced 3002 (late_state empty) then a success: DEBITED and a refund proposal") {
  auto t = next(item(kFailed, true, LateState::kNone), fact(K::kSuccess), false);
  CHECK(t.kind == T::kLate);
  CHECK(t.late_state == kLateDebited);
  CHECK(t.propose_refund);
  // Anything else about such an item changes nothing.
  for (K k : {K::kFailed, K::kUnknown, K::kBusy, K::kNotFound, K::kNotSent}) {
    CAPTURE(static_cast<int>(k));
    CHECK(next(item(kFailed, true, LateState::kNone), fact(k), false).kind == T::kNone);
  }
}

// The texts are the SQL columns' values: each reads back as itself, and a text that is none of
// them is an error naming it, never a guess.
TEST_CASE("item and late states: text and back") {
  for (ItemState s : {kRejected, kPending, kSending, kUnknown, kSuccess, kFailed}) {
    auto back = item_state_from_text(to_text(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
  CHECK(std::string(to_text(kPending)) == "PENDING");
  CHECK(std::string(to_text(kRejected)) == "REJECTED");
  for (LateState s : {LateState::kNone, kLateUnresolved, kLateDebited, kLateNotDebited}) {
    auto back = late_state_from_text(to_text(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
  CHECK(std::string(to_text(LateState::kNone)).empty());
  CHECK(std::string(to_text(kLateNotDebited)) == "NOT_DEBITED");
  for (const char* bad : {"", "pending", "SENT", "PENDING "}) {
    auto r = item_state_from_text(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().value == bad);
  }
  auto late = late_state_from_text("LATE");
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().value == "LATE");
}

}  // namespace
}  // namespace repay::debit
