// The signed channel endpoints: POST /<channelId>/gateway and GET /<channelId>/statement, with
// the fault dice applied around the Bank (docs/simulator.md, "Fault knobs").
#include <memory>

#include "core/log.h"
#include "core/mask.h"
#include "simulator/service.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::sim {
namespace {

server::HttpResponse status_only(int status) {
  server::HttpResponse r;
  r.status = status;
  return r;
}

server::HttpResponse dropped() {
  server::HttpResponse r;
  r.drop_connection = true;
  return r;
}

}  // namespace

std::string BankService::verify(Channel& ch, const Request& req, std::string_view target) {
  wire::SignedHeaders h{req.header("x-sender-id"), req.header("x-timestamp"),
                        req.header("x-nonce"), req.header("x-signature")};
  if (h.sender_id != ch.config.spec.merchant_id) return "X-Sender-Id is not the MerchantId";
  auto check = wire::verify_message(h, ch.config.secrets, clock_, target, req.body);
  bool on_sim_clock = true;
  // A shifted simulator still accepts a peer on the real clock (docs/simulator.md, Clock).
  if (check == wire::SignatureCheck::kStaleTimestamp && clock_.offset().count() != 0) {
    check = wire::verify_message(h, ch.config.secrets, real_clock_, target, req.body);
    on_sim_clock = false;
  }
  if (check != wire::SignatureCheck::kOk) return std::string(wire::to_string(check));
  {
    std::lock_guard lock(nonce_mu_);
    Instant now = real_clock_.now();
    while (!nonce_order_.empty() &&
           nonce_order_.front().first + std::chrono::seconds(wire::kNonceMemorySeconds) < now) {
      nonces_.erase(nonce_order_.front().second);
      nonce_order_.pop_front();
    }
    std::string key = ch.config.spec.id + "|" + h.sender_id + "|" + h.nonce;
    if (!nonces_.emplace(key, now).second) return "replayed nonce";
    nonce_order_.emplace_back(now, key);
  }
  ch.peer_on_sim_clock.store(on_sim_clock);
  return {};
}

server::HttpResponse BankService::signed_answer(Channel& ch, const Answer& a) {
  Answer full = a;
  if (full.ret_msg.empty()) full.ret_msg = ret_msg(full.ret_code);
  Response r = signed_text(ch, wire::build_xml_message("ChannelResponse", full.all_fields()));
  r.content_type = "application/xml; charset=utf-8";
  return r;
}

server::HttpResponse BankService::signed_text(Channel& ch, std::string body) {
  const std::string& id = ch.config.spec.id;
  wire::SignedHeaders h = wire::sign_message(ch.config.secrets.at(0), id, clock_of(ch), "", body);
  Response r;
  r.status = 200;
  r.headers = {{wire::kHeaderSender, h.sender_id},
               {wire::kHeaderTimestamp, h.timestamp},
               {wire::kHeaderNonce, h.nonce},
               {wire::kHeaderSignature, h.signature}};
  r.body = std::move(body);
  return r;
}

