// The demo's card-center app: real-time repayments, queries and refunds, some answered
// PROCESSING and settled later by notification — and a receiver standing in for the card
// center's callback endpoint.
#include <chrono>
#include <mutex>
#include <thread>

#include "stack/demo.h"
#include "stack/http_get.h"
#include "centerclient/center_client.h"
#include "core/clock.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::stack {

NotifyReceiver::NotifyReceiver(std::string processor_id, std::string center_secret, const Clock& clock)
    : processor_id_(std::move(processor_id)), secret_(std::move(center_secret)), clock_(clock) {
  server::HttpServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  server_ = std::make_unique<server::HttpServer>(o, [this](server::HttpRequest&& r, server::Respond respond) {
    server::HttpResponse out;
    wire::SignedHeaders h{r.header("x-sender-id"), r.header("x-timestamp"), r.header("x-nonce"),
                          r.header("x-signature")};
    bool ok = h.sender_id == processor_id_ &&
              wire::verify_message(h, {secret_}, clock_, "POST " + r.target, r.body) ==
                  wire::SignatureCheck::kOk;
    auto msg = wire::parse_xml_message(r.body);
    if (!ok || !msg || msg->root != "Notify") {
      out.status = 401;
      out.body = "bad notification";
      return respond(std::move(out));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back(msg->fields);
    }
    out.body = "SUCCESS";
    respond(std::move(out));
  });
  server_->start();
}

NotifyReceiver::~NotifyReceiver() { server_->stop(); }

std::string NotifyReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/cb/notify";
}

std::vector<std::map<std::string, std::string>> NotifyReceiver::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string field(const Result<centerclient::CenterAnswer>& a, const std::string& name) {
  return a ? a->field(name) : std::string();
}

std::string show(const Result<centerclient::CenterAnswer>& a) {
  if (!a) return "no answer: " + a.error().message;
  std::string s = a->field("Status") + " " + a->field("RespCode");
  if (!a->field("TxnNo").empty()) s += " " + a->field("TxnNo");
  if (!a->field("RefundNo").empty()) s += " " + a->field("RefundNo");
  return s;
}

}  // namespace

