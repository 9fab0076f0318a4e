// Signing over real HTTP (center-api.md, Signing): the real processor, the real simulator, every
// answer's signature verified. One stack per test case; the checks inside run in sequence.
#include <doctest/doctest.h>

#include "harness.h"

namespace repay::e2e {
namespace {

// Status, RespCode and a verified signature, with the RespMsg in the failure message.
#define CHECK_ANSWER(answer, status, code)                                          \
  do {                                                                              \
    const CenterAnswer& a_ = (answer);                                              \
    INFO("RespMsg: " << a_.field("RespMsg") << " (HTTP " << a_.http_status << ")"); \
    CHECK(a_.http_status == 200);                                                   \
    CHECK(a_.field("Status") == (status));                                          \
    CHECK(a_.field("RespCode") == (code));                                          \
    CHECK(a_.signature_ok);                                                         \
  } while (0)

}  // namespace

TEST_CASE("sign3: three elements verified, idempotent by ReqNo, declines by the bank and by us") {
  TestStack ts([](stack::StackOptions& o) {
    stack::StackCenter no_luhn("CC03");
    no_luhn.luhn_check = false;
    o.centers.push_back(no_luhn);
  });
  const BookEntry& e = ts.holder("NORMAL");

  // A cardholder signs: SIGNED with an AgreementNo, one agreement row.
  RowCounts before = ts.counts();
  const std::string rn = ts.req_no();
  auto first = ts.call("CC01", "sign3", holder_fields(rn, e));
  CHECK_ANSWER(first, "SIGNED", "0000");
  const std::string agreement = first.field("AgreementNo");
  CHECK(!agreement.empty());
  CHECK(first.field("ProtocolNo").empty());  // a COLLECT agreement has no channel protocol
  CHECK(ts.count_rows("agreements") == before.agreements + 1);
  CHECK(ts.bank_calls("VERIFY3") == 1);

  // The same request again (its answer was lost): the same agreement, nothing new stored, no
  // second bank call.
  RowCounts after_first = ts.counts();
  auto again = ts.call("CC01", "sign3", holder_fields(rn, e));
  CHECK_ANSWER(again, "SIGNED", "0000");
  CHECK(again.field("AgreementNo") == agreement);
  CHECK(ts.counts() == after_first);
  CHECK(ts.bank_calls("VERIFY3") == 1);

  // The same ReqNo with other fields: 2006, nothing changes; the original still answers.
  auto other = ts.call("CC01", "sign3", with(holder_fields(rn, e), "Name", "王" + e.name));
  CHECK_ANSWER(other, "FAILED", "2006");
  CHECK(other.field("AgreementNo").empty());
  CHECK(ts.counts() == after_first);
  auto original = ts.call("CC01", "sign3", holder_fields(rn, e));
  CHECK_ANSWER(original, "SIGNED", "0000");
  CHECK(original.field("AgreementNo") == agreement);

  // The signing calls share one ReqNo space: the sign3's ReqNo on another signing call is 2006.
  CHECK_ANSWER(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(rn, e), e.mobile)),
               "FAILED", "2006");
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", rn}, {"AgreementNo", agreement}}), "FAILED",
               "2006");
  CHECK(ts.counts() == after_first);

  // The same cards, a new ReqNo (of the longest form, 32 characters, with an unknown element,
  // which is ignored): the active agreement as it is, without a new bank call.
  const std::string long_rn = "L" + std::string(30, '0') + "_";
  auto rebind = ts.call("CC01", "sign3", with(holder_fields(long_rn, e), "Unknown", "ignored"));
  CHECK_ANSWER(rebind, "SIGNED", "0000");
  CHECK(rebind.field("AgreementNo") == agreement);
  CHECK(ts.count_rows("agreements") == after_first.agreements);
  CHECK(ts.bank_calls("VERIFY3") == 1);

  // Another card center signing the same cards gets its own agreement.
  auto cc02 = ts.call("CC02", "sign3", holder_fields(ts.req_no(), e));
  CHECK_ANSWER(cc02, "SIGNED", "0000");
  CHECK(!cc02.field("AgreementNo").empty());
  CHECK(cc02.field("AgreementNo") != agreement);

  // Declines: the bank's (1003, 1005, 1002) and ours (2003, 2004); none creates an agreement.
  const int64_t agreements = ts.count_rows("agreements");
  {
    const BookEntry& h = ts.holder("NORMAL");
    std::string name = h.name == "张三" ? "李四" : "张三";
    CHECK_ANSWER(ts.call("CC01", "sign3", with(holder_fields(ts.req_no(), h), "Name", name)),
                 "FAILED", "1003");
  }
  CHECK_ANSWER(ts.call("CC01", "sign3", holder_fields(ts.req_no(), ts.holder("FROZEN"))), "FAILED",
               "1005");
  CHECK_ANSWER(ts.call("CC01", "sign3", holder_fields(ts.req_no(), ts.holder("CLOSED"))), "FAILED",
               "1002");
  const int verify3_before_ours = ts.bank_calls("VERIFY3");
  const BookEntry& luhn = ts.holder("NORMAL");
  CHECK_ANSWER(
      ts.call("CC01", "sign3",
              with(holder_fields(ts.req_no(), luhn), "DebitCardNo", break_luhn(luhn.debit_card))),
      "FAILED", "2003");
  CHECK_ANSWER(
      ts.call("CC01", "sign3",
              with(holder_fields(ts.req_no(), luhn), "CreditCardNo", break_luhn(luhn.credit_card))),
      "FAILED", "2003");
  {
    const BookEntry& h = ts.holder("NORMAL");
    CHECK_ANSWER(ts.call("CC01", "sign3",
                         with(holder_fields(ts.req_no(), h), "IdNo", wrong_check_char(h.id_no))),
                 "FAILED", "2004");
    // 30 February, with a correct check character.
    CHECK_ANSWER(ts.call("CC01", "sign3",
                         with(holder_fields(ts.req_no(), h), "IdNo",
                              id_with_birth_date(h.id_no, "19900230"))),
                 "FAILED", "2004");
    CHECK_ANSWER(ts.call("CC01", "sign3",
                         with(holder_fields(ts.req_no(), h), "IdNo",
                              id_with_birth_date(h.id_no, "19901301"))),
                 "FAILED", "2004");
  }
  CHECK(ts.bank_calls("VERIFY3") == verify3_before_ours);  // our checks come before the bank's
  CHECK(ts.count_rows("agreements") == agreements);

  // A card center with luhn_check = false: a credit card failing Luhn is not refused (the bank
  // does not see the credit card), so the signing goes through.
  auto no_luhn =
      ts.call("CC03", "sign3",
              with(holder_fields(ts.req_no(), luhn), "CreditCardNo", break_luhn(luhn.credit_card)));
  CHECK_ANSWER(no_luhn, "SIGNED", "0000");
  CHECK(!no_luhn.field("AgreementNo").empty());
  // A debit card failing Luhn reaches the bank, which does not know it: 1002, not 2003.
  CHECK_ANSWER(
      ts.call("CC03", "sign3",
              with(holder_fields(ts.req_no(), luhn), "DebitCardNo", break_luhn(luhn.debit_card))),
      "FAILED", "1002");
}

