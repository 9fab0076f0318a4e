// A crash in the middle: agreements survive a SIGKILL of the processor, and card, ID and mobile
// numbers are never in the database file in clear (common.md: Sensitive data, "stored encrypted
// at rest").
#include <doctest/doctest.h>

#include <csignal>

#include "harness.h"

namespace repay::e2e {
namespace {

// The sensitive numbers of `e` that appear in `bytes`, named (masked) for the failure message.
std::vector<std::string> clear_numbers_in(const std::string& bytes, const BookEntry& e) {
  std::vector<std::string> found;
  for (const auto& [what, number] :
       {std::pair<std::string, std::string>{"debit card", e.debit_card},
        {"credit card", e.credit_card},
        {"ID", e.id_no},
        {"mobile", e.mobile}}) {
    if (bytes.find(number) != std::string::npos) {
      found.push_back(what + " " + number.substr(0, 3) + "..." + number.substr(number.size() - 2));
    }
  }
  return found;
}

void check_no_clear_numbers(TestStack& ts, const std::vector<const BookEntry*>& holders,
                            const std::string& when) {
  for (const char* suffix : {"", "-wal"}) {
    const std::string file = ts.stack().database() + suffix;
    const std::string bytes = read_file_bytes(file);
    if (std::string(suffix).empty())
      REQUIRE_MESSAGE(!bytes.empty(), "empty database file " << file);
    for (const BookEntry* e : holders) {
      std::string found;
      for (const auto& f : clear_numbers_in(bytes, *e)) found += " [" + f + "]";
      CHECK_MESSAGE(found.empty(), when << ": in clear in " << file << ":" << found);
    }
  }
}

}  // namespace

TEST_CASE("restart: agreements survive a SIGKILL; numbers are not stored in clear") {
  TestStack ts;
  std::vector<const BookEntry*> holders;
  std::vector<std::string> collect, quick;
  for (int i = 0; i < 3; ++i) {
    const BookEntry& e = ts.holder("NORMAL");
    holders.push_back(&e);
    auto a = ts.call("CC01", "sign3", holder_fields(ts.req_no(), e));
    CHECK(a.field("Status") == "SIGNED");
    collect.push_back(a.field("AgreementNo"));
  }
  for (int i = 0; i < 2; ++i) {
    const BookEntry& e = ts.holder("NORMAL");
    holders.push_back(&e);
    const std::string ap = ts.req_no();
    auto s = ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, e), e.mobile));
    CHECK(s.field("Status") == "SMS_SENT");
    auto a =
        ts.call("CC01", "qsign/confirm",
                {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", ts.sms_code(e.mobile)}});
    CHECK(a.field("Status") == "SIGNED");
    quick.push_back(a.field("AgreementNo"));
  }
  // One apply left waiting for its SMS code over the crash.
  const BookEntry& waiting = ts.holder("NORMAL");
  holders.push_back(&waiting);
  const std::string waiting_apply = ts.req_no();
  CHECK(ts.call("CC01", "qsign/apply",
                with_mobile(holder_fields(waiting_apply, waiting), waiting.mobile))
            .field("Status") == "SMS_SENT");
  const RowCounts before = ts.counts();

  check_no_clear_numbers(ts, holders, "before the crash");
  ts.stack().stop_processor(SIGKILL);
  check_no_clear_numbers(ts, holders, "after the crash");
  ts.restart_processor(SIGKILL);  // already stopped: starts it again on the same database

  CHECK(ts.counts() == before);
  for (size_t i = 0; i < collect.size(); ++i) {
    CAPTURE(i);
    auto a = ts.call("CC01", "sign3", holder_fields(ts.req_no(), *holders[i]));
    CHECK(a.field("Status") == "SIGNED");
    CHECK(a.signature_ok);
    CHECK(a.field("AgreementNo") == collect[i]);
  }
  const int applies = ts.bank_calls("SIGNAPPLY");
  for (size_t i = 0; i < quick.size(); ++i) {
    CAPTURE(i);
    const BookEntry& e = *holders[collect.size() + i];
    auto a = ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ts.req_no(), e), e.mobile));
    CHECK(a.field("Status") == "SIGNED");
    CHECK(a.field("AgreementNo") == quick[i]);
  }
  CHECK(ts.bank_calls("SIGNAPPLY") == applies);
  // The apply sent before the crash is confirmed after it.
  auto late = ts.call("CC01", "qsign/confirm",
                      {{"ReqNo", ts.req_no()},
                       {"OrigReqNo", waiting_apply},
                       {"SmsCode", ts.sms_code(waiting.mobile)}});
  CHECK(late.field("Status") == "SIGNED");
  CHECK(!late.field("ProtocolNo").empty());

  check_no_clear_numbers(ts, holders, "after the restart");

  // common.md: numbers never appear in full in logs either.
  const std::string log = read_file_bytes(ts.dir() + "/repay.log");
  REQUIRE(!log.empty());
  for (const BookEntry* e : holders) {
    std::string found;
    for (const auto& f : clear_numbers_in(log, *e)) found += " [" + f + "]";
    CHECK_MESSAGE(found.empty(), "in clear in repay.log:" << found);
  }
}

}  // namespace repay::e2e