void BankService::gateway(Channel& ch, Request&& req, server::Respond respond) {
  const std::string& id = ch.config.spec.id;
  auto parsed = wire::parse_xml_message(req.body);
  if (!parsed.ok() || parsed->root != "ChannelRequest") {
    server::HttpResponse bad = status_only(400);
    bad.body = "malformed ChannelRequest\n";
    respond(std::move(bad));
    return;
  }
  const wire::XmlMessage& msg = *parsed;
  Answer refusal;
  refusal.tx_code = msg.get("TxCode").value_or("");
  refusal.req_sn = msg.get("ReqSn").value_or("");
  std::string why = verify(ch, req, "POST " + req.target);
  if (why.empty() && msg.get("MerchantId") != ch.config.spec.merchant_id) why = "wrong MerchantId";
  if (!why.empty()) {
    log::warn("sim_rejected", {{"channel", id}, {"req_sn", refusal.req_sn}, {"why", why}});
    refusal.ret_code = "4001";
    respond(signed_answer(ch, refusal));
    return;
  }

  Faults f;
  {
    std::lock_guard lock(faults_mu_);
    f = faults_;
  }
  GatewayRoll roll = dice_.roll_gateway(f);
  // Answers `delay_ms` after the request arrived (a bank's answer time includes its own work),
  // on an io thread through the server's timers; then runs `then`. (`received` is stamped by the
  // server for every request it reads.)
  const auto due = req.received + std::chrono::milliseconds(roll.delay_ms);
  auto deliver = [this, respond, due](Response r, std::function<void()> then) {
    auto send = [respond, r = std::move(r), then = std::move(then)]() mutable {
      respond(std::move(r));
      if (then) then();
    };
    if (due > std::chrono::steady_clock::now()) server_->at(due, std::move(send));
    else send();
  };
  const std::string orig_req_sn = msg.get("OrigReqSn").value_or("");  // QUERY, REFUND
  auto log_line = [&](const std::string& ret) {
    if (!log::enabled(log::Level::kInfo)) return;  // no strings built for a line not written
    log::info("sim_gateway", {{"channel", id}, {"tx", refusal.tx_code},
                              {"req_sn", refusal.req_sn}, {"orig_req_sn", orig_req_sn}, {"ret", ret},
                              {"delay_ms", std::to_string(roll.delay_ms)}});
  };
  switch (roll.refusal) {
    case Refusal::kNoAnswer: log_line("NO_ANSWER"); return deliver(dropped(), nullptr);
    case Refusal::kHttp429: log_line("HTTP429"); return deliver(status_only(429), nullptr);
    case Refusal::kHttp500: log_line("HTTP500"); return deliver(status_only(500), nullptr);
    case Refusal::kBusy:
      refusal.ret_code = "9001";
      log_line("9001");
      return deliver(signed_answer(ch, refusal), nullptr);
    case Refusal::kSignature:
      refusal.ret_code = "4001";
      log_line("4001");
      return deliver(signed_answer(ch, refusal), nullptr);
    case Refusal::kNone: break;
  }

  // The lies of docs/simulator.md (lie-*): counts, used up one by one, no dice.
  enum class Lie { kNone, kBusy, kDeclined, kNotFound } lie = Lie::kNone;
  if (refusal.tx_code == "DEBIT" || refusal.tx_code == "QUERY") {
    std::lock_guard lock(faults_mu_);
    const std::string key = id + "|" + refusal.req_sn;
    if (refusal.tx_code == "QUERY") {
      if (faults_.lie_query_not_found > 0) {
        --faults_.lie_query_not_found;
        lie = Lie::kNotFound;
      }
    } else if (lied_busy_.count(key) > 0) {
      lie = Lie::kBusy;
    } else if (faults_.lie_busy_debits > 0) {
      --faults_.lie_busy_debits;
      lied_busy_.insert(key);
      lie = Lie::kBusy;
    } else if (faults_.lie_declined_debits > 0) {
      lie = Lie::kDeclined;  // used up below, only by a DEBIT that succeeds
    }
  }

  std::optional<std::chrono::milliseconds> late;
  if (roll.processing && lie == Lie::kNone) late = std::chrono::milliseconds(f.late_result_ms);
  Answer a;
  std::vector<Notification> notes;
  {
    std::lock_guard lock(bank_mu_);
    a = bank_.handle(id, msg, clock_.now(), late);
    notes = bank_.take_notifications();
  }
  if (lie == Lie::kDeclined) {
    std::lock_guard lock(faults_mu_);
    if (a.ret_code != "0000" || faults_.lie_declined_debits == 0) lie = Lie::kNone;
    else --faults_.lie_declined_debits;
  }
  if (lie == Lie::kBusy || lie == Lie::kDeclined) {
    // The money moved; the answer says otherwise, and no notification tells the truth.
    notes.clear();
    Answer told;
    told.tx_code = a.tx_code;
    told.req_sn = a.req_sn;
    told.ret_code = lie == Lie::kBusy ? "9001" : "3001";
    told.ret_msg = ret_msg(told.ret_code);
    a = std::move(told);
    log::info("sim_lie", {{"channel", id}, {"tx", refusal.tx_code}, {"req_sn", refusal.req_sn},
                          {"told", a.ret_code}});
  } else if (lie == Lie::kNotFound && a.ret_code == "0000") {
    a.fields = {{"Status", "NOT_FOUND"}};
    log::info("sim_lie", {{"channel", id}, {"tx", refusal.tx_code}, {"req_sn", refusal.req_sn},
                          {"told", "NOT_FOUND"}});
  }
  if (!a.reused_by.empty()) {
    // channel-api.md: ReqSn is unique per channel across TxCodes. Every end-to-end test fails
    // on this line (tests/harness.cc).
    log::warn("sim_reqsn_reused", {{"channel", id}, {"tx", refusal.tx_code},
                                   {"req_sn", refusal.req_sn}, {"used_by", a.reused_by}});
  }
  if (late && a.ret_code == "2000") {
    scheduler_.after(*late + std::chrono::milliseconds(1), [this] { late_results(); });
  }
  if (lie != Lie::kNone) roll.lost_answer = false;  // a lie is told, never lost
  log_line(roll.lost_answer ? a.ret_code + " LOST" : a.ret_code);
  Response r = roll.lost_answer ? dropped() : signed_answer(ch, a);
  if (roll.notify_early && !notes.empty()) {
    // The notification's first attempt is over before the answer leaves.
    auto shared = std::make_shared<Response>(std::move(r));
    dispatch(std::move(notes), [deliver, shared] { deliver(std::move(*shared), nullptr); });
  } else {
    auto shared = std::make_shared<std::vector<Notification>>(std::move(notes));
    deliver(std::move(r), [this, shared] { dispatch(std::move(*shared), nullptr); });
  }
}

