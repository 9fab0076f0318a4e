#include "realtime/service.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "core/channel_query.h"
#include "core/codes.h"
#include "core/log.h"
#include "core/validate.h"
#include "debit/facts.h"
#include "realtime/answers.h"

namespace repay::realtime {
namespace {

ApiAnswer system_error() { return ApiAnswer::of(codes::kSystemError, "system error, retry later"); }

// Replies once: whichever of the channel's answer and the timeout comes first.
struct Once {
  std::atomic<bool> done{false};
  bool take() { return !done.exchange(true); }
};

// The fact of a DEBIT's or REFUND's answer: the same reading as batches (batch/pipeline.h),
// 4001 included.
debit::BankFact money_fact(const channel::ChannelResult& r) { return debit::fact_from_debit(r); }

bool prefix_allowed(const std::string& url, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return url.rfind(p, 0) == 0; });
}

}  // namespace

RealtimeService::RealtimeService(RealtimeStore& store, AgreementLookup agreements,
                                 ChannelPort& channels, const Clock& clock, Post post,
                                 PostAfter post_after, RealtimeOptions options)
    : store_(store), agreements_(std::move(agreements)), channels_(channels), clock_(clock),
      post_(std::move(post)), post_after_(std::move(post_after)), options_(std::move(options)) {}

Instant RealtimeService::retry_time(const debit::BankFact& f, int query_count) const {
  if (f.kind == debit::BankFact::Kind::kBusy || f.kind == debit::BankFact::Kind::kNotSent ||
      f.kind == debit::BankFact::Kind::kNotFound) {
    return clock_.now() + options_.busy_backoff;
  }
  const auto& b = options_.query_backoff;
  size_t i = std::min(static_cast<size_t>(std::max(query_count, 0)), b.size() - 1);
  return clock_.now() + b[i];
}

void RealtimeService::repay(const RealtimeCenter& center, const Fields& fields, Reply reply) {
  // Off the HTTP thread: the agreement is read from a pooled connection, which may have to wait.
  post_([this, center, fields, reply = std::move(reply)]() mutable {
    repay_now(center, fields, std::move(reply));
  });
}

void RealtimeService::repay_now(const RealtimeCenter& center, const Fields& fields, Reply reply) {
  auto req = parse_repay(fields);
  if (!req) return reply(ApiAnswer::of(req.error().code, req.error().message));
  if (!req->notify_url.empty() && !prefix_allowed(req->notify_url, center.notify_url_prefixes)) {
    // common.md: a NotifyUrl must start with one of the card center's allowed prefixes (2007).
    return reply(ApiAnswer::of(codes::kInvalidField, "NotifyUrl not allowed for this card center"));
  }
  NewRepayment n;
  n.center_id = center.center_id;
  n.req_no = req->req_no;
  n.canonical = canonical(*req);
  n.agreement_no = req->agreement_no;
  n.amount = req->amount;
  n.notify_url = req->notify_url.empty() ? center.default_notify_url : req->notify_url;
  auto agreement = agreements_(req->agreement_no);
  if (!agreement) return reply(system_error());
  const auto& a = *agreement;
  if (center.luhn_check && !luhn_ok(req->credit_card)) {
    n.reject_code = codes::kInvalidCard;
  } else if (req->amount == 0 || req->amount > center.per_item_limit) {
    n.reject_code = codes::kInvalidAmount;
  } else if (!a || a->state != signing::AgreementState::kActive || a->center_id != center.center_id) {
    n.reject_code = codes::kAgreementNotFound;
  } else if (a->holder.credit_card != req->credit_card) {
    n.reject_code = codes::kAgreementMismatch;
  } else {
    const FeeRule& rule = a->kind == signing::kQuick ? center.fee_quick : center.fee_collect;
    auto fee = fee_for(rule, req->amount);
    if (!fee) {
      n.reject_code = codes::kInvalidAmount;
    } else {
      n.channel_id = a->channel_id;
      n.fee = fee->fee;
      n.cardholder_fee = fee->cardholder_fee;
      n.debit_amount = fee->debit_amount;
      n.fee_rule = rule.to_string();
    }
  }
  // The claim (its ReqSn) is on disk before the DEBIT goes out or anyone is answered. It waits
  // for the writer at most a third of the card center's realtime_timeout (another process may
  // hold the write lock; the replay check may have taken another third): then the card center
  // is told 9999 (retry later) and the claim, should the writer reach it afterwards, stores
  // nothing — one or the other, never both.
  enum : int { kWaiting, kClaiming, kGaveUp };
  auto stage = std::make_shared<std::atomic<int>>(kWaiting);
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  post_after_(center.timeout / 3, [stage, shared_reply] {
    int waiting = kWaiting;
    if (stage->compare_exchange_strong(waiting, kGaveUp)) (*shared_reply)(system_error());
  });
  auto claim = std::make_shared<std::optional<Result<RepayClaim>>>();
  store_.write_then(
      [this, claim, stage, n = std::move(n)] {
        int waiting = kWaiting;
        if (!stage->compare_exchange_strong(waiting, kClaiming)) return;  // answered 9999 already
        *claim = store_.claim_repayment(n, clock_.now(), options_.node);
      },
      // On the syncing thread: what follows only queues (the DEBIT, a timer, the answer) or
      // posts (the one path that writes).
      [this, center, claim, stage, shared_reply](bool durable) mutable {
        if (stage->load() != kClaiming) {  // gave up before the claim ran (or it never ran)
          int waiting = kWaiting;
          if (stage->compare_exchange_strong(waiting, kGaveUp)) (*shared_reply)(system_error());
          return;
        }
        // Not durable, or the write threw before storing its result: nothing is sent; a retry
        // finds what was stored, if anything.
        if (!durable || !*claim) return (*shared_reply)(system_error());
        claimed_repay(center, std::move(**claim), std::move(*shared_reply));
      });
}

