// The signing use-cases with an in-memory SigningStore, a scripted channel, a manual clock and a
// Post that runs tasks inline.
#include "signing/signing_service.h"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "core/codes.h"

namespace repay::signing {
namespace {

using namespace std::chrono_literals;
using channel::ChannelCall;
using channel::ChannelResult;
using channel::Outcome;
using codes::ChannelClass;
using codes::ChannelMapping;

const std::string kCredit = "6200000000000005";
const std::string kDebit = "4111111111111111";
const std::string kIdNo = "11010519491231002X";
const std::string kMobile = "13800138000";
const Instant kT0 = from_unix_ms(1'700'000'000'000);

// ---------------------------------------------------------------------------------------------
// An in-memory SigningStore with the semantics of signing/ports.h, and failure injection.

class FakeStore final : public SigningStore {
 public:
  struct Request {
    std::string tx_code;
    std::string canonical;
    bool done = false;
    std::string token;
    Instant claimed_at{};
    SigningRecord record;
  };
  using Key = std::pair<std::string, std::string>;

  std::map<Key, Request> requests;
  std::map<std::string, Agreement> agreements;
  std::map<Key, QuickApplication> applications;
  std::vector<SigningOutcome> finished;  // every outcome finish() accepted
  std::set<std::string> failing;         // names of methods that answer an error
  int claims = 0;
  int releases = 0;
  int given_back = 0;
  int64_t seq = 0;

  Result<Claim> claim(const std::string& center, const std::string& req_no,
                      const std::string& tx_code, const std::string& canonical, Instant now,
                      std::chrono::milliseconds stale_after) override {
    ++claims;
    if (failing.count("claim")) return make_error("DB", "claim failed");
    Claim out;
    auto it = requests.find({center, req_no});
    if (it == requests.end()) {
      out.token = "T" + std::to_string(++seq);
      requests[{center, req_no}] = Request{tx_code, canonical, false, out.token, now, {}};
      return out;
    }
    Request& r = it->second;
    if (r.tx_code != tx_code || r.canonical != canonical) {
      out.kind = Claim::Kind::kConflict;
    } else if (r.done) {
      out.kind = Claim::Kind::kDone;
      out.record = r.record;
    } else if (r.claimed_at > now - stale_after) {
      out.kind = Claim::Kind::kInProgress;
    } else {
      r.token = out.token = "T" + std::to_string(++seq);
      r.claimed_at = now;
    }
    return out;
  }

  Status release(const std::string& center, const std::string& req_no,
                 const std::string& token) override {
    ++releases;
    auto it = requests.find({center, req_no});
    if (it != requests.end() && !it->second.done && it->second.token == token) requests.erase(it);
    return ok_status();
  }

  Result<SigningRecord> finish(const SigningOutcome& o) override {
    if (failing.count("finish")) return make_error("DB", "finish failed");
    auto it = requests.find({o.center_id, o.req_no});
    if (it == requests.end() || it->second.done || it->second.token != o.token) {
      return make_error("STALE", "not ours");
    }
    SigningRecord rec = o.record;
    rec.center_id = o.center_id;
    rec.req_no = o.req_no;
    if (o.create_agreement) {
      const Agreement& a = *o.create_agreement;
      auto existing = find_active(a.center_id, a.holder.credit_card, a.holder.debit_card, a.kind);
      if (existing) {
        rec.agreement_no = existing->agreement_no;
      } else {
        Agreement stored = a;
        stored.created_at = stored.updated_at = o.now;
        agreements[a.agreement_no] = stored;
        rec.agreement_no = a.agreement_no;
      }
    }
    if (o.create_application) {
      QuickApplication a = *o.create_application;
      a.state = kSmsSent;
      a.tries = 0;
      applications[{a.center_id, a.apply_req_no}] = a;
    }
    if (o.application_update) {
      const auto& u = *o.application_update;
      auto app = applications.find({o.center_id, u.apply_req_no});
      if (app != applications.end() && app->second.state == kSmsSent) {
        app->second.state = u.state;
        app->second.resp_code = u.resp_code;
        if (u.state == kSigned) app->second.agreement_no = rec.agreement_no;
      }
    }
    if (o.revoke_agreement) {
      auto ag = agreements.find(*o.revoke_agreement);
      if (ag != agreements.end() && ag->second.state == AgreementState::kActive) {
        ag->second.state = AgreementState::kRevoked;
        ag->second.updated_at = o.now;
      }
    }
    it->second.done = true;
    it->second.token.clear();
    it->second.record = rec;
    finished.push_back(o);
    return rec;
  }

  Result<std::optional<Agreement>> active_agreement(const std::string& center,
                                                    const std::string& credit_card,
                                                    const std::string& debit_card,
                                                    const std::string& kind) override {
    if (failing.count("active_agreement")) return make_error("DB", "read failed");
    return find_active(center, credit_card, debit_card, kind);
  }

  Result<std::optional<Agreement>> agreement(const std::string& agreement_no) override {
    if (failing.count("agreement")) return make_error("CRYPTO", "cannot decrypt");
    auto it = agreements.find(agreement_no);
    if (it == agreements.end()) return std::optional<Agreement>();
    return std::optional<Agreement>(it->second);
  }

  Result<std::optional<QuickApplication>> application(const std::string& center,
                                                      const std::string& apply_req_no) override {
    if (failing.count("application")) return make_error("DB", "read failed");
    auto it = applications.find({center, apply_req_no});
    if (it == applications.end()) return std::optional<QuickApplication>();
    return std::optional<QuickApplication>(it->second);
  }

