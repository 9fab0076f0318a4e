// A bank that misbehaves during signing (center-api.md, Signing: "A channel that does not answer a
// signing call in time: 9999 with no Status (not executed: retry with the same ReqNo)").
#include <doctest/doctest.h>

#include "harness.h"

namespace repay::e2e {
namespace {

void check_not_executed(const CenterAnswer& a) {
  INFO("RespMsg: " << a.field("RespMsg"));
  CHECK(a.http_status == 200);
  CHECK(a.field("RespCode") == "9999");
  CHECK(a.field("Status").empty());
  CHECK(a.field("AgreementNo").empty());
  CHECK(a.signature_ok);
}

void check_answer(const CenterAnswer& a, const std::string& status, const std::string& code) {
  INFO("RespMsg: " << a.field("RespMsg") << " (HTTP " << a.http_status << ")");
  CHECK(a.http_status == 200);
  CHECK(a.field("Status") == status);
  CHECK(a.field("RespCode") == code);
  CHECK(a.signature_ok);
}

}  // namespace

TEST_CASE(
    "bank faults: signing calls the bank did not answer are not executed and can be retried") {
  TestStack ts([](stack::StackOptions& o) { o.channel_extra = "request_timeout = 1s"; });

  // sign3 with the bank dropping the connection, busy (9001), failing (HTTP 500) or too slow:
  // 9999 without Status, nothing stored; the same ReqNo then succeeds.
  for (const char* fault : {"p-no-answer=1", "p-busy=1", "p-5xx=1", "latency-ms=2500"}) {
    CAPTURE(fault);
    const BookEntry& e = ts.holder("NORMAL");
    const std::string rn = ts.req_no();
    RowCounts before = ts.counts();
    const int verify3 = ts.bank_calls("VERIFY3");
    ts.faults(std::string("reset\n") + fault + "\n");
    check_not_executed(ts.call("CC01", "sign3", holder_fields(rn, e)));
    CHECK(ts.bank_calls("VERIFY3") > verify3);  // the fault did meet a call
    CHECK(ts.counts() == before);
    ts.faults("reset\n");
    auto ok = ts.call("CC01", "sign3", holder_fields(rn, e));
    check_answer(ok, "SIGNED", "0000");
    CHECK(!ok.field("AgreementNo").empty());
    CHECK(ts.count_rows("agreements") == before.agreements + 1);
  }

  // qsign/apply whose answer is lost after the bank sent the SMS: 9999, nothing stored; the retry
  // with the same ReqNo asks the bank for a new SMS, and its code signs.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string ap = ts.req_no();
    RowCounts before = ts.counts();
    const int applies = ts.bank_calls("SIGNAPPLY", "0000");
    ts.faults("reset\np-lost-answer=1\n");
    check_not_executed(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, e), e.mobile)));
    CHECK(ts.bank_calls("SIGNAPPLY", "0000 LOST") == 1);  // the bank did send the SMS
    const std::string lost_code = ts.sms_code(e.mobile);
    CHECK(!lost_code.empty());
    CHECK(ts.counts() == before);
    ts.faults("reset\n");
    check_answer(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, e), e.mobile)),
                 "SMS_SENT", "0000");
    CHECK(ts.bank_calls("SIGNAPPLY", "0000") == applies + 1);  // a new SMS
    CHECK(ts.count_rows("quick_applications") == before.quick_applications + 1);
    const std::string code = ts.sms_code(e.mobile);
    REQUIRE(!code.empty());
    auto signed_ = ts.call("CC01", "qsign/confirm",
                           {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", code}});
    check_answer(signed_, "SIGNED", "0000");
    CHECK(!signed_.field("ProtocolNo").empty());
  }

  // qsign/confirm whose answer is lost after the bank confirmed: 9999, nothing stored; the retry
  // (same ReqNo, same code) gets the bank's confirmation again and signs.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string ap = ts.req_no();
    check_answer(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, e), e.mobile)),
                 "SMS_SENT", "0000");
    const std::string code = ts.sms_code(e.mobile);
    REQUIRE(!code.empty());
    const std::string rn = ts.req_no();
    RowCounts before = ts.counts();
    ts.faults("reset\np-lost-answer=1\n");
    check_not_executed(
        ts.call("CC01", "qsign/confirm", {{"ReqNo", rn}, {"OrigReqNo", ap}, {"SmsCode", code}}));
    CHECK(ts.bank_calls("SIGNCONFIRM", "0000 LOST") == 1);
    CHECK(ts.counts() == before);
    ts.faults("reset\n");
    auto signed_ =
        ts.call("CC01", "qsign/confirm", {{"ReqNo", rn}, {"OrigReqNo", ap}, {"SmsCode", code}});
    check_answer(signed_, "SIGNED", "0000");
    CHECK(!signed_.field("ProtocolNo").empty());
    CHECK(ts.count_rows("agreements") == before.agreements + 1);
  }

  // qsign/confirm the bank never answers, six times: tries not executed are not counted, so the
  // right code afterwards (with the first confirm's ReqNo, which is still free) signs.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string ap = ts.req_no();
    check_answer(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, e), e.mobile)),
                 "SMS_SENT", "0000");
    const std::string code = ts.sms_code(e.mobile);
    REQUIRE(!code.empty());
    RowCounts before = ts.counts();
    ts.faults("reset\np-no-answer=1\n");
    std::vector<std::string> confirms;
    for (int t = 0; t < 6; ++t) {
      CAPTURE(t);
      confirms.push_back(ts.req_no());
      check_not_executed(
          ts.call("CC01", "qsign/confirm",
                  {{"ReqNo", confirms.back()}, {"OrigReqNo", ap}, {"SmsCode", code}}));
    }
    CHECK(ts.counts() == before);
    CHECK(ts.bank_calls("SIGNCONFIRM", "NO_ANSWER") == 6);
    ts.faults("reset\n");
    auto signed_ = ts.call("CC01", "qsign/confirm",
                           {{"ReqNo", confirms.front()}, {"OrigReqNo", ap}, {"SmsCode", code}});
    check_answer(signed_, "SIGNED", "0000");
    CHECK(!signed_.field("ProtocolNo").empty());
    CHECK(ts.count_rows("agreements") == before.agreements + 1);
  }

  // unsign of a QUICK agreement while the bank does not answer: 9999, the agreement stays active
  // (a new apply for the pair answers SIGNED at once); the same ReqNo then revokes it.
  {
    const BookEntry& e = ts.holder("NORMAL");
    const std::string ap = ts.req_no();
    check_answer(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, e), e.mobile)),
                 "SMS_SENT", "0000");
    auto signed_ =
        ts.call("CC01", "qsign/confirm",
                {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", ts.sms_code(e.mobile)}});
    check_answer(signed_, "SIGNED", "0000");
    const std::string agreement = signed_.field("AgreementNo");
    const std::string un = ts.req_no();
    RowCounts before = ts.counts();
    ts.faults("reset\np-5xx=1\n");
    check_not_executed(ts.call("CC01", "unsign", {{"ReqNo", un}, {"AgreementNo", agreement}}));
    CHECK(ts.counts() == before);
    ts.faults("reset\n");
    auto active =
        ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ts.req_no(), e), e.mobile));
    check_answer(active, "SIGNED", "0000");
    CHECK(active.field("AgreementNo") == agreement);
    check_answer(ts.call("CC01", "unsign", {{"ReqNo", un}, {"AgreementNo", agreement}}), "REVOKED",
                 "0000");
  }
}

}  // namespace repay::e2e