TEST_CASE("qsign: SMS apply and confirm, wrong codes, tries used up, expiry, repeats") {
  TestStack ts;

  // Apply: SMS_SENT; confirm with the code the bank sent: SIGNED with AgreementNo and ProtocolNo.
  const BookEntry& e = ts.holder("NORMAL");
  const std::string apply = ts.req_no();
  auto sent = ts.call("CC01", "qsign/apply", with_mobile(holder_fields(apply, e), e.mobile));
  CHECK_ANSWER(sent, "SMS_SENT", "0000");
  CHECK(sent.field("AgreementNo").empty());
  CHECK(ts.count_rows("quick_applications") == 1);
  const std::string code = ts.sms_code(e.mobile);
  REQUIRE(!code.empty());
  auto wrong = ts.call("CC01", "qsign/confirm",
                       {{"ReqNo", ts.req_no()},
                        {"OrigReqNo", apply},
                        {"SmsCode", code == "000000" ? "111111" : "000000"}});
  CHECK_ANSWER(wrong, "SMS_SENT", "1006");
  CHECK(ts.count_rows("agreements") == 0);
  const std::string confirm = ts.req_no();
  auto signed_ = ts.call("CC01", "qsign/confirm",
                         {{"ReqNo", confirm}, {"OrigReqNo", apply}, {"SmsCode", code}});
  CHECK_ANSWER(signed_, "SIGNED", "0000");
  const std::string agreement = signed_.field("AgreementNo");
  const std::string protocol = signed_.field("ProtocolNo");
  CHECK(!agreement.empty());
  CHECK(!protocol.empty());
  CHECK(ts.count_rows("agreements") == 1);

  // The confirm repeated: the same answer, nothing new.
  RowCounts after = ts.counts();
  const int confirms = ts.bank_calls("SIGNCONFIRM");
  auto confirm_again = ts.call("CC01", "qsign/confirm",
                               {{"ReqNo", confirm}, {"OrigReqNo", apply}, {"SmsCode", code}});
  CHECK_ANSWER(confirm_again, "SIGNED", "0000");
  CHECK(confirm_again.field("AgreementNo") == agreement);
  CHECK(confirm_again.field("ProtocolNo") == protocol);
  CHECK(ts.counts() == after);
  CHECK(ts.bank_calls("SIGNCONFIRM") == confirms);

  // The apply repeated after the confirm: its current state, SIGNED.
  auto apply_again = ts.call("CC01", "qsign/apply", with_mobile(holder_fields(apply, e), e.mobile));
  CHECK_ANSWER(apply_again, "SIGNED", "0000");
  CHECK(apply_again.field("AgreementNo") == agreement);
  CHECK(apply_again.field("ProtocolNo") == protocol);

  // A new apply for the signed pair: SIGNED at once, no SMS, no bank call.
  const int applies = ts.bank_calls("SIGNAPPLY");
  auto resign =
      ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ts.req_no(), e), e.mobile));
  CHECK_ANSWER(resign, "SIGNED", "0000");
  CHECK(resign.field("AgreementNo") == agreement);
  CHECK(resign.field("ProtocolNo") == protocol);
  CHECK(ts.bank_calls("SIGNAPPLY") == applies);
  CHECK(ts.count_rows("quick_applications") == after.quick_applications);
  CHECK(ts.count_rows("agreements") == after.agreements);

  // Five wrong codes: four times SMS_SENT 1006, then FAILED 1007; the right code afterwards too.
  {
    const BookEntry& h = ts.holder("NORMAL");
    const std::string ap = ts.req_no();
    CHECK_ANSWER(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, h), h.mobile)),
                 "SMS_SENT", "0000");
    const std::string right = ts.sms_code(h.mobile);
    REQUIRE(!right.empty());
    const std::string bad = right == "000000" ? "111111" : "000000";
    for (int t = 1; t <= 5; ++t) {
      CAPTURE(t);
      auto a = ts.call("CC01", "qsign/confirm",
                       {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", bad}});
      if (t < 5) {
        CHECK_ANSWER(a, "SMS_SENT", "1006");
      } else {
        CHECK_ANSWER(a, "FAILED", "1007");
      }
    }
    const int confirms_before_sixth = ts.bank_calls("SIGNCONFIRM");
    auto sixth = ts.call("CC01", "qsign/confirm",
                         {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", right}});
    CHECK_ANSWER(sixth, "FAILED", "1007");
    CHECK(sixth.field("AgreementNo").empty());
    CHECK(ts.bank_calls("SIGNCONFIRM") == confirms_before_sixth);  // refused without the bank
    // The apply's current state is FAILED too.
    CHECK_ANSWER(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, h), h.mobile)),
                 "FAILED", "1007");
    CHECK(ts.count_rows("agreements") == after.agreements);
  }

  // An expired code: FAILED 1007.
  {
    const BookEntry& h = ts.holder("NORMAL");
    const std::string ap = ts.req_no();
    CHECK_ANSWER(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, h), h.mobile)),
                 "SMS_SENT", "0000");
    const std::string right = ts.sms_code(h.mobile);
    REQUIRE(ts.expire_sms(h.mobile));
    auto late = ts.call("CC01", "qsign/confirm",
                        {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", right}});
    CHECK_ANSWER(late, "FAILED", "1007");
    CHECK(ts.count_rows("agreements") == after.agreements);
  }

  // A mobile the bank does not have for the card: 1003, no SMS.
  {
    const BookEntry& h = ts.holder("NORMAL");
    const int before_apps = static_cast<int>(ts.count_rows("quick_applications"));
    CHECK_ANSWER(ts.call("CC01", "qsign/apply",
                         with_mobile(holder_fields(ts.req_no(), h), other_mobile(h.mobile))),
                 "FAILED", "1003");
    CHECK(ts.sms_code(h.mobile).empty());
    CHECK(ts.count_rows("quick_applications") == before_apps);
  }
  {
    const BookEntry& frozen = ts.holder("FROZEN");
    CHECK_ANSWER(ts.call("CC01", "qsign/apply",
                         with_mobile(holder_fields(ts.req_no(), frozen), frozen.mobile)),
                 "FAILED", "1005");
    CHECK(ts.sms_code(frozen.mobile).empty());
  }

  // A confirm for an apply that never was: FAILED 2009.
  CHECK_ANSWER(
      ts.call("CC01", "qsign/confirm",
              {{"ReqNo", ts.req_no()}, {"OrigReqNo", "NOSUCHAPPLY"}, {"SmsCode", "123456"}}),
      "FAILED", "2009");
  // Another card center's apply is unknown to this one.
  CHECK_ANSWER(ts.call("CC02", "qsign/confirm",
                       {{"ReqNo", ts.req_no()}, {"OrigReqNo", apply}, {"SmsCode", code}}),
               "FAILED", "2009");
}