  Result<int> take_sms_try(const std::string& center, const std::string& apply_req_no,
                           int max_tries) override {
    if (failing.count("take_sms_try")) return make_error("BUSY", "locked");
    auto it = applications.find({center, apply_req_no});
    if (it == applications.end() || it->second.state != kSmsSent || it->second.tries >= max_tries) {
      return make_error("1007", "no SMS try left");
    }
    return ++it->second.tries;
  }

  Status give_back_sms_try(const std::string& center, const std::string& apply_req_no) override {
    ++given_back;
    auto it = applications.find({center, apply_req_no});
    if (it != applications.end() && it->second.state == kSmsSent && it->second.tries > 0) {
      --it->second.tries;
    }
    return ok_status();
  }

  Result<std::string> next_req_sn() override {
    if (failing.count("next_req_sn")) return make_error("DB", "sequence failed");
    return "RS" + std::to_string(++seq);
  }

  Result<std::string> next_agreement_no(Instant) override {
    if (failing.count("next_agreement_no")) return make_error("DB", "sequence failed");
    return "AG" + std::to_string(++seq);
  }

  // Test helpers.
  const QuickApplication& app(const std::string& apply_req_no) {
    auto it = applications.find({"C1", apply_req_no});
    REQUIRE(it != applications.end());
    return it->second;
  }
  void add_agreement(const std::string& no, const std::string& kind, const std::string& center = "C1") {
    Agreement a;
    a.agreement_no = no;
    a.center_id = center;
    a.kind = kind;
    a.channel_id = kind == std::string(kQuick) ? "QP1" : "CB1";
    a.state = AgreementState::kActive;
    a.holder = CardHolder{kCredit, kDebit, "ZhangSan", "01", kIdNo};
    if (kind == std::string(kQuick)) {
      a.mobile = kMobile;
      a.protocol_no = "P-" + no;
    }
    agreements[no] = a;
  }

 private:
  std::optional<Agreement> find_active(const std::string& center, const std::string& credit,
                                       const std::string& debit, const std::string& kind) const {
    for (const auto& [no, a] : agreements) {
      if (a.center_id == center && a.holder.credit_card == credit &&
          a.holder.debit_card == debit && a.kind == kind && a.state == AgreementState::kActive) {
        return a;
      }
    }
    return std::nullopt;
  }
};

// ---------------------------------------------------------------------------------------------
// A scripted channel: records every call; answers at once from the script, or holds the call
// for the test to complete later (when holding, or when the script is empty).

class ScriptedChannel final : public ChannelPort {
 public:
  std::vector<ChannelCall> calls;
  std::deque<ChannelResult> script;
  std::vector<std::function<void(ChannelResult)>> pending;
  bool hold = false;

  void submit(ChannelCall call, std::function<void(ChannelResult)> done) override {
    calls.push_back(std::move(call));
    if (hold || script.empty()) {
      pending.push_back(std::move(done));
      return;
    }
    ChannelResult r = script.front();
    script.pop_front();
    done(std::move(r));
  }

  void complete(ChannelResult r) {
    REQUIRE_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(r));
  }
};

ChannelResult answered(const std::string& ret_code, ChannelMapping mapping,
                       std::map<std::string, std::string> fields = {}) {
  ChannelResult r;
  r.outcome = Outcome::kAnswered;
  r.ret_code = ret_code;
  r.mapping = std::move(mapping);
  r.fields = std::move(fields);
  r.fields["RetCode"] = ret_code;
  r.http_status = 200;
  return r;
}
ChannelResult ok_answer(std::map<std::string, std::string> fields = {}) {
  return answered("0000", ChannelMapping{ChannelClass::kSuccess, "0000"}, std::move(fields));
}
ChannelResult declined(const std::string& ret_code, const std::string& ours) {
  return answered(ret_code, ChannelMapping{ChannelClass::kDeclined, ours});
}
ChannelResult busy() {
  ChannelResult r;
  r.outcome = Outcome::kBusy;
  r.mapping = ChannelMapping{ChannelClass::kBusy, ""};
  r.http_status = 429;
  r.detail = "HTTP 429";
  return r;
}
ChannelResult timed_out() {
  ChannelResult r;
  r.outcome = Outcome::kUnknown;
  r.detail = "timeout";
  return r;
}

// ---------------------------------------------------------------------------------------------
// Requests and answers.

Fields sign3_fields(const std::string& req_no = "R1") {
  return {{"ReqNo", req_no}, {"CreditCardNo", kCredit}, {"Name", "ZhangSan"},
          {"IdType", "01"},  {"IdNo", kIdNo},           {"DebitCardNo", kDebit}};
}
Fields apply_fields(const std::string& req_no = "A1") {
  Fields f = sign3_fields(req_no);
  f["Mobile"] = kMobile;
  return f;
}
Fields confirm_fields(const std::string& req_no, const std::string& orig = "A1",
                      const std::string& code = "123456") {
  return {{"ReqNo", req_no}, {"OrigReqNo", orig}, {"SmsCode", code}};
}
Fields unsign_fields(const std::string& req_no, const std::string& agreement_no) {
  return {{"ReqNo", req_no}, {"AgreementNo", agreement_no}};
}

bool has(const ApiAnswer& a, const std::string& name) {
  for (const auto& [k, v] : a.fields) {
    if (k == name) return true;
  }
  return false;
}
std::string field(const ApiAnswer& a, const std::string& name) {
  for (const auto& [k, v] : a.fields) {
    if (k == name) return v;
  }
  return "<absent>";
}
std::string call_field(const ChannelCall& c, const std::string& name) {
  for (const auto& [k, v] : c.fields) {
    if (k == name) return v;
  }
  return "<absent>";
}

struct Harness {
  FakeStore store;
  ScriptedChannel channel;
  ManualClock clock{kT0};
  SigningService service{store, channel, clock, [](std::function<void()> task) { task(); }};
  SigningCenter center{"C1", true, "CB1", "QP1"};

