// The demo's signing scenarios: what card centers' apps do when cardholders bind debit cards.
#include <functional>
#include <memory>
#include <set>

#include "stack/demo.h"
#include "stack/http_get.h"
#include "centerclient/center_client.h"
#include "core/mask.h"

namespace repay::stack {
namespace {

using centerclient::CenterAnswer;
using centerclient::CenterClient;
using Fields = std::vector<std::pair<std::string, std::string>>;

class Caller {
 public:
  Caller(const Stack& stack, const Clock& clock, std::string center, Tally& tally)
      : center_(std::move(center)), tally_(tally) {
    centerclient::CenterClientOptions o;
    o.base_url = stack.api_url();
    o.center_id = center_;
    o.secret = stack.center_secret(center_);
    client_ = std::make_unique<CenterClient>(o, clock);
  }

  std::string req_no() { return center_ + "R" + std::to_string(++seq_); }

  CenterAnswer call(const std::string& tx, const Fields& f) {
    auto a = client_->call(tx, f);
    if (!a) {
      CenterAnswer none;
      none.fields["RespCode"] = "IO";
      none.fields["RespMsg"] = a.error().message;
      return none;
    }
    return *a;
  }

  // Records the answer and whether it is what the scenario expects.
  void expect(const std::string& what, const std::string& tx, const CenterAnswer& a,
              const std::string& status, const std::string& code) {
    std::string got_status = a.field("Status");
    std::string got_code = a.field("RespCode");
    tally_.counts[{tx, got_status.empty() ? "-" : got_status, got_code}]++;
    bool ok = got_status == status && got_code == code && a.signature_ok;
    if (!ok) tally_.unexpected++;
    std::string line = center_ + " " + what + ": " + tx + " -> " + got_status + " " + got_code;
    if (!a.field("AgreementNo").empty()) line += " " + a.field("AgreementNo");
    if (!ok) line += "   (expected " + status + " " + code + ": " + a.field("RespMsg") + ")";
    tally_.notes.push_back(line);
  }

  const std::string& center() const { return center_; }