void RealtimeService::claimed_repay(const RealtimeCenter& center, Result<RepayClaim> claim,
                                    Reply reply) {
  if (!claim) {
    log::error("realtime.claim_failed", {{"center", center.center_id}, {"error", claim.error().to_string()}});
    return reply(system_error());
  }
  switch (claim->kind) {
    case RepayClaim::Kind::kConflict:
      return reply(ApiAnswer::of(codes::kDuplicate, "ReqNo already used with other fields").with("Status", "FAILED"));
    case RepayClaim::Kind::kExisting:
      if (!is_final(claim->view.state)) {
        return post_([this, txn_no = claim->view.txn_no, reply = std::move(reply)] {
          answer_later_repay(txn_no, reply);
        });
      }
      return reply(repay_answer(claim->view));
    case RepayClaim::Kind::kNew:
      break;
  }
  if (claim->view.state == debit::ItemState::kRejected) return reply(repay_answer(claim->view));
  send_repay(center, claim->view, claim->debit, std::move(reply));
}

void RealtimeService::answer_later_repay(const std::string& txn_no, Reply reply) {
  // The card center is told PROCESSING only through answer_processing(), which also makes sure
  // the final result will be notified.
  auto v = store_.answer_processing(txn_no, clock_.now());
  if (v) return reply(repay_answer(*v));
  // The DEBIT may have reached the bank: never 9999 (center-api.md). PROCESSING, and the card
  // center's query finds the result.
  log::error("realtime.answer_processing_failed", {{"txnNo", txn_no}, {"error", v.error().to_string()}});
  reply(ApiAnswer::of(codes::kProcessing).with("Status", "PROCESSING").with("TxnNo", txn_no));
  // Told PROCESSING: its final state is owed a notification, so the mark is stored as soon as
  // the store takes it.
  retry_store(0, [this, txn_no] { store_told_processing(txn_no, 1); });
}

void RealtimeService::store_told_processing(const std::string& txn_no, int attempt) {
  auto v = store_.told_processing(txn_no, clock_.now());
  if (v) return;
  log::error("realtime.told_processing_not_stored",
             {{"txnNo", txn_no}, {"attempt", std::to_string(attempt)}, {"error", v.error().to_string()}});
  retry_store(attempt, [this, txn_no, attempt] { store_told_processing(txn_no, attempt + 1); });
}

void RealtimeService::retry_store(int attempt, std::function<void()> again) {
  if (attempt == kAlertAfterTries) {
    log::alert("realtime.store_keeps_failing",
               {{"attempts", std::to_string(attempt)},
                {"action", "still trying while the process runs; after a stop, the next start queries it"}});
  }
  auto wait = options_.busy_backoff * (int64_t{1} << std::min(attempt, 8));
  post_after_(std::min(wait, options_.store_retry_max), std::move(again));
}