TEST_CASE("unsign: COLLECT and QUICK revoked, repeats, other centers, signing again") {
  TestStack ts;

  // COLLECT.
  const BookEntry& e = ts.holder("NORMAL");
  auto signed_ = ts.call("CC01", "sign3", holder_fields(ts.req_no(), e));
  CHECK_ANSWER(signed_, "SIGNED", "0000");
  const std::string collect = signed_.field("AgreementNo");

  // Another card center cannot revoke it: 2001, and it stays active.
  CHECK_ANSWER(ts.call("CC02", "unsign", {{"ReqNo", ts.req_no()}, {"AgreementNo", collect}}),
               "FAILED", "2001");
  auto still = ts.call("CC01", "sign3", holder_fields(ts.req_no(), e));
  CHECK_ANSWER(still, "SIGNED", "0000");
  CHECK(still.field("AgreementNo") == collect);

  const std::string un = ts.req_no();
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", un}, {"AgreementNo", collect}}), "REVOKED",
               "0000");
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", un}, {"AgreementNo", collect}}), "REVOKED",
               "0000");
  // The same ReqNo for another agreement: 2006.
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", un}, {"AgreementNo", "AG-OTHER"}}), "FAILED",
               "2006");
  // Unknown agreement.
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", ts.req_no()}, {"AgreementNo", "AG-NOPE"}}),
               "FAILED", "2001");

  // Signing the same cards again after the revocation: a new agreement.
  const int verify3 = ts.bank_calls("VERIFY3");
  auto resign = ts.call("CC01", "sign3", holder_fields(ts.req_no(), e));
  CHECK_ANSWER(resign, "SIGNED", "0000");
  CHECK(!resign.field("AgreementNo").empty());
  CHECK(resign.field("AgreementNo") != collect);
  CHECK(ts.bank_calls("VERIFY3") == verify3 + 1);  // verified afresh at the bank

  // QUICK: unsign cancels the protocol at the bank.
  const BookEntry& q = ts.holder("NORMAL");
  auto qsign = [&]() {
    const std::string ap = ts.req_no();
    CHECK_ANSWER(ts.call("CC01", "qsign/apply", with_mobile(holder_fields(ap, q), q.mobile)),
                 "SMS_SENT", "0000");
    auto a =
        ts.call("CC01", "qsign/confirm",
                {{"ReqNo", ts.req_no()}, {"OrigReqNo", ap}, {"SmsCode", ts.sms_code(q.mobile)}});
    CHECK_ANSWER(a, "SIGNED", "0000");
    return a;
  };
  auto quick = qsign();
  const std::string quick_no = quick.field("AgreementNo");
  const std::string protocol = quick.field("ProtocolNo");
  REQUIRE(!protocol.empty());
  CHECK_ANSWER(ts.call("CC02", "unsign", {{"ReqNo", ts.req_no()}, {"AgreementNo", quick_no}}),
               "FAILED", "2001");
  CHECK(ts.bank_calls("UNSIGN") == 0);
  const std::string qun = ts.req_no();
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", qun}, {"AgreementNo", quick_no}}), "REVOKED",
               "0000");
  CHECK(ts.bank_calls("UNSIGN", "0000") == 1);
  CHECK_ANSWER(ts.call("CC01", "unsign", {{"ReqNo", qun}, {"AgreementNo", quick_no}}), "REVOKED",
               "0000");
  CHECK(ts.bank_calls("UNSIGN") == 1);  // the repeat made no second bank call
  // The bank keeps one active protocol per card: had the protocol not been cancelled, signing the
  // same card again would give the same ProtocolNo back.
  auto requick = qsign();
  CHECK(!requick.field("AgreementNo").empty());
  CHECK(requick.field("AgreementNo") != quick_no);
  CHECK(!requick.field("ProtocolNo").empty());
  CHECK(requick.field("ProtocolNo") != protocol);
}

}  // namespace repay::e2e