void BankService::late_results() {
  std::vector<Notification> notes;
  std::optional<Instant> next;
  Instant now = clock_.now();
  {
    std::lock_guard lock(bank_mu_);
    bank_.apply_due(now);
    notes = bank_.take_notifications();
    next = bank_.next_due();
  }
  dispatch(std::move(notes), nullptr);
  if (next) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now);
    scheduler_.after(std::max(wait, std::chrono::milliseconds(1)), [this] { late_results(); });
  }
}

void BankService::dispatch(std::vector<Notification> notes, std::function<void()> after) {
  Faults f;
  {
    std::lock_guard lock(faults_mu_);
    f = faults_;
  }
  auto left = std::make_shared<std::atomic<size_t>>(notes.size());
  auto one_done = [left, after] {
    if (left->fetch_sub(1) == 1 && after) after();
  };
  if (notes.empty() && after) after();
  for (Notification& n : notes) {
    NotifyRoll roll = dice_.roll_notify(f);
    if (roll.drop) {
      notifier_.note_dropped(n);
      one_done();
    } else if (roll.reorder) {
      notifier_.hold(std::move(n));
      one_done();
    } else {
      if (roll.dup) notifier_.send(n);
      notifier_.send(std::move(n), one_done);
    }
  }
}

server::HttpResponse BankService::statement(Channel& ch, const Request& req) {
  std::string why = verify(ch, req, "GET " + req.target);
  if (!why.empty()) {
    log::warn("sim_rejected", {{"channel", ch.config.spec.id}, {"why", why}});
    Response r = status_only(403);
    r.body = "signature rejected\n";
    return r;
  }
  auto date = parse_date(query_param(req.query(), "date"));
  if (!date) {
    Response r = status_only(400);
    r.body = "expected date=yyyyMMdd\n";
    return r;
  }
  std::optional<std::string> body;
  {
    std::lock_guard lock(bank_mu_);
    StatementFaults sf;
    {
      std::lock_guard flock(faults_mu_);
      sf = statement_faults(faults_);
    }
    body = bank_.statement(ch.config.spec.id, *date, clock_.now(), sf);
  }
  if (!body) {
    Response r = status_only(404);
    r.body = "not ready\n";
    return r;
  }
  return signed_text(ch, std::move(*body));
}

}  // namespace repay::sim