  using Method = void (SigningService::*)(const SigningCenter&, const Fields&, Reply);

  // Runs a call whose answer comes synchronously; exactly one reply.
  ApiAnswer run(Method m, const Fields& f) {
    std::vector<ApiAnswer> replies;
    (service.*m)(center, f, [&](ApiAnswer a) { replies.push_back(std::move(a)); });
    REQUIRE(replies.size() == 1);
    return replies[0];
  }
  ApiAnswer sign3(const Fields& f) { return run(&SigningService::sign3, f); }
  ApiAnswer apply(const Fields& f) { return run(&SigningService::qsign_apply, f); }
  ApiAnswer confirm(const Fields& f) { return run(&SigningService::qsign_confirm, f); }
  ApiAnswer unsign(const Fields& f) { return run(&SigningService::unsign, f); }

  // An apply answered SMS_SENT: application A1 (or `req_no`).
  void sms_sent(const std::string& req_no = "A1") {
    channel.script.push_back(ok_answer());
    auto a = apply(apply_fields(req_no));
    REQUIRE(field(a, "Status") == kSmsSent);
  }
};

void check_not_executed(const ApiAnswer& a) {
  CHECK(a.resp_code == "9999");
  CHECK(a.not_executed());
  CHECK_FALSE(has(a, "Status"));
  CHECK_FALSE(has(a, "AgreementNo"));
}

// ---------------------------------------------------------------------------------------------
// sign3

TEST_CASE("sign3: success verifies with the collection channel and creates a COLLECT agreement") {
  Harness h;
  h.channel.script.push_back(ok_answer());
  auto a = h.sign3(sign3_fields());
  CHECK(a.resp_code == "0000");
  CHECK(a.resp_msg == codes::message("0000"));
  CHECK(field(a, "Status") == "SIGNED");
  const std::string no = field(a, "AgreementNo");
  CHECK_FALSE(has(a, "ProtocolNo"));

  REQUIRE(h.channel.calls.size() == 1);
  const ChannelCall& call = h.channel.calls[0];
  CHECK(call.channel_id == "CB1");
  CHECK(call.tx_code == "VERIFY3");
  CHECK_FALSE(call.req_sn.empty());
  CHECK(call.priority == channel::Priority::kRealtime);
  CHECK(call_field(call, "Name") == "ZhangSan");
  CHECK(call_field(call, "IdType") == "01");
  CHECK(call_field(call, "IdNo") == kIdNo);
  CHECK(call_field(call, "CardNo") == kDebit);

  REQUIRE(h.store.agreements.count(no) == 1);
  const Agreement& ag = h.store.agreements[no];
  CHECK(ag.kind == "COLLECT");
  CHECK(ag.channel_id == "CB1");
  CHECK(ag.state == signing::AgreementState::kActive);
  CHECK(ag.center_id == "C1");
  CHECK(ag.holder.credit_card == kCredit);
  CHECK(ag.holder.debit_card == kDebit);
  REQUIRE(h.store.finished.size() == 1);
  CHECK(h.store.finished[0].actor == "api:C1:R1");
  CHECK(h.store.finished[0].now == kT0);

  SUBCASE("the same ReqNo and fields answer the same, without a channel call") {
    auto again = h.sign3(sign3_fields());
    CHECK(again.resp_code == "0000");
    CHECK(field(again, "Status") == "SIGNED");
    CHECK(field(again, "AgreementNo") == no);
    CHECK(h.channel.calls.size() == 1);
  }
  SUBCASE("the same ReqNo with other fields: 2006, nothing changes") {
    Fields f = sign3_fields();
    f["Name"] = "LiSi";
    auto other = h.sign3(f);
    CHECK(other.resp_code == "2006");
    CHECK(field(other, "Status") == "FAILED");
    CHECK(h.channel.calls.size() == 1);
    CHECK(h.store.finished.size() == 1);
  }
  SUBCASE("the same ReqNo for another signing call: 2006") {
    auto other = h.apply(apply_fields("R1"));
    CHECK(other.resp_code == "2006");
    CHECK(h.channel.calls.size() == 1);
  }
  SUBCASE("a new ReqNo for the same cards: the active agreement, no channel call") {
    auto again = h.sign3(sign3_fields("R2"));
    CHECK(field(again, "Status") == "SIGNED");
    CHECK(field(again, "AgreementNo") == no);
    CHECK(h.channel.calls.size() == 1);
    CHECK(h.store.agreements.size() == 1);
  }
}

TEST_CASE("sign3: declines are FAILED with our code and stored") {
  struct Case {
    const char* ret;
    const char* ours;
  };
  for (Case c : {Case{"3003", "1003"}, Case{"3005", "1005"}, Case{"3002", "1002"}}) {
    CAPTURE(c.ret);
    Harness h;
    h.channel.script.push_back(declined(c.ret, c.ours));
    auto a = h.sign3(sign3_fields());
    CHECK(a.resp_code == c.ours);
    CHECK(a.resp_msg == codes::message(c.ours));
    CHECK(field(a, "Status") == "FAILED");
    CHECK_FALSE(has(a, "AgreementNo"));
    CHECK(h.store.agreements.empty());
    // A repeat answers the stored result without a channel call.
    auto again = h.sign3(sign3_fields());
    CHECK(again.resp_code == c.ours);
    CHECK(field(again, "Status") == "FAILED");
    CHECK(h.channel.calls.size() == 1);
  }
}

TEST_CASE("sign3: busy, unknown and non-final answers are not executed; the ReqNo is freed") {
  struct Case {
    const char* name;
    ChannelResult result;
  };
  const Case cases[] = {
      {"busy", busy()},
      {"timeout", timed_out()},
      {"RetCode 9999", answered("9999", ChannelMapping{ChannelClass::kUnknown, ""})},
      {"RetCode 1000", answered("1000", ChannelMapping{ChannelClass::kDuplicate, ""})},
      {"RetCode 2000", answered("2000", ChannelMapping{ChannelClass::kProcessing, "0001"})},
      {"RetCode 4001", answered("4001", ChannelMapping{ChannelClass::kConfigError, "9999"})},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Harness h;
    h.channel.script.push_back(c.result);
    auto a = h.sign3(sign3_fields());
    check_not_executed(a);
    CHECK(h.store.requests.empty());  // claim released
    CHECK(h.store.releases == 1);
    CHECK(h.store.finished.empty());
    CHECK(h.store.agreements.empty());
    // The same ReqNo is processed afresh.
    h.channel.script.push_back(ok_answer());
    auto again = h.sign3(sign3_fields());
    CHECK(field(again, "Status") == "SIGNED");
    CHECK(h.channel.calls.size() == 2);
    CHECK(h.channel.calls[0].req_sn != h.channel.calls[1].req_sn);
  }
}

TEST_CASE("sign3: value errors 2003 and 2004 are FAILED without a channel call") {
  Harness h;
  SUBCASE("credit card fails Luhn") {
    Fields f = sign3_fields();
    f["CreditCardNo"] = "6200000000000004";
    auto a = h.sign3(f);
    CHECK(a.resp_code == "2003");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.channel.calls.empty());
    CHECK(h.store.requests.at({"C1", "R1"}).done);
    auto again = h.sign3(f);
    CHECK(again.resp_code == "2003");
  }
  SUBCASE("debit card fails Luhn") {
    Fields f = sign3_fields();
    f["DebitCardNo"] = "4111111111111112";
    CHECK(h.sign3(f).resp_code == "2003");
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("Luhn not checked for this center") {
    h.center.luhn_check = false;
    Fields f = sign3_fields();
    f["CreditCardNo"] = "6200000000000004";
    h.channel.script.push_back(ok_answer());
    CHECK(field(h.sign3(f), "Status") == "SIGNED");
    CHECK(h.channel.calls.size() == 1);
  }
  SUBCASE("resident ID fails its check") {
    Fields f = sign3_fields();
    f["IdNo"] = "110105194912310021";
    auto a = h.sign3(f);
    CHECK(a.resp_code == "2004");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.channel.calls.empty());
  }
}