BatchDemoReport run_realtime_demo(const Stack& stack, const Clock& clock, Picker& pick,
                                  const NotifyReceiver& receiver) {
  BatchDemoReport rep;
  centerclient::CenterClientOptions o;
  o.base_url = stack.api_url();
  o.center_id = "CC01";
  o.secret = stack.center_secret("CC01");
  centerclient::CenterClient app(o, clock);
  auto expect = [&](const std::string& what, const Result<centerclient::CenterAnswer>& a,
                    const std::string& status, const std::string& code) {
    bool ok = a && a->field("Status") == status && a->field("RespCode") == code && a->signature_ok;
    if (!ok) ++rep.unexpected;
    rep.lines.push_back(what + ": " + show(a) + (ok ? "" : "   (expected " + status + " " + code + ")"));
  };
  std::string none;
  (void)http_simple(stack.banksim_url() + "/sim/faults", &(none = "reset\n"));

  // Cardholders bound for the app.
  std::vector<std::pair<const BookEntry*, std::string>> holders;
  for (int i = 0; i < 4; ++i) {
    const BookEntry* e = pick.next("NORMAL", 2'000'000);
    if (!e) break;
    auto a = app.call("sign3", {{"ReqNo", "RT-S" + std::to_string(i)}, {"CreditCardNo", e->credit_card},
                                {"Name", e->name}, {"IdType", e->id_type}, {"IdNo", e->id_no},
                                {"DebitCardNo", e->debit_card}});
    if (a && !a->field("AgreementNo").empty()) holders.emplace_back(e, a->field("AgreementNo"));
  }
  if (holders.size() < 4) {
    rep.lines.push_back("could not sign cardholders for the app");
    ++rep.unexpected;
    return rep;
  }
  auto repay = [&](const std::string& req_no, int who, long long amount) {
    return app.call("repay", {{"ReqNo", req_no}, {"AgreementNo", holders[who].second},
                              {"CreditCardNo", holders[who].first->credit_card},
                              {"Amount", std::to_string(amount)}});
  };
  auto ok1 = repay("RT-R1", 0, 150000);
  expect("repay 1,500.00 yuan", ok1, "SUCCESS", "0000");
  expect("the app retries the same ReqNo", repay("RT-R1", 0, 150000), "SUCCESS", "0000");
  expect("the same ReqNo with another amount", repay("RT-R1", 0, 99), "FAILED", "2006");
  // The bank declines it: insufficient funds (1001), or over the card's limit (1004) when the
  // amount is above that first.
  auto over = repay("RT-R2", 1, holders[1].first->balance + 1);
  expect("repay more than the debit card holds", over, "FAILED",
         over && over->field("RespCode") == "1004" ? "1004" : "1001");

  // The bank answers "processing" and settles 3 s later: the app is told PROCESSING, then notified.
  (void)http_simple(stack.banksim_url() + "/sim/faults", &(none = "p-processing=1\nlate-result-ms=3000\n"));
  auto slow = repay("RT-R3", 2, 88800);
  expect("repay while the bank is slow", slow, "PROCESSING", "0001");
  // The bank loses the answer after debiting: resolved by query.
  (void)http_simple(stack.banksim_url() + "/sim/faults", &(none = "reset\np-lost-answer=1\n"));
  auto lost = repay("RT-R4", 3, 66600);
  // Resolved by QUERY in the background: within the 2 s answer time (SUCCESS) or after it
  // (PROCESSING, then notified) — both are right; never a second debit (same ReqSn).
  if (lost && lost->field("Status") == "SUCCESS") {
    expect("repay whose answer the bank loses (resolved by query in time)", lost, "SUCCESS", "0000");
  } else {
    expect("repay whose answer the bank loses", lost, "PROCESSING", "0001");
  }
  (void)http_simple(stack.banksim_url() + "/sim/faults", &(none = "reset\n"));

  // Refunds of the first repayment: partial, the rest, then one too many.
  const std::string txn = field(ok1, "TxnNo");
  auto refund = [&](const std::string& req_no, long long amount) {
    return app.call("refund", {{"ReqNo", req_no}, {"OrigTxnNo", txn}, {"Amount", std::to_string(amount)}});
  };
  expect("refund 500.00 of it", refund("RT-F1", 50000), "SUCCESS", "0000");
  // Ten refunds of 300.00 race for the 1,000.00 left: at most three may pass.
  std::vector<std::thread> racers;
  std::mutex mu;
  int passed = 0, refused = 0;
  for (int i = 0; i < 10; ++i) {
    racers.emplace_back([&, i] {
      centerclient::CenterClient c(o, clock);
      auto a = c.call("refund", {{"ReqNo", "RT-RACE" + std::to_string(i)}, {"OrigTxnNo", txn}, {"Amount", "30000"}});
      std::lock_guard<std::mutex> lock(mu);
      if (a && a->field("Status") == "SUCCESS") ++passed;
      else if (a && a->field("RespCode") == "2008") ++refused;
    });
  }
  for (auto& t : racers) t.join();
  rep.lines.push_back("ten concurrent refunds of 300.00 against 1,000.00 left: " + std::to_string(passed) +
                      " passed, " + std::to_string(refused) + " refused 2008");
  if (passed != 3 || refused != 7) ++rep.unexpected;
  expect("query an unknown TxnNo", app.call("query", {{"TxnNo", "T-NOPE"}}), "", "2009");

  // Wait for the PROCESSING ones to settle, then look at them as the app does.
  const Instant until = clock.now() + std::chrono::seconds(40);
  auto settled = [&](const std::string& req_no) {
    auto q = app.call("query", {{"ReqNo", req_no}});
    return q && q->field("Status") != "PROCESSING";
  };
  while (clock.now() < until && !(settled("RT-R3") && settled("RT-R4"))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  expect("query the slow repayment later", app.call("query", {{"ReqNo", "RT-R3"}}), "SUCCESS", "0000");
  expect("query the repayment whose answer was lost", app.call("query", {{"ReqNo", "RT-R4"}}), "SUCCESS", "0000");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  int repay_notes = 0, refund_notes = 0;
  for (const auto& n : receiver.received()) {
    auto t = n.find("Type");
    if (t != n.end() && t->second == "REPAY") ++repay_notes;
    if (t != n.end() && t->second == "REFUND") ++refund_notes;
  }
  rep.lines.push_back("notifications received by the app's callback: " + std::to_string(repay_notes) +
                      " REPAY (for those answered PROCESSING), " + std::to_string(refund_notes) +
                      " REFUND (every refund)");
  if (repay_notes < 1 || refund_notes < 4) ++rep.unexpected;
  return rep;
}

}  // namespace repay::stack