void RealtimeService::store_repay_fact(const std::string& txn_no, const debit::BankFact& f,
                                       int query_count, const std::string& actor, int attempt,
                                       std::function<void(const RepaymentView&)> stored) {
  auto after = std::make_shared<std::optional<Result<RepaymentView>>>();
  store_.write_then(
      [this, after, txn_no, f, query_count, actor] {
        *after = store_.apply_repayment_fact(txn_no, f, retry_time(f, query_count), clock_.now(), actor);
      },
      // On the syncing thread: what follows only queues (an answer, a timer).
      [this, after, txn_no, f, query_count, actor, attempt, stored = std::move(stored)](bool durable) mutable {
        if (durable && *after && **after) {
          if (stored) stored(***after);
          return;
        }
        // Not stored (the store busy past its wait, a rolled-back batch): the call stays SENDING
        // until this fact is stored — tried again while the process runs, never dropped.
        log::error("realtime.fact_not_stored",
                   {{"txnNo", txn_no}, {"attempt", std::to_string(attempt)},
                    {"error", !durable ? std::string("not committed")
                              : !*after ? std::string("the write did not run")
                                        : (*after)->error().to_string()}});
        retry_store(attempt, [this, txn_no, f, query_count, actor, attempt, stored = std::move(stored)] {
          store_repay_fact(txn_no, f, query_count, actor, attempt + 1, stored);
        });
      });
}

void RealtimeService::store_refund_fact(const std::string& refund_no, const debit::BankFact& f,
                                        int query_count, const std::string& actor, int attempt,
                                        std::function<void(const RefundView&)> stored) {
  auto after = store_.apply_refund_fact(refund_no, f, retry_time(f, query_count), clock_.now(), actor);
  if (after) {
    if (stored) stored(*after);
    return;
  }
  log::error("realtime.refund_fact_not_stored",
             {{"refundNo", refund_no}, {"attempt", std::to_string(attempt)}, {"error", after.error().to_string()}});
  retry_store(attempt, [this, refund_no, f, query_count, actor, attempt, stored = std::move(stored)] {
    store_refund_fact(refund_no, f, query_count, actor, attempt + 1, stored);
  });
}

void RealtimeService::answer_later_refund(const std::string& refund_no, Reply reply) {
  auto v = store_.answer_refund_processing(refund_no, clock_.now());
  if (v) return reply(refund_answer(*v));
  log::error("realtime.answer_processing_failed", {{"refundNo", refund_no}, {"error", v.error().to_string()}});
  reply(ApiAnswer::of(codes::kProcessing).with("Status", "PROCESSING").with("RefundNo", refund_no));
}

void RealtimeService::send_repay(const RealtimeCenter& center, const RepaymentView& v,
                                 const DebitFields& d, Reply reply) {
  channel::ChannelCall call;
  call.channel_id = v.channel_id;
  call.tx_code = "DEBIT";
  call.req_sn = v.req_sn;
  call.priority = channel::Priority::kRealtime;
  call.fields.emplace_back("Amount", format_amount(v.debit_amount));
  if (d.kind == "QUICK") {
    call.fields.emplace_back("ProtocolNo", d.protocol_no);
  } else {
    call.fields.emplace_back("CardNo", d.card_no);
    call.fields.emplace_back("Name", d.name);
    call.fields.emplace_back("IdType", d.id_type);
    call.fields.emplace_back("IdNo", d.id_no);
  }
  auto once = std::make_shared<Once>();
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  const std::string txn_no = v.txn_no;
  post_after_(center.timeout, [this, once, shared_reply, txn_no] {
    if (once->take()) answer_later_repay(txn_no, *shared_reply);
  });
  auto apply = [this, once, shared_reply, txn_no](const channel::ChannelResult& r) {
    // Until stored: meanwhile the timeout answers PROCESSING (answer_processing syncs by itself)
    // and the final state is notified.
    store_repay_fact(txn_no, money_fact(r), 0, "api:repay", 0, [once, shared_reply](const RepaymentView& a) {
      if (is_final(a.state) && once->take()) (*shared_reply)(repay_answer(a));
    });
  };
  channels_.submit(std::move(call), [this, apply](channel::ChannelResult r) {
    // Straight from the channel client's thread to the writer when write_then only queues (one
    // hand-off less per repayment); through a worker when it would write on this thread.
    if (store_.write_then_queues()) return apply(r);
    post_([apply, r = std::move(r)] { apply(r); });
  });
}

