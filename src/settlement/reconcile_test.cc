// reconcile(): every class, across days, duplicates, each record consumed once, each line used once.
#include <deque>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "settlement/reconcile.h"

namespace repay::settlement {
namespace {

constexpr int32_t kT = 20000;  // day T (days since epoch)
constexpr int kSuspense = 3;

// Owns the ReqSn texts the records and lines point to.
struct Fixture {
  std::deque<std::string> texts;
  std::vector<OurRecord> ours;
  std::vector<StatementLine> lines;
  uint32_t next_line = 2;

  std::string_view text(const std::string& s) { return texts.emplace_back(s); }
  OurRecord& our(const std::string& sn, Fen amount, OurState st, int32_t day = kT,
                 TxnType type = TxnType::kDebit) {
    OurRecord r;
    r.req_sn = text(sn);
    r.amount = amount;
    r.state = st;
    r.day = day;
    r.type = type;
    ours.push_back(r);
    return ours.back();
  }
  void line(const std::string& sn, Fen amount, TxnType type = TxnType::kDebit) {
    StatementLine l;
    l.req_sn = text(sn);
    l.channel_txn_no = text("C" + sn);
    l.amount = amount;
    l.type = type;
    l.line_no = next_line++;
    lines.push_back(l);
  }
  Reconciliation run(int32_t day = kT) { return reconcile(ours, lines, day, kSuspense); }
};

// Class of the outcome about ReqSn `sn` (the first one listed).
std::multimap<std::string, Class> by_sn(const Reconciliation& r) {
  std::multimap<std::string, Class> m;
  for (const auto& o : r.outcomes) {
    std::string sn(o.our ? o.our->req_sn : o.line->req_sn);
    m.emplace(sn, o.cls);
  }
  return m;
}

TEST_CASE("reconcile: every class of one day") {
  Fixture f;
  f.our("A_match", 100, OurState::kSuccess);
  f.line("A_match", 100);
  f.our("B_forced", 200, OurState::kForcedFailed);
  f.line("B_forced", 200);
  f.our("C_failed", 300, OurState::kFailed);
  f.line("C_failed", 300);
  f.our("D_pending", 400, OurState::kPending);
  f.line("D_pending", 400);
  f.our("E_missing", 500, OurState::kSuccess);
  f.our("F_amount", 600, OurState::kSuccess);
  f.line("F_amount", 601);
  f.line("G_unknown", 700);
  f.our("H_dup", 800, OurState::kSuccess);
  f.line("H_dup", 800);
  f.line("H_dup", 800);
  f.our("I_refund_failed", 90, OurState::kFailed, kT, TxnType::kRefund);
  f.line("I_refund_failed", 90, TxnType::kRefund);
  f.our("J_refund_ok", 91, OurState::kSuccess, kT, TxnType::kRefund);
  f.line("J_refund_ok", 91, TxnType::kRefund);
  f.our("K_refund_missing", 92, OurState::kSuccess, kT, TxnType::kRefund);
  f.our("L_failed_quiet", 93, OurState::kFailed);
  f.our("M_forced_quiet", 94, OurState::kForcedFailed);
  f.our("N_open", 95, OurState::kPending);
  f.our("O_type", 96, OurState::kSuccess);
  f.line("O_type", 96, TxnType::kRefund);
  f.our("P_refund_pending", 97, OurState::kPending, kT, TxnType::kRefund);
  f.line("P_refund_pending", 97, TxnType::kRefund);

  auto r = f.run();
  auto m = by_sn(r);
  CHECK(m.count("A_match") == 0);  // plain match: counted, not listed
  CHECK(r.count(Class::kMatched) == 3);  // A, H (first line), J
  CHECK(m.find("B_forced")->second == Class::kLateSuccess);
  CHECK(m.find("C_failed")->second == Class::kDebitedOursFailed);
  CHECK(m.find("D_pending")->second == Class::kBankDoneOursPending);
  CHECK(m.find("P_refund_pending")->second == Class::kBankDoneOursPending);
  CHECK(m.find("E_missing")->second == Class::kSuspense);
  CHECK(m.find("K_refund_missing")->second == Class::kSuspense);
  CHECK(m.find("F_amount")->second == Class::kAmountDiffers);
  CHECK(m.find("G_unknown")->second == Class::kUnknownReqSn);
  CHECK(m.count("H_dup") == 1);
  CHECK(m.find("H_dup")->second == Class::kDuplicateLine);
  CHECK(m.find("I_refund_failed")->second == Class::kRefundContradicts);
  CHECK(m.find("N_open")->second == Class::kStillOpen);
  CHECK(m.find("O_type")->second == Class::kTypeDiffers);
  CHECK(m.count("L_failed_quiet") == 0);
  CHECK(r.count(Class::kNotMoved) == 2);

  // Every record consumed exactly once, every line used exactly once.
  int64_t total = 0;
  for (auto c : r.counts) total += c;
  // records + lines that have no record + extra duplicate lines
  CHECK(total == static_cast<int64_t>(f.ours.size()) + 1 + 1);
  std::map<const StatementLine*, int> line_uses;
  for (const auto& o : r.outcomes) {
    if (o.line) ++line_uses[o.line];
  }
  for (const auto& [l, n] : line_uses) CHECK(n == 1);
}

TEST_CASE("reconcile: suspense across days, then OURS_MISSING after the suspense days") {
  for (int32_t age = 0; age <= 4; ++age) {
    Fixture f;
    f.our("S1", 100, OurState::kSuccess, kT - age).held_before = age > 0;
    auto r = f.run();
    CAPTURE(age);
    REQUIRE(r.outcomes.size() == 1);
    CHECK(r.outcomes[0].cls == (age >= kSuspense ? Class::kOursMissing : Class::kSuspense));
  }
}

TEST_CASE("reconcile: a held success confirmed by a later day's line is released") {
  Fixture f;
  f.our("S1", 100, OurState::kSuccess, kT - 1).held_before = true;
  f.line("S1", 100);
  auto r = f.run();
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0].cls == Class::kReleased);
  CHECK(r.outcomes[0].line->req_sn == "S1");
}