 private:
  std::string center_;
  Tally& tally_;
  std::unique_ptr<CenterClient> client_;
  int seq_ = 0;
};

Fields holder_fields(const std::string& req_no, const BookEntry& e) {
  return {{"ReqNo", req_no},      {"CreditCardNo", e.credit_card}, {"Name", e.name},
          {"IdType", e.id_type},  {"IdNo", e.id_no},               {"DebitCardNo", e.debit_card}};
}

Fields with_mobile(Fields f, const std::string& mobile) {
  f.emplace_back("Mobile", mobile);
  return f;
}

std::string sms_code(const Stack& s, const std::string& mobile) {
  auto code = http_simple(s.banksim_url() + "/sim/sms?mobile=" + mobile);
  return code ? *code : std::string("000000");
}

std::string wrong_code(const std::string& right) { return right == "000000" ? "111111" : "000000"; }


void sign3_scenarios(const Stack& stack, Caller& c, Picker& pick, int good) {
  (void)stack;
  std::string last_agreement;
  for (int i = 0; i < good; ++i) {
    const BookEntry* e = pick.next("NORMAL");
    if (!e) return;
    std::string rn = c.req_no();
    auto a = c.call("sign3", holder_fields(rn, *e));
    c.expect("three elements of " + mask_card(e->debit_card), "sign3", a, "SIGNED", "0000");
    if (i == 0) {
      // The app retries the same request (its answer was lost): the same agreement comes back.
      auto again = c.call("sign3", holder_fields(rn, *e));
      c.expect("retry of the same ReqNo", "sign3", again, "SIGNED", "0000");
      // The cardholder binds the same cards again: the active agreement is returned as it is.
      auto rebind = c.call("sign3", holder_fields(c.req_no(), *e));
      c.expect("same cards again, new ReqNo", "sign3", rebind, "SIGNED", "0000");
      // The same ReqNo with other fields: refused, nothing changes.
      auto other = holder_fields(rn, *e);
      other[2].second = "王" + e->name;
      c.expect("same ReqNo, other name", "sign3", c.call("sign3", other), "FAILED", "2006");
    }
  }
  if (const BookEntry* e = pick.next("NORMAL")) {
    auto f = holder_fields(c.req_no(), *e);
    f[2].second = e->name == "张三" ? "李四" : "张三";
    c.expect("name does not match the bank's", "sign3", c.call("sign3", f), "FAILED", "1003");
  }
  if (const BookEntry* e = pick.next("FROZEN")) {
    c.expect("frozen debit card " + mask_card(e->debit_card), "sign3",
             c.call("sign3", holder_fields(c.req_no(), *e)), "FAILED", "1005");
  }
  if (const BookEntry* e = pick.next("CLOSED")) {
    c.expect("closed debit card " + mask_card(e->debit_card), "sign3",
             c.call("sign3", holder_fields(c.req_no(), *e)), "FAILED", "1002");
  }
  if (const BookEntry* e = pick.next("NORMAL")) {
    auto f = holder_fields(c.req_no(), *e);
    std::string& card = f[5].second;
    card.back() = card.back() == '9' ? '0' : static_cast<char>(card.back() + 1);  // breaks Luhn
    c.expect("debit card number mistyped", "sign3", c.call("sign3", f), "FAILED", "2003");
  }
  if (const BookEntry* e = pick.next("NORMAL")) {
    auto f = holder_fields(c.req_no(), *e);
    std::string& id = f[4].second;
    id.back() = id.back() == '0' ? '1' : '0';  // wrong check character (or X)
    c.expect("ID check character wrong", "sign3", c.call("sign3", f), "FAILED", "2004");
  }
}

void qsign_scenarios(const Stack& stack, Caller& c, Picker& pick, int good) {
  std::vector<std::string> agreements;
  for (int i = 0; i < good; ++i) {
    const BookEntry* e = pick.next("NORMAL");
    if (!e) return;
    std::string apply = c.req_no();
    auto a = c.call("qsign/apply", with_mobile(holder_fields(apply, *e), e->mobile));
    c.expect("quick-pay apply " + mask_mobile(e->mobile), "qsign/apply", a, "SMS_SENT", "0000");
    std::string code = sms_code(stack, e->mobile);
    if (i == 1) {
      auto wrong = c.call("qsign/confirm", {{"ReqNo", c.req_no()}, {"OrigReqNo", apply},
                                            {"SmsCode", wrong_code(code)}});
      c.expect("mistyped SMS code", "qsign/confirm", wrong, "SMS_SENT", "1006");
    }
    auto ok = c.call("qsign/confirm", {{"ReqNo", c.req_no()}, {"OrigReqNo", apply}, {"SmsCode", code}});
    c.expect("SMS code typed", "qsign/confirm", ok, "SIGNED", "0000");
    if (i == 0) {
      auto again = c.call("qsign/apply", with_mobile(holder_fields(apply, *e), e->mobile));
      c.expect("apply retried after signing", "qsign/apply", again, "SIGNED", "0000");
    }
    agreements.push_back(ok.field("AgreementNo"));
  }
  if (const BookEntry* e = pick.next("NORMAL")) {
    std::string apply = c.req_no();
    c.expect("apply for five wrong codes", "qsign/apply",
             c.call("qsign/apply", with_mobile(holder_fields(apply, *e), e->mobile)), "SMS_SENT", "0000");
    std::string bad = wrong_code(sms_code(stack, e->mobile));
    for (int t = 1; t <= 5; ++t) {
      auto a = c.call("qsign/confirm", {{"ReqNo", c.req_no()}, {"OrigReqNo", apply}, {"SmsCode", bad}});
      if (t < 5) c.expect("wrong code, try " + std::to_string(t), "qsign/confirm", a, "SMS_SENT", "1006");
      else c.expect("wrong code, fifth try", "qsign/confirm", a, "FAILED", "1007");
    }
  }
  if (const BookEntry* e = pick.next("NORMAL")) {
    std::string apply = c.req_no();
    c.expect("apply, code left to expire", "qsign/apply",
             c.call("qsign/apply", with_mobile(holder_fields(apply, *e), e->mobile)), "SMS_SENT", "0000");
    std::string code = sms_code(stack, e->mobile);
    std::string none;
    (void)http_simple(stack.banksim_url() + "/sim/sms/expire?mobile=" + e->mobile, &none);
    c.expect("expired SMS code", "qsign/confirm",
             c.call("qsign/confirm", {{"ReqNo", c.req_no()}, {"OrigReqNo", apply}, {"SmsCode", code}}),
             "FAILED", "1007");
  }
  if (const BookEntry* e = pick.next("NORMAL")) {
    std::string other = e->mobile.substr(0, 3) + (e->mobile.substr(3, 1) == "0" ? "1" : "0") +
                        e->mobile.substr(4);
    c.expect("mobile not the one the bank has", "qsign/apply",
             c.call("qsign/apply", with_mobile(holder_fields(c.req_no(), *e), other)), "FAILED", "1003");
  }
  if (const BookEntry* e = pick.next("FROZEN")) {
    c.expect("frozen debit card", "qsign/apply",
             c.call("qsign/apply", with_mobile(holder_fields(c.req_no(), *e), e->mobile)), "FAILED", "1005");
  }
  if (!agreements.empty() && !agreements.back().empty()) {
    std::string rn = c.req_no();
    c.expect("unsign a quick-pay agreement", "unsign",
             c.call("unsign", {{"ReqNo", rn}, {"AgreementNo", agreements.back()}}), "REVOKED", "0000");
    c.expect("unsign retried", "unsign",
             c.call("unsign", {{"ReqNo", rn}, {"AgreementNo", agreements.back()}}), "REVOKED", "0000");
  }
  c.expect("unsign an unknown agreement", "unsign",
           c.call("unsign", {{"ReqNo", c.req_no()}, {"AgreementNo", "AG-NOPE"}}), "FAILED", "2001");
}

}  // namespace

const BookEntry* Picker::next(const std::string& state, long long min_balance) {
  for (size_t i = 0; i < book_.size(); ++i) {
    if (used_[i] || book_[i].state != state || book_[i].balance < min_balance) continue;
    used_[i] = true;
    return &book_[i];
  }
  return nullptr;
}

void run_signing_demo(const Stack& stack, const Clock& clock, Picker& pick, Tally& tally) {
  Caller cc01(stack, clock, "CC01", tally);
  Caller cc02(stack, clock, "CC02", tally);
  sign3_scenarios(stack, cc01, pick, 10);
  sign3_scenarios(stack, cc02, pick, 8);
  qsign_scenarios(stack, cc01, pick, 7);
  qsign_scenarios(stack, cc02, pick, 5);
}

}  // namespace repay::stack