TEST_CASE("sign3: an existing active agreement is returned without a channel call") {
  Harness h;
  h.store.add_agreement("AG-OLD", kCollect);
  auto a = h.sign3(sign3_fields());
  CHECK(a.resp_code == "0000");
  CHECK(field(a, "Status") == "SIGNED");
  CHECK(field(a, "AgreementNo") == "AG-OLD");
  CHECK(h.channel.calls.empty());
  CHECK(h.store.agreements.size() == 1);

  SUBCASE("a revoked one does not count") {
    h.store.agreements["AG-OLD"].state = AgreementState::kRevoked;
    h.channel.script.push_back(ok_answer());
    auto b = h.sign3(sign3_fields("R2"));
    CHECK(field(b, "Status") == "SIGNED");
    CHECK(field(b, "AgreementNo") != "AG-OLD");
    CHECK(h.channel.calls.size() == 1);
  }
  SUBCASE("a QUICK one of the same cards does not count for sign3") {
    h.store.agreements.clear();
    h.store.add_agreement("AG-Q", kQuick);
    h.channel.script.push_back(ok_answer());
    auto b = h.sign3(sign3_fields("R2"));
    CHECK(field(b, "AgreementNo") != "AG-Q");
    CHECK(h.channel.calls.size() == 1);
  }
}

TEST_CASE("sign3: form errors give 2007 naming the field, nothing claimed") {
  for (const char* name : {"ReqNo", "CreditCardNo", "Name", "IdType", "IdNo", "DebitCardNo"}) {
    CAPTURE(name);
    Harness h;
    Fields f = sign3_fields();
    f.erase(name);
    auto a = h.sign3(f);
    CHECK(a.resp_code == "2007");
    CHECK(a.resp_msg.find(name) != std::string::npos);
    CHECK_FALSE(has(a, "Status"));
    CHECK(h.store.claims == 0);
    CHECK(h.store.requests.empty());
    CHECK(h.channel.calls.empty());
  }
}

TEST_CASE("sign3: a center without a collection channel gets 2007 and the ReqNo is freed") {
  Harness h;
  h.center.collect_channel.clear();
  auto a = h.sign3(sign3_fields());
  CHECK(a.resp_code == "2007");
  CHECK_FALSE(has(a, "Status"));
  CHECK(h.store.requests.empty());
  CHECK(h.channel.calls.empty());
}

TEST_CASE("sign3: a call in flight makes a repeat 'in progress'; the answer comes later") {
  Harness h;
  h.channel.hold = true;
  std::vector<ApiAnswer> first;
  h.service.sign3(h.center, sign3_fields(), [&](ApiAnswer a) { first.push_back(std::move(a)); });
  CHECK(first.empty());
  REQUIRE(h.channel.pending.size() == 1);

  auto repeat = h.sign3(sign3_fields());
  check_not_executed(repeat);
  CHECK(h.channel.calls.size() == 1);
  CHECK(h.store.requests.count({"C1", "R1"}) == 1);  // the repeat did not free the claim

  h.clock.advance(2s);
  h.channel.complete(ok_answer());
  REQUIRE(first.size() == 1);
  CHECK(field(first[0], "Status") == "SIGNED");
  CHECK(h.store.finished.at(0).now == kT0 + 2s);
}