TEST_CASE("reconcile: a record of another day matched by this day's line is listed (remembered)") {
  Fixture f;
  f.our("X", 100, OurState::kSuccess, kT + 1);  // finished after midnight, settled on T
  f.line("X", 100);
  auto r = f.run();
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0].cls == Class::kMatched);
}

TEST_CASE("reconcile: matched records stay matched on a re-run; another day's line is a duplicate") {
  Fixture f;
  f.our("M1", 100, OurState::kSuccess).line_day = kT;      // matched by T's first version
  f.our("M2", 100, OurState::kSuccess).line_day = kT;      // the replaced statement lacks it
  f.line("M1", 100);
  f.our("M3", 100, OurState::kSuccess, kT - 1).line_day = kT - 1;  // matched by T-1 already
  f.line("M3", 100);
  auto r = f.run();
  auto m = by_sn(r);
  CHECK(m.count("M1") == 0);
  CHECK(m.count("M2") == 0);
  CHECK(r.count(Class::kMatched) == 1);
  CHECK(r.count(Class::kMatchedBefore) == 1);
  CHECK(m.find("M3")->second == Class::kDuplicateLine);
}

TEST_CASE("reconcile: a duplicate of a line without our record is one unknown and one duplicate") {
  Fixture f;
  f.line("U", 100);
  f.line("U", 100);
  auto r = f.run();
  CHECK(r.count(Class::kUnknownReqSn) == 1);
  CHECK(r.count(Class::kDuplicateLine) == 1);
  // The first line (by line number) is the one used.
  for (const auto& o : r.outcomes) {
    if (o.cls == Class::kUnknownReqSn) CHECK(o.line->line_no == 2);
  }
}

TEST_CASE("reconcile: amounts are compared before a proposal or a success is made") {
  Fixture f;
  f.our("F", 100, OurState::kForcedFailed);
  f.line("F", 99);
  f.our("P", 100, OurState::kPending);
  f.line("P", 101);
  auto r = f.run();
  CHECK(r.count(Class::kAmountDiffers) == 2);
  CHECK(r.count(Class::kLateSuccess) == 0);
  CHECK(r.count(Class::kBankDoneOursPending) == 0);
}

TEST_CASE("reconcile: large input in any order (the threaded sort) matches everything once") {
  Fixture f;
  const int n = 150'000;
  for (int k = 0; k < n; ++k) f.our("RS" + std::to_string(1'000'000 + (k * 7919) % n), 100, OurState::kSuccess);
  for (int k = n - 1; k >= 0; --k) f.line("RS" + std::to_string(1'000'000 + k), 100);
  auto r = f.run();
  CHECK(r.count(Class::kMatched) == n);
  CHECK(r.outcomes.empty());
}

