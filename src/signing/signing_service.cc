#include "signing/signing_service.h"

#include <utility>

#include "core/codes.h"
#include "core/log.h"
#include "core/validate.h"
#include "signing/outcome.h"

namespace repay::signing {

struct SigningService::Call {
  SigningCenter center;
  std::string req_no;
  std::string token;
  Reply reply;
  std::string req_sn;  // of the bank call in flight
  std::string actor() const { return "api:" + center.center_id + ":" + req_no; }
};

namespace {

SigningRecord record(const char* tx, const char* status, std::string code,
                     std::string agreement_no = {}) {
  SigningRecord r;
  r.tx_code = tx;
  r.status = status;
  r.resp_msg = std::string(codes::message(code));
  r.resp_code = std::move(code);
  r.agreement_no = std::move(agreement_no);
  return r;
}

std::string field_of(const channel::ChannelResult& r, const std::string& name) {
  auto it = r.fields.find(name);
  return it == r.fields.end() ? std::string() : it->second;
}

ApiAnswer rejected(const Error& e) { return ApiAnswer::of(e.code, e.message); }

}  // namespace

SigningService::SigningService(SigningStore& store, ChannelPort& channels, const Clock& clock,
                               Post post, SigningOptions options)
    : store_(store), channels_(channels), clock_(clock), post_(std::move(post)), options_(options) {}

bool SigningService::begin(Call& c, const std::string& tx_code, const std::string& canonical) {
  auto claim = store_.claim(c.center.center_id, c.req_no, tx_code, canonical, clock_.now(),
                            options_.stale_claim);
  if (!claim) {
    log::error("signing.claim_failed", {{"center", c.center.center_id}, {"reqNo", c.req_no},
                                        {"error", claim.error().to_string()}});
    c.reply(ApiAnswer::of(codes::kSystemError, "system error, retry later"));
    return false;
  }
  switch (claim->kind) {
    case Claim::Kind::kClaimed:
      c.token = claim->token;
      return true;
    case Claim::Kind::kDone:
      c.reply(answer_of(claim->record));
      return false;
    case Claim::Kind::kInProgress:
      c.reply(ApiAnswer::of(codes::kSystemError, "the same request is in progress, retry later"));
      return false;
    case Claim::Kind::kConflict:
      c.reply(ApiAnswer::of(codes::kDuplicate, "ReqNo already used with other fields")
                  .with("Status", kFailed));
      return false;
  }
  return false;
}

ApiAnswer SigningService::answer_of(const SigningRecord& stored) {
  SigningRecord r = stored;
  // center-api.md: a repeated ReqNo returns the *current* state of the original; an apply whose
  // SMS was later confirmed (or whose tries ran out) has moved on since it was answered.
  if (r.tx_code == kTxQsignApply && r.status == kSmsSent) {
    auto app = store_.application(r.center_id, r.req_no);
    if (app && app->has_value()) {
      const auto& a = **app;
      if (a.state == kSigned) r = record(kTxQsignApply, kSigned, codes::kSuccess, a.agreement_no);
      if (a.state == kFailed) r = record(kTxQsignApply, kFailed, a.resp_code);
    }
  }
  ApiAnswer ans = ApiAnswer::of(r.resp_code, r.resp_msg);
  ans.with("Status", r.status);
  if (r.status == kSigned && !r.agreement_no.empty()) {
    ans.with("AgreementNo", r.agreement_no);
    auto ag = store_.agreement(r.agreement_no);
    if (ag && ag->has_value() && (*ag)->kind == kQuick) ans.with("ProtocolNo", (*ag)->protocol_no);
  }
  return ans;
}

void SigningService::finish(Call& c, SigningOutcome o) {
  o.center_id = c.center.center_id;
  o.req_no = c.req_no;
  o.token = c.token;
  o.actor = c.actor();
  o.now = clock_.now();
  auto stored = store_.finish(o);
  if (!stored) {
    log::error("signing.finish_failed", {{"center", c.center.center_id}, {"reqNo", c.req_no},
                                         {"error", stored.error().to_string()}});
    c.reply(ApiAnswer::of(codes::kSystemError, "system error, retry later"));
    return;
  }
  c.reply(answer_of(*stored));
}

void SigningService::not_executed(Call& c, const std::string& why) {
  auto released = store_.release(c.center.center_id, c.req_no, c.token);
  if (!released) {
    log::error("signing.release_failed", {{"center", c.center.center_id}, {"reqNo", c.req_no},
                                          {"error", released.error().to_string()}});
  }
  log::warn("signing.not_executed", {{"center", c.center.center_id}, {"reqNo", c.req_no},
                                     {"why", why}});
  c.reply(ApiAnswer::of(codes::kSystemError, "bank gave no result, retry with the same ReqNo"));
}

void SigningService::bank(Call call, channel::ChannelCall request,
                          std::function<void(Call&, const channel::ChannelResult&)> next) {
  auto req_sn = store_.next_req_sn();
  if (!req_sn) return not_executed(call, req_sn.error().to_string());
  request.req_sn = *req_sn;
  call.req_sn = *req_sn;
  request.priority = channel::Priority::kRealtime;  // a cardholder is waiting
  channels_.submit(std::move(request), [this, call = std::move(call), next = std::move(next)](
                                           channel::ChannelResult result) mutable {
    post_([call = std::move(call), next = std::move(next), result = std::move(result)]() mutable {
      next(call, result);
    });
  });
}

void SigningService::sign3(const SigningCenter& center, const Fields& fields, Reply reply) {
  auto req = parse_sign3(fields);
  if (!req) return reply(rejected(req.error()));
  Call c{center, req->req_no, {}, std::move(reply), {}};
  if (!begin(c, kTxSign3, canonical(*req))) return;
  SigningOutcome o;
  if (auto bad = holder_value_error(req->holder, center.luhn_check)) {
    o.record = record(kTxSign3, kFailed, *bad);
    return finish(c, std::move(o));
  }
  if (center.collect_channel.empty()) {
    (void)store_.release(center.center_id, c.req_no, c.token);
    return c.reply(ApiAnswer::of(codes::kInvalidField, "sign3 is not offered to this card center"));
  }
  auto existing = store_.active_agreement(center.center_id, req->holder.credit_card,
                                          req->holder.debit_card, kCollect);
  if (!existing) return not_executed(c, existing.error().to_string());
  if (existing->has_value()) {
    // center-api.md: an active agreement for the same cards is returned as it is.
    o.record = record(kTxSign3, kSigned, codes::kSuccess, (*existing)->agreement_no);
    return finish(c, std::move(o));
  }
  const CardHolder h = req->holder;
  channel::ChannelCall call{center.collect_channel, "VERIFY3", {},
                            {{"Name", h.name}, {"IdType", h.id_type}, {"IdNo", h.id_no},
                             {"CardNo", h.debit_card}}};
  bank(std::move(c), std::move(call), [this, h](Call& c, const channel::ChannelResult& r) {
    auto v = read_signing_result(r);
    if (v.alert) log::alert("channel.signature_rejected", {{"channel", c.center.collect_channel}});
    SigningOutcome o;
    if (v.kind == BankVerdict::Kind::kNotExecuted) return not_executed(c, v.detail);
    if (v.kind == BankVerdict::Kind::kDeclined) {
      o.record = record(kTxSign3, kFailed, v.code);
      return finish(c, std::move(o));
    }
    auto no = store_.next_agreement_no(clock_.now());
    if (!no) return not_executed(c, no.error().to_string());
    Agreement a;
    a.agreement_no = *no;
    a.center_id = c.center.center_id;
    a.kind = kCollect;
    a.channel_id = c.center.collect_channel;
    a.state = AgreementState::kActive;
    a.holder = h;
    o.create_agreement = a;
    o.record = record(kTxSign3, kSigned, codes::kSuccess, *no);
    o.reason = "three elements verified";
    finish(c, std::move(o));
  });
}

void SigningService::qsign_apply(const SigningCenter& center, const Fields& fields, Reply reply) {
  auto req = parse_qsign_apply(fields);
  if (!req) return reply(rejected(req.error()));
  Call c{center, req->req_no, {}, std::move(reply), {}};
  if (!begin(c, kTxQsignApply, canonical(*req))) return;
  SigningOutcome o;
  if (auto bad = holder_value_error(req->holder, center.luhn_check)) {
    o.record = record(kTxQsignApply, kFailed, *bad);
    return finish(c, std::move(o));
  }
  if (center.quick_channel.empty()) {
    (void)store_.release(center.center_id, c.req_no, c.token);
    return c.reply(ApiAnswer::of(codes::kInvalidField, "qsign is not offered to this card center"));
  }
  auto existing = store_.active_agreement(center.center_id, req->holder.credit_card,
                                          req->holder.debit_card, kQuick);
  if (!existing) return not_executed(c, existing.error().to_string());
  if (existing->has_value()) {
    // center-api.md: an active agreement is returned as it is, with no SMS.
    o.record = record(kTxQsignApply, kSigned, codes::kSuccess, (*existing)->agreement_no);
    return finish(c, std::move(o));
  }
  const CardHolder h = req->holder;
  const std::string mobile = req->mobile;
  channel::ChannelCall call{center.quick_channel, "SIGNAPPLY", {},
                            {{"Name", h.name}, {"IdType", h.id_type}, {"IdNo", h.id_no},
                             {"CardNo", h.debit_card}, {"Mobile", mobile}}};
  bank(std::move(c), std::move(call),
       [this, h, mobile](Call& c, const channel::ChannelResult& r) {
         auto v = read_signing_result(r);
         if (v.alert) log::alert("channel.signature_rejected", {{"channel", c.center.quick_channel}});
         SigningOutcome o;
         if (v.kind == BankVerdict::Kind::kNotExecuted) return not_executed(c, v.detail);
         if (v.kind == BankVerdict::Kind::kDeclined) {
           o.record = record(kTxQsignApply, kFailed, v.code);
           return finish(c, std::move(o));
         }
         QuickApplication app;
         app.center_id = c.center.center_id;
         app.apply_req_no = c.req_no;
         app.channel_id = c.center.quick_channel;
         app.req_sn = c.req_sn;
         app.state = kSmsSent;
         app.holder = h;
         app.mobile = mobile;
         o.create_application = app;
         o.record = record(kTxQsignApply, kSmsSent, codes::kSuccess);
         o.reason = "SMS sent by the bank";
         finish(c, std::move(o));
       });
}

void SigningService::qsign_confirm(const SigningCenter& center, const Fields& fields, Reply reply) {
  auto req = parse_qsign_confirm(fields);
  if (!req) return reply(rejected(req.error()));
  Call c{center, req->req_no, {}, std::move(reply), {}};
  if (!begin(c, kTxQsignConfirm, canonical(*req))) return;
  confirm_claimed(std::move(c), *req);
}

void SigningService::confirm_claimed(Call c, QsignConfirmRequest req) {
  SigningOutcome o;
  auto app = store_.application(c.center.center_id, req.orig_req_no);
  if (!app) return not_executed(c, app.error().to_string());
  if (!app->has_value()) {
    o.record = record(kTxQsignConfirm, kFailed, codes::kNoSuchTxn);
    o.record.resp_msg = "no SMS was sent for OrigReqNo";
    return finish(c, std::move(o));
  }
  const QuickApplication a = **app;
  if (a.state == kSigned) {
    // A confirm after the signing succeeded: the same agreement and ProtocolNo, no bank call.
    o.record = record(kTxQsignConfirm, kSigned, codes::kSuccess, a.agreement_no);
    return finish(c, std::move(o));
  }
  if (a.state == kFailed) {
    o.record = record(kTxQsignConfirm, kFailed, a.resp_code.empty() ? codes::kSmsExpired : a.resp_code);
    return finish(c, std::move(o));
  }
  auto tries = store_.take_sms_try(c.center.center_id, req.orig_req_no, options_.max_sms_tries);
  if (!tries) {
    if (tries.error().code != codes::kSmsExpired) return not_executed(c, tries.error().to_string());
    o.record = record(kTxQsignConfirm, kFailed, codes::kSmsExpired);
    o.application_update = ApplicationUpdate{req.orig_req_no, kFailed, codes::kSmsExpired};
    return finish(c, std::move(o));
  }
  const int tries_now = *tries;
  channel::ChannelCall call{a.channel_id, "SIGNCONFIRM", {},
                            {{"OrigReqSn", a.req_sn}, {"SmsCode", req.sms_code}}};
  bank(std::move(c), std::move(call),
       [this, a, tries_now, orig = req.orig_req_no](Call& c, const channel::ChannelResult& r) {
         auto v = read_signing_result(r);
         if (v.alert) log::alert("channel.signature_rejected", {{"channel", a.channel_id}});
         SigningOutcome o;
         auto give_back = [&](const std::string& why) {
           (void)store_.give_back_sms_try(c.center.center_id, orig);
           not_executed(c, why);
         };
         if (v.kind == BankVerdict::Kind::kNotExecuted) return give_back(v.detail);
         if (v.kind == BankVerdict::Kind::kDeclined) {
           std::string code = v.code;
           if (code == codes::kSmsWrong && tries_now < options_.max_sms_tries) {
             o.record = record(kTxQsignConfirm, kSmsSent, codes::kSmsWrong);
             o.reason = "wrong SMS code";
             return finish(c, std::move(o));
           }
           if (code == codes::kSmsWrong) code = codes::kSmsExpired;  // the last try was wrong
           o.record = record(kTxQsignConfirm, kFailed, code);
           o.application_update = ApplicationUpdate{orig, kFailed, code};
           o.reason = "confirm declined by the bank";
           return finish(c, std::move(o));
         }
         std::string protocol = field_of(r, "ProtocolNo");
         if (!is_identifier(protocol)) return give_back("SIGNCONFIRM answer without a valid ProtocolNo");
         auto no = store_.next_agreement_no(clock_.now());
         if (!no) return give_back(no.error().to_string());
         Agreement ag;
         ag.agreement_no = *no;
         ag.center_id = c.center.center_id;
         ag.kind = kQuick;
         ag.channel_id = a.channel_id;
         ag.state = AgreementState::kActive;
         ag.holder = a.holder;
         ag.mobile = a.mobile;
         ag.protocol_no = protocol;
         o.create_agreement = ag;
         o.application_update = ApplicationUpdate{orig, kSigned, codes::kSuccess};
         o.record = record(kTxQsignConfirm, kSigned, codes::kSuccess, *no);
         o.reason = "SMS code confirmed";
         finish(c, std::move(o));
       });
}

void SigningService::unsign(const SigningCenter& center, const Fields& fields, Reply reply) {
  auto req = parse_unsign(fields);
  if (!req) return reply(rejected(req.error()));
  Call c{center, req->req_no, {}, std::move(reply), {}};
  if (!begin(c, kTxUnsign, canonical(*req))) return;
  SigningOutcome o;
  auto ag = store_.agreement(req->agreement_no);
  if (!ag) return not_executed(c, ag.error().to_string());
  if (!ag->has_value() || (*ag)->center_id != center.center_id) {
    o.record = record(kTxUnsign, kFailed, codes::kAgreementNotFound);
    return finish(c, std::move(o));
  }
  const Agreement a = **ag;
  if (a.state == AgreementState::kRevoked) {
    // Revoking a revoked agreement ends where the caller wants it: REVOKED (docs/decisions.md).
    o.record = record(kTxUnsign, kRevokedStatus, codes::kSuccess);
    return finish(c, std::move(o));
  }
  if (a.kind == kCollect) {
    o.record = record(kTxUnsign, kRevokedStatus, codes::kSuccess);
    o.revoke_agreement = a.agreement_no;
    o.reason = "revoked by the card center";
    return finish(c, std::move(o));
  }
  // center-api.md: unsign of a quick-pay agreement also cancels the protocol at the channel.
  channel::ChannelCall call{a.channel_id, "UNSIGN", {}, {{"ProtocolNo", a.protocol_no}}};
  bank(std::move(c), std::move(call), [this, a](Call& c, const channel::ChannelResult& r) {
    auto v = read_signing_result(r);
    if (v.alert) log::alert("channel.signature_rejected", {{"channel", a.channel_id}});
    SigningOutcome o;
    if (v.kind == BankVerdict::Kind::kNotExecuted) return not_executed(c, v.detail);
    if (v.kind == BankVerdict::Kind::kDeclined) {
      o.record = record(kTxUnsign, kFailed, v.code);
      return finish(c, std::move(o));
    }
    o.record = record(kTxUnsign, kRevokedStatus, codes::kSuccess);
    o.revoke_agreement = a.agreement_no;
    o.reason = "revoked by the card center, protocol cancelled at the channel";
    finish(c, std::move(o));
  });
}

}  // namespace repay::signing