TEST_CASE("sign3: store failures answer 9999 and leave the ReqNo free") {
  Harness h;
  SUBCASE("claim") {
    h.store.failing.insert("claim");
    check_not_executed(h.sign3(sign3_fields()));
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("active_agreement") {
    h.store.failing.insert("active_agreement");
    check_not_executed(h.sign3(sign3_fields()));
    CHECK(h.channel.calls.empty());
    CHECK(h.store.requests.empty());
  }
  SUBCASE("next_req_sn") {
    h.store.failing.insert("next_req_sn");
    check_not_executed(h.sign3(sign3_fields()));
    CHECK(h.channel.calls.empty());
    CHECK(h.store.requests.empty());
  }
  SUBCASE("next_agreement_no") {
    h.store.failing.insert("next_agreement_no");
    h.channel.script.push_back(ok_answer());
    check_not_executed(h.sign3(sign3_fields()));
    CHECK(h.store.requests.empty());
    CHECK(h.store.agreements.empty());
  }
  SUBCASE("finish") {
    h.store.failing.insert("finish");
    h.channel.script.push_back(ok_answer());
    check_not_executed(h.sign3(sign3_fields()));
    CHECK(h.store.agreements.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// qsign/apply

TEST_CASE("qsign/apply: success sends the SMS and records the application with its ReqSn") {
  Harness h;
  h.channel.script.push_back(ok_answer());
  auto a = h.apply(apply_fields());
  CHECK(a.resp_code == "0000");
  CHECK(field(a, "Status") == "SMS_SENT");
  CHECK_FALSE(has(a, "AgreementNo"));
  CHECK_FALSE(has(a, "ProtocolNo"));

  REQUIRE(h.channel.calls.size() == 1);
  const ChannelCall& call = h.channel.calls[0];
  CHECK(call.channel_id == "QP1");
  CHECK(call.tx_code == "SIGNAPPLY");
  CHECK(call.priority == channel::Priority::kRealtime);
  CHECK(call_field(call, "Name") == "ZhangSan");
  CHECK(call_field(call, "IdType") == "01");
  CHECK(call_field(call, "IdNo") == kIdNo);
  CHECK(call_field(call, "CardNo") == kDebit);
  CHECK(call_field(call, "Mobile") == kMobile);

  const QuickApplication& app = h.store.app("A1");
  CHECK(app.req_sn == call.req_sn);
  CHECK(app.channel_id == "QP1");
  CHECK(app.state == "SMS_SENT");
  CHECK(app.mobile == kMobile);
  CHECK(app.holder.credit_card == kCredit);
  CHECK(app.holder.debit_card == kDebit);
  CHECK(h.store.agreements.empty());

  // A repeat answers SMS_SENT again, no second SMS.
  auto again = h.apply(apply_fields());
  CHECK(field(again, "Status") == "SMS_SENT");
  CHECK(h.channel.calls.size() == 1);
}

TEST_CASE("qsign/apply: declines, not executed, value and form errors") {
  Harness h;
  SUBCASE("declined 3003") {
    h.channel.script.push_back(declined("3003", "1003"));
    auto a = h.apply(apply_fields());
    CHECK(a.resp_code == "1003");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.store.applications.empty());
  }
  SUBCASE("declined 3002") {
    h.channel.script.push_back(declined("3002", "1002"));
    CHECK(h.apply(apply_fields()).resp_code == "1002");
  }
  SUBCASE("busy") {
    h.channel.script.push_back(busy());
    check_not_executed(h.apply(apply_fields()));
    CHECK(h.store.requests.empty());
    CHECK(h.store.applications.empty());
  }
  SUBCASE("unknown") {
    h.channel.script.push_back(timed_out());
    check_not_executed(h.apply(apply_fields()));
    CHECK(h.store.requests.empty());
  }
  SUBCASE("4001") {
    h.channel.script.push_back(answered("4001", ChannelMapping{ChannelClass::kConfigError, "9999"}));
    check_not_executed(h.apply(apply_fields()));
    CHECK(h.store.requests.empty());
    CHECK(h.store.applications.empty());
  }
  SUBCASE("2003") {
    Fields f = apply_fields();
    f["DebitCardNo"] = "4111111111111112";
    auto a = h.apply(f);
    CHECK(a.resp_code == "2003");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("2004") {
    Fields f = apply_fields();
    f["IdNo"] = "110105194912310021";
    CHECK(h.apply(f).resp_code == "2004");
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("form errors") {
    for (const char* name :
         {"ReqNo", "CreditCardNo", "Name", "IdType", "IdNo", "DebitCardNo", "Mobile"}) {
      CAPTURE(name);
      Fields f = apply_fields();
      f.erase(name);
      auto a = h.apply(f);
      CHECK(a.resp_code == "2007");
      CHECK(a.resp_msg.find(name) != std::string::npos);
      CHECK_FALSE(has(a, "Status"));
    }
    Fields f = apply_fields();
    f["Mobile"] = "2380013800";
    CHECK(h.apply(f).resp_msg.find("Mobile") != std::string::npos);
    CHECK(h.store.claims == 0);
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("no quick-pay channel for the center") {
    h.center.quick_channel.clear();
    auto a = h.apply(apply_fields());
    CHECK(a.resp_code == "2007");
    CHECK(h.store.requests.empty());
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("store failures") {
    h.store.failing.insert("active_agreement");
    check_not_executed(h.apply(apply_fields()));
    CHECK(h.store.requests.empty());
    CHECK(h.channel.calls.empty());
  }
}

TEST_CASE("qsign/apply: an existing QUICK agreement answers SIGNED with no SMS") {
  Harness h;
  h.store.add_agreement("AG-Q", kQuick);
  auto a = h.apply(apply_fields());
  CHECK(a.resp_code == "0000");
  CHECK(field(a, "Status") == "SIGNED");
  CHECK(field(a, "AgreementNo") == "AG-Q");
  CHECK(field(a, "ProtocolNo") == "P-AG-Q");
  CHECK(h.channel.calls.empty());
  CHECK(h.store.applications.empty());

  SUBCASE("a confirm of that apply: no SMS was sent, FAILED 2009") {
    auto c = h.confirm(confirm_fields("K1", "A1"));
    CHECK(c.resp_code == "2009");
    CHECK(field(c, "Status") == "FAILED");
    CHECK(h.channel.calls.empty());
  }
  SUBCASE("a COLLECT agreement of the same cards does not count") {
    h.store.agreements.clear();
    h.store.add_agreement("AG-C", kCollect);
    h.channel.script.push_back(ok_answer());
    CHECK(field(h.apply(apply_fields("A2")), "Status") == "SMS_SENT");
    CHECK(h.channel.calls.size() == 1);
  }
}

// ---------------------------------------------------------------------------------------------
// qsign/confirm

TEST_CASE("qsign/confirm: an unknown application is FAILED 2009 without a channel call") {
  Harness h;
  auto a = h.confirm(confirm_fields("K1", "A404"));
  CHECK(a.resp_code == "2009");
  CHECK(field(a, "Status") == "FAILED");
  CHECK(h.channel.calls.empty());
  CHECK(h.store.requests.at({"C1", "K1"}).done);

  SUBCASE("another center's application is unknown too") {
    h.sms_sent("A1");
    h.center.center_id = "C2";
    CHECK(h.confirm(confirm_fields("K2", "A1")).resp_code == "2009");
    CHECK(h.channel.calls.size() == 1);
  }
}

TEST_CASE("qsign/confirm: success creates the QUICK agreement and signs the application") {
  Harness h;
  h.sms_sent();
  const std::string apply_sn = h.channel.calls[0].req_sn;
  h.channel.script.push_back(ok_answer({{"ProtocolNo", "PROTO-1"}}));
  auto a = h.confirm(confirm_fields("K1", "A1", "654321"));
  CHECK(a.resp_code == "0000");
  CHECK(field(a, "Status") == "SIGNED");
  const std::string no = field(a, "AgreementNo");
  CHECK(field(a, "ProtocolNo") == "PROTO-1");

  REQUIRE(h.channel.calls.size() == 2);
  const ChannelCall& call = h.channel.calls[1];
  CHECK(call.channel_id == "QP1");
  CHECK(call.tx_code == "SIGNCONFIRM");
  CHECK(call_field(call, "OrigReqSn") == apply_sn);
  CHECK(call_field(call, "SmsCode") == "654321");
  CHECK(call.req_sn != apply_sn);

  REQUIRE(h.store.agreements.count(no) == 1);
  const Agreement& ag = h.store.agreements[no];
  CHECK(ag.kind == "QUICK");
  CHECK(ag.channel_id == "QP1");
  CHECK(ag.protocol_no == "PROTO-1");
  CHECK(ag.mobile == kMobile);
  CHECK(ag.holder.credit_card == kCredit);
  CHECK(ag.state == signing::AgreementState::kActive);
  const QuickApplication& app = h.store.app("A1");
  CHECK(app.state == "SIGNED");
  CHECK(app.agreement_no == no);
  CHECK(app.tries == 1);

  SUBCASE("a later confirm answers SIGNED without a channel call") {
    auto b = h.confirm(confirm_fields("K2", "A1", "000000"));
    CHECK(b.resp_code == "0000");
    CHECK(field(b, "Status") == "SIGNED");
    CHECK(field(b, "AgreementNo") == no);
    CHECK(field(b, "ProtocolNo") == "PROTO-1");
    CHECK(h.channel.calls.size() == 2);
  }
  SUBCASE("the apply's ReqNo repeated answers the current state: SIGNED") {
    auto b = h.apply(apply_fields());
    CHECK(b.resp_code == "0000");
    CHECK(field(b, "Status") == "SIGNED");
    CHECK(field(b, "AgreementNo") == no);
    CHECK(field(b, "ProtocolNo") == "PROTO-1");
    CHECK(h.channel.calls.size() == 2);
  }
  SUBCASE("the confirm's ReqNo repeated answers the same") {
    auto b = h.confirm(confirm_fields("K1", "A1", "654321"));
    CHECK(field(b, "Status") == "SIGNED");
    CHECK(field(b, "AgreementNo") == no);
    CHECK(h.channel.calls.size() == 2);
  }
  SUBCASE("a new apply for the same cards answers SIGNED with no SMS") {
    auto b = h.apply(apply_fields("A2"));
    CHECK(field(b, "Status") == "SIGNED");
    CHECK(field(b, "AgreementNo") == no);
    CHECK(h.channel.calls.size() == 2);
  }
}

TEST_CASE("qsign/confirm: a wrong code answers SMS_SENT 1006 until the 5th try, then FAILED 1007") {
  Harness h;
  h.sms_sent();
  for (int i = 1; i <= 4; ++i) {
    CAPTURE(i);
    h.channel.script.push_back(declined("3006", "1006"));
    auto a = h.confirm(confirm_fields("K" + std::to_string(i)));
    CHECK(a.resp_code == "1006");
    CHECK(field(a, "Status") == "SMS_SENT");
    CHECK_FALSE(has(a, "AgreementNo"));
    CHECK(h.store.app("A1").state == "SMS_SENT");
    CHECK(h.store.app("A1").tries == i);
  }
  h.channel.script.push_back(declined("3006", "1006"));
  auto fifth = h.confirm(confirm_fields("K5"));
  CHECK(fifth.resp_code == "1007");
  CHECK(field(fifth, "Status") == "FAILED");
  CHECK(h.store.app("A1").state == "FAILED");
  CHECK(h.store.app("A1").resp_code == "1007");
  CHECK(h.channel.calls.size() == 6);

  // After FAILED: FAILED 1007 without a channel call.
  auto sixth = h.confirm(confirm_fields("K6"));
  CHECK(sixth.resp_code == "1007");
  CHECK(field(sixth, "Status") == "FAILED");
  CHECK(h.channel.calls.size() == 6);
  // The apply's ReqNo repeated: its current state.
  auto apply_again = h.apply(apply_fields());
  CHECK(apply_again.resp_code == "1007");
  CHECK(field(apply_again, "Status") == "FAILED");
  CHECK(h.channel.calls.size() == 6);
  // A wrong-code confirm repeated answers what it answered.
  auto k1 = h.confirm(confirm_fields("K1"));
  CHECK(k1.resp_code == "1006");
}

TEST_CASE("qsign/confirm: 3007 (expired) and other declines fail the application") {
  Harness h;
  h.sms_sent();
  SUBCASE("3007") {
    h.channel.script.push_back(declined("3007", "1007"));
    auto a = h.confirm(confirm_fields("K1"));
    CHECK(a.resp_code == "1007");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.store.app("A1").state == "FAILED");
    CHECK(h.store.app("A1").resp_code == "1007");
  }
  SUBCASE("3005: later confirms answer the application's code without a call") {
    h.channel.script.push_back(declined("3005", "1005"));
    auto a = h.confirm(confirm_fields("K1"));
    CHECK(a.resp_code == "1005");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.store.app("A1").resp_code == "1005");
    auto b = h.confirm(confirm_fields("K2"));
    CHECK(b.resp_code == "1005");
    CHECK(field(b, "Status") == "FAILED");
    CHECK(h.channel.calls.size() == 2);
  }
}

TEST_CASE("qsign/confirm: no try left (counted elsewhere) fails the application with 1007") {
  Harness h;
  h.sms_sent();
  h.store.applications[{"C1", "A1"}].tries = 5;
  auto a = h.confirm(confirm_fields("K1"));
  CHECK(a.resp_code == "1007");
  CHECK(field(a, "Status") == "FAILED");
  CHECK(h.store.app("A1").state == "FAILED");
  CHECK(h.channel.calls.size() == 1);
}

TEST_CASE("qsign/confirm: not executed gives the try back and frees the ReqNo") {
  struct Case {
    const char* name;
    ChannelResult result;
  };
  const Case cases[] = {
      {"busy", busy()},
      {"timeout", timed_out()},
      {"4001", answered("4001", ChannelMapping{ChannelClass::kConfigError, "9999"})},
      {"success without ProtocolNo", ok_answer()},
      {"success with a malformed ProtocolNo", ok_answer({{"ProtocolNo", "P 1"}})},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Harness h;
    h.sms_sent();
    h.channel.script.push_back(c.result);
    auto a = h.confirm(confirm_fields("K1"));
    check_not_executed(a);
    CHECK(h.store.app("A1").tries == 0);
    CHECK(h.store.app("A1").state == "SMS_SENT");
    CHECK(h.store.given_back == 1);
    CHECK(h.store.requests.count({"C1", "K1"}) == 0);
    CHECK(h.store.agreements.empty());
    // Retried with the same ReqNo: processed afresh.
    h.channel.script.push_back(ok_answer({{"ProtocolNo", "PROTO-1"}}));
    auto b = h.confirm(confirm_fields("K1"));
    CHECK(field(b, "Status") == "SIGNED");
    CHECK(h.store.app("A1").tries == 1);
  }
}

TEST_CASE("qsign/confirm: store failures") {
  Harness h;
  h.sms_sent();
  SUBCASE("application") {
    h.store.failing.insert("application");
    check_not_executed(h.confirm(confirm_fields("K1")));
    CHECK(h.store.requests.count({"C1", "K1"}) == 0);
  }
  SUBCASE("take_sms_try other than 1007") {
    h.store.failing.insert("take_sms_try");
    check_not_executed(h.confirm(confirm_fields("K1")));
    CHECK(h.store.app("A1").state == "SMS_SENT");
    CHECK(h.channel.calls.size() == 1);
  }
  SUBCASE("next_agreement_no after the bank confirmed") {
    h.store.failing.insert("next_agreement_no");
    h.channel.script.push_back(ok_answer({{"ProtocolNo", "PROTO-1"}}));
    check_not_executed(h.confirm(confirm_fields("K1")));
    CHECK(h.store.app("A1").tries == 0);
    CHECK(h.store.app("A1").state == "SMS_SENT");
  }
  SUBCASE("form errors") {
    for (const char* name : {"ReqNo", "OrigReqNo", "SmsCode"}) {
      CAPTURE(name);
      Fields f = confirm_fields("K1");
      f.erase(name);
      auto a = h.confirm(f);
      CHECK(a.resp_code == "2007");
      CHECK(a.resp_msg.find(name) != std::string::npos);
    }
    CHECK(h.store.claims == 1);  // the apply's only
  }
}

// ---------------------------------------------------------------------------------------------
// unsign

TEST_CASE("unsign: unknown agreement or another center's is FAILED 2001") {
  Harness h;
  auto a = h.unsign(unsign_fields("U1", "AG404"));
  CHECK(a.resp_code == "2001");
  CHECK(field(a, "Status") == "FAILED");
  h.store.add_agreement("AG-X", kCollect, "C2");
  auto b = h.unsign(unsign_fields("U2", "AG-X"));
  CHECK(b.resp_code == "2001");
  CHECK(field(b, "Status") == "FAILED");
  CHECK(h.store.agreements["AG-X"].state == signing::AgreementState::kActive);
  CHECK(h.channel.calls.empty());
}

TEST_CASE("unsign: COLLECT is revoked without a channel call; a revoked one answers REVOKED") {
  Harness h;
  h.store.add_agreement("AG-C", kCollect);
  auto a = h.unsign(unsign_fields("U1", "AG-C"));
  CHECK(a.resp_code == "0000");
  CHECK(field(a, "Status") == "REVOKED");
  CHECK_FALSE(has(a, "AgreementNo"));
  CHECK(h.store.agreements["AG-C"].state == signing::AgreementState::kRevoked);
  REQUIRE(h.store.finished.size() == 1);
  CHECK(h.store.finished[0].revoke_agreement == std::optional<std::string>("AG-C"));
  CHECK(h.channel.calls.empty());

  auto b = h.unsign(unsign_fields("U2", "AG-C"));
  CHECK(b.resp_code == "0000");
  CHECK(field(b, "Status") == "REVOKED");
  REQUIRE(h.store.finished.size() == 2);
  CHECK_FALSE(h.store.finished[1].revoke_agreement.has_value());
  CHECK(h.channel.calls.empty());

  // A revoked agreement no longer counts for sign3: a new signing goes to the channel.
  h.channel.script.push_back(ok_answer());
  auto s = h.sign3(sign3_fields("R9"));
  CHECK(field(s, "AgreementNo") != "AG-C");
  CHECK(h.channel.calls.size() == 1);
}

TEST_CASE("unsign: QUICK cancels the protocol at the channel, then revokes") {
  Harness h;
  h.store.add_agreement("AG-Q", kQuick);
  h.store.agreements["AG-Q"].channel_id = "QP7";
  SUBCASE("success") {
    h.channel.script.push_back(ok_answer());
    auto a = h.unsign(unsign_fields("U1", "AG-Q"));
    CHECK(a.resp_code == "0000");
    CHECK(field(a, "Status") == "REVOKED");
    REQUIRE(h.channel.calls.size() == 1);
    CHECK(h.channel.calls[0].tx_code == "UNSIGN");
    CHECK(h.channel.calls[0].channel_id == "QP7");
    CHECK(call_field(h.channel.calls[0], "ProtocolNo") == "P-AG-Q");
    CHECK(h.store.agreements["AG-Q"].state == signing::AgreementState::kRevoked);
    // Repeated: same answer, no second call.
    CHECK(field(h.unsign(unsign_fields("U1", "AG-Q")), "Status") == "REVOKED");
    CHECK(h.channel.calls.size() == 1);
  }
  SUBCASE("declined: FAILED with our code, still active") {
    h.channel.script.push_back(declined("3002", "1002"));
    auto a = h.unsign(unsign_fields("U1", "AG-Q"));
    CHECK(a.resp_code == "1002");
    CHECK(field(a, "Status") == "FAILED");
    CHECK(h.store.agreements["AG-Q"].state == signing::AgreementState::kActive);
  }
  SUBCASE("not executed: 9999, still active, ReqNo free") {
    h.channel.script.push_back(busy());
    check_not_executed(h.unsign(unsign_fields("U1", "AG-Q")));
    CHECK(h.store.agreements["AG-Q"].state == signing::AgreementState::kActive);
    CHECK(h.store.requests.empty());
  }
}

TEST_CASE("unsign: store failure and form errors") {
  Harness h;
  h.store.add_agreement("AG-C", kCollect);
  SUBCASE("agreement read fails") {
    h.store.failing.insert("agreement");
    check_not_executed(h.unsign(unsign_fields("U1", "AG-C")));
    CHECK(h.store.requests.empty());
    h.store.failing.clear();
    CHECK(h.store.agreements["AG-C"].state == signing::AgreementState::kActive);
  }
  SUBCASE("form errors") {
    for (const char* name : {"ReqNo", "AgreementNo"}) {
      CAPTURE(name);
      Fields f = unsign_fields("U1", "AG-C");
      f.erase(name);
      auto a = h.unsign(f);
      CHECK(a.resp_code == "2007");
      CHECK(a.resp_msg.find(name) != std::string::npos);
    }
    CHECK(h.store.claims == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Claims across calls

TEST_CASE("a stale claim left by a dead process is taken over; the old holder cannot finish") {
  Harness h;
  h.channel.hold = true;
  std::vector<ApiAnswer> first;
  h.service.sign3(h.center, sign3_fields(), [&](ApiAnswer a) { first.push_back(std::move(a)); });
  REQUIRE(h.channel.pending.size() == 1);
  h.clock.advance(121s);  // past SigningOptions::stale_claim
  h.channel.hold = false;
  h.channel.script.push_back(ok_answer());
  auto a = h.sign3(sign3_fields());
  CHECK(field(a, "Status") == "SIGNED");
  CHECK(h.channel.calls.size() == 2);
  // The first holder's late answer: its claim is gone (STALE), so it stores nothing.
  h.channel.complete(ok_answer());
  REQUIRE(first.size() == 1);
  check_not_executed(first[0]);
  CHECK(h.store.agreements.size() == 1);
  CHECK(h.store.finished.size() == 1);
  // A retry gets the taken-over call's result.
  auto again = h.sign3(sign3_fields());
  CHECK(field(again, "AgreementNo") == field(a, "AgreementNo"));
}

}  // namespace
}  // namespace repay::signing