void RealtimeService::refund(const RealtimeCenter& center, const Fields& fields, Reply reply) {
  auto req = parse_refund(fields);
  if (!req) return reply(ApiAnswer::of(req.error().code, req.error().message));
  NewRefund n;
  n.center_id = center.center_id;
  n.req_no = req->req_no;
  n.canonical = canonical(*req);
  n.orig_txn_no = req->orig_txn_no;
  n.amount = req->amount;
  n.notify_url = center.default_notify_url;
  if (req->amount == 0) n.reject_code = codes::kInvalidAmount;
  auto claim = store_.claim_refund(n, clock_.now(), options_.node);
  if (!claim) {
    log::error("realtime.refund_claim_failed", {{"center", center.center_id}, {"error", claim.error().to_string()}});
    return reply(system_error());
  }
  switch (claim->kind) {
    case RefundClaim::Kind::kConflict:
      return reply(ApiAnswer::of(codes::kDuplicate, "ReqNo already used with other fields").with("Status", "FAILED"));
    case RefundClaim::Kind::kExisting:
      if (!is_final(claim->view.state)) return answer_later_refund(claim->view.refund_no, std::move(reply));
      return reply(refund_answer(claim->view));
    case RefundClaim::Kind::kNew:
      break;
  }
  if (claim->view.state == RefundState::kRefused) return reply(refund_answer(claim->view));
  send_refund(center, claim->view, std::move(reply));
}

void RealtimeService::send_refund(const RealtimeCenter& center, const RefundView& v, Reply reply) {
  channel::ChannelCall call;
  call.channel_id = v.channel_id;
  call.tx_code = "REFUND";
  call.req_sn = v.req_sn;
  call.priority = channel::Priority::kRealtime;
  call.fields = {{"OrigReqSn", v.orig_req_sn}, {"Amount", format_amount(v.debit_amount)}};
  auto once = std::make_shared<Once>();
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  const std::string refund_no = v.refund_no;
  post_after_(center.timeout, [this, once, shared_reply, refund_no] {
    if (once->take()) answer_later_refund(refund_no, *shared_reply);
  });
  channels_.submit(std::move(call), [this, once, shared_reply, refund_no](channel::ChannelResult r) {
    post_([this, once, shared_reply, refund_no, r = std::move(r)] {
      // REFUND answers read like DEBIT answers; stored until it is (every final refund is notified).
      store_refund_fact(refund_no, money_fact(r), 0, "api:refund", 0, [once, shared_reply](const RefundView& a) {
        if (is_final(a.state) && once->take()) (*shared_reply)(refund_answer(a));
      });
    });
  });
}

void RealtimeService::query(const RealtimeCenter& center, const Fields& fields, Reply answer) {
  // What it reads may be a commit of write_then() whose sync is still under way: answered once
  // that is on disk (an empty write waits for every earlier commit).
  Reply reply = [this, answer = std::move(answer)](ApiAnswer a) {
    store_.write_then([] {}, [answer, a = std::move(a)](bool durable) {
      answer(durable ? a : system_error());
    });
  };
  auto req = parse_query(fields);
  if (!req) return reply(ApiAnswer::of(req.error().code, req.error().message));
  auto typed = [](ApiAnswer a, const char* type) {
    a.fields.insert(a.fields.begin(), {"Type", type});
    return a;
  };
  const bool refund = !req->refund_no.empty() || (req->type == "REFUND" && !req->req_no.empty());
  if (refund) {
    auto v = !req->refund_no.empty() ? store_.refund_by_no(center.center_id, req->refund_no)
                                     : store_.refund_by_req_no(center.center_id, req->req_no);
    if (!v) return reply(system_error());
    if (!v->has_value()) return reply(ApiAnswer::of(codes::kNoSuchTxn, "no such refund"));
    if (!is_final((*v)->state) && !(*v)->refund_no.empty()) {
      auto p = store_.answer_refund_processing((*v)->refund_no, clock_.now());
      if (!p) return reply(system_error());
      return reply(typed(refund_answer(*p), "REFUND"));
    }
    return reply(typed(refund_answer(**v), "REFUND"));
  }
  auto v = !req->txn_no.empty() ? store_.repayment_by_txn_no(center.center_id, req->txn_no)
                                : store_.repayment_by_req_no(center.center_id, req->req_no);
  if (!v) return reply(system_error());
  if (!v->has_value()) return reply(ApiAnswer::of(codes::kNoSuchTxn, "no such repayment"));
  const RepaymentView rv = **v;
  if (is_final(rv.state) || rv.source != "R" || rv.req_sn.empty()) {
    return reply(typed(repay_answer(rv), "REPAY"));
  }
  auto finish = [this, typed, txn_no = rv.txn_no](Reply r) {
    auto p = store_.answer_processing(txn_no, clock_.now());
    r(p ? typed(repay_answer(*p), "REPAY") : system_error());
  };
  if (clock_.now() - rv.last_look_at < options_.query_refresh) return finish(std::move(reply));
  // center-api.md: a card center that polls gets fresh answers — ask the channel first.
  auto sn = store_.fresh_req_sn();
  if (!sn) return finish(std::move(reply));
  channel::ChannelCall call =
      query_call(rv.channel_id, *sn, rv.req_sn, channel::Priority::kRealtime);
  auto once = std::make_shared<Once>();
  auto shared_reply = std::make_shared<Reply>(std::move(reply));
  post_after_(options_.query_wait, [once, shared_reply, finish] {
    if (once->take()) finish(*shared_reply);
  });
  channels_.submit(std::move(call), [this, once, shared_reply, finish, rv](channel::ChannelResult r) {
    post_([this, once, shared_reply, finish, rv, r = std::move(r)] {
      debit::BankFact f = debit::fact_from_query(r);
      (void)store_.apply_repayment_fact(rv.txn_no, f, retry_time(f, rv.query_count + 1),
                                        clock_.now(), "api:query");
      if (once->take()) finish(*shared_reply);
    });
  });
}