TEST_CASE("reconcile: ReqSns alike in their first 16 characters, or prefixes of each other, are "
          "told apart; of one ReqSn's lines the first is used") {
  Fixture f;
  const std::string p16 = "ABCDEFGHIJKLMNOP";  // the sort key's prefix: the rest of the text decides
  f.our(p16 + "2", 200, OurState::kSuccess);
  f.our(p16, 100, OurState::kSuccess);
  f.our(p16 + "1", 300, OurState::kForcedFailed);
  f.our("ABC", 400, OurState::kSuccess);
  f.line(p16 + "1", 300);         // line 2
  f.line("ABC", 400);             // line 3
  f.line(p16 + "2", 999);         // line 4: amount differs
  f.line(p16 + "2", 200);         // line 5: a duplicate, whatever its amount
  f.line(p16, 100);               // line 6
  f.line(p16 + "3", 1);           // line 7: not ours
  auto r = f.run();
  auto m = by_sn(r);
  CHECK(r.count(Class::kMatched) == 2);  // ABC and the 16-character one
  CHECK(m.find(p16 + "1")->second == Class::kLateSuccess);
  CHECK(r.count(Class::kAmountDiffers) == 1);
  CHECK(r.count(Class::kDuplicateLine) == 1);
  CHECK(m.find(p16 + "3")->second == Class::kUnknownReqSn);
  for (const auto& o : r.outcomes) {
    if (o.cls == Class::kAmountDiffers) CHECK(o.line->line_no == 4);
    if (o.cls == Class::kDuplicateLine) CHECK(o.line->line_no == 5);
  }
  // Sorted by ReqSn, as a plain text comparison would.
  for (size_t k = 1; k < f.ours.size(); ++k) CHECK(f.ours[k - 1].req_sn < f.ours[k].req_sn);
  for (size_t k = 1; k < f.lines.size(); ++k) {
    CHECK((f.lines[k - 1].req_sn < f.lines[k].req_sn ||
           (f.lines[k - 1].req_sn == f.lines[k].req_sn && f.lines[k - 1].line_no < f.lines[k].line_no)));
  }
}

TEST_CASE("reconcile: input nearly in order (a few entries far out of place) is sorted fully") {
  Fixture f;
  const int n = 3'000;
  auto sn = [](const char* p, int k) { return std::string(p) + std::to_string(100'000 + k); };
  f.our("RZ", 7, OurState::kSuccess);  // first, and after every other one: the run must not keep it
  for (int k = 0; k < n; ++k) {
    if (k % 100 == 3) continue;  // read later, as the open ones are
    f.our(sn("RS", k), 100, OurState::kSuccess);
  }
  for (int k = 3; k < n; k += 100) f.our(sn("RS", k), 100, OurState::kPending);
  f.our("RA", 9, OurState::kSuccess);  // last, and before every other one
  for (int k = 0; k < n; ++k) {
    f.line(sn("RS", k), 100);
    if (k % 500 == 6) f.line(sn("RS", k), 100);  // listed twice, side by side
    if (k % 500 == 7) f.line(sn("RX", k), 100);  // not ours, far after its neighbours
  }
  f.line("RA", 9);
  auto r = f.run();
  CHECK(r.count(Class::kMatched) == n - n / 100 + 1);  // + RA
  CHECK(r.count(Class::kBankDoneOursPending) == n / 100);
  CHECK(r.count(Class::kDuplicateLine) == n / 500);
  CHECK(r.count(Class::kUnknownReqSn) == n / 500);
  CHECK(r.count(Class::kSuspense) == 1);  // RZ: no line
  REQUIRE(f.ours.size() == static_cast<size_t>(n + 2));
  for (size_t k = 1; k < f.ours.size(); ++k) CHECK(f.ours[k - 1].req_sn < f.ours[k].req_sn);
  for (size_t k = 1; k < f.lines.size(); ++k) {
    CHECK((f.lines[k - 1].req_sn < f.lines[k].req_sn ||
           (f.lines[k - 1].req_sn == f.lines[k].req_sn && f.lines[k - 1].line_no < f.lines[k].line_no)));
  }
}

TEST_CASE("reconcile: day numbers") {
  CHECK(day_number(Date(1970, 1, 2)) == 1);
  CHECK(date_of_day(day_number(Date(2026, 11, 21))) == Date(2026, 11, 21));
}

}  // namespace
}  // namespace repay::settlement