int RealtimeService::resolve_once(int max) {
  auto work = store_.claim_realtime_work(clock_.now(), max, std::chrono::seconds(30), options_.node);
  if (!work) {
    log::error("realtime.resolve_failed", {{"error", work.error().to_string()}});
    return 0;
  }
  for (const Work& w : *work) {
    channel::ChannelCall call;
    call.channel_id = w.channel_id;
    call.priority = channel::Priority::kRealtime;
    const bool is_refund = w.kind == Work::Kind::kQueryRefund || w.kind == Work::Kind::kSendRefund;
    const bool is_query = w.kind == Work::Kind::kQueryRepay || w.kind == Work::Kind::kQueryRefund;
    if (is_query) {
      // channel-api.md: a fresh ReqSn of its own
      call = query_call(w.channel_id, w.query_req_sn, w.req_sn, channel::Priority::kRealtime);
    } else if (w.kind == Work::Kind::kSendRefund) {
      call.tx_code = "REFUND";
      call.req_sn = w.req_sn;
      call.fields = {{"OrigReqSn", w.orig_req_sn}, {"Amount", format_amount(w.amount)}};
    } else {
      call.tx_code = "DEBIT";
      call.req_sn = w.req_sn;  // channel-api.md: a resend reuses the same ReqSn
      call.fields.emplace_back("Amount", format_amount(w.amount));
      if (w.debit.kind == "QUICK") {
        call.fields.emplace_back("ProtocolNo", w.debit.protocol_no);
      } else {
        call.fields.emplace_back("CardNo", w.debit.card_no);
        call.fields.emplace_back("Name", w.debit.name);
        call.fields.emplace_back("IdType", w.debit.id_type);
        call.fields.emplace_back("IdNo", w.debit.id_no);
      }
    }
    channels_.submit(std::move(call), [this, w, is_refund, is_query](channel::ChannelResult r) {
      post_([this, w, is_refund, is_query, r = std::move(r)] {
        debit::BankFact f = is_query ? debit::fact_from_query(r) : money_fact(r);
        const int query_count = w.query_count + (is_query ? 1 : 0);
        if (is_query) {
          // Once: a QUERY's answer not stored leaves the call UNKNOWN, asked again when its lease
          // ends (an old NOT_FOUND stored late could only send it again for nothing).
          Instant retry = retry_time(f, query_count);
          if (is_refund) {
            (void)store_.apply_refund_fact(w.key, f, retry, clock_.now(), "job:realtime");
          } else {
            (void)store_.apply_repayment_fact(w.key, f, retry, clock_.now(), "job:realtime");
          }
          return;
        }
        // A resend is SENDING until its answer is stored: stored until it is, like a first call.
        if (is_refund) {
          store_refund_fact(w.key, f, query_count, "job:realtime", 0, nullptr);
        } else {
          store_repay_fact(w.key, f, query_count, "job:realtime", 0, nullptr);
        }
      });
    });
  }
  return static_cast<int>(work->size());
}

Result<bool> RealtimeService::on_notify(const std::string& channel,
                                        const std::map<std::string, std::string>& fields) {
  auto sn = fields.find("ReqSn");
  if (sn == fields.end()) return false;
  auto which = store_.realtime_by_req_sn(channel, sn->second);
  if (!which) return which.error();
  if (!which->has_value()) return false;
  debit::BankFact f = debit::fact_from_notify(fields);
  Instant retry = retry_time(f, 1);
  if ((*which)->first == "REFUND") {
    auto r = store_.apply_refund_fact((*which)->second, f, retry, clock_.now(), "channel:" + channel + ":notify");
    if (!r) return r.error();
  } else {
    auto r = store_.apply_repayment_fact((*which)->second, f, retry, clock_.now(), "channel:" + channel + ":notify");
    if (!r) return r.error();
  }
  return true;
}

}  // namespace repay::realtime
