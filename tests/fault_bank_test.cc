// Fault suite, the bank: the simulator's misbehaviour (docs/simulator.md, fault knobs) against a
// batch and against real-time repayments. One stack per mode; each fault profile in turn gets its
// own batch (or its own repayments) while the simulator misbehaves, then the faults are lifted and
// everything must end final with nothing lost and nothing twice (fault_e2e.h).
#include <doctest/doctest.h>

#include <iostream>

#include "fault_e2e.h"

namespace repay::e2e {
namespace {

using namespace repay::e2e::fault;

struct Profile {
  const char* name;
  const char* knobs;  // POST /sim/faults lines
};
// Each refusal, loss and delay of the gateway, and the notification faults on top of late results.
const Profile kProfiles[] = {
    {"latency", "latency-ms=400\nlatency-jitter-ms=300\n"},
    {"no-answer", "p-no-answer=0.4\n"},
    {"refused", "p-busy=0.2\np-429=0.15\np-5xx=0.15\n"},
    {"lost-answer", "p-lost-answer=0.4\n"},
    {"late-result", "p-processing=0.6\nlate-result-ms=1500\n"},
    {"notify-chaos", "p-processing=0.6\nlate-result-ms=800\np-notify-drop=0.4\np-notify-dup=0.4\n"
                     "p-notify-reorder=0.3\np-notify-early=0.3\n"},
};

}  // namespace

TEST_CASE("fault bank x batch: every misbehaviour of the simulator; each batch's return file true, no debit twice") {
  TestStack ts([](stack::StackOptions& so) {
    stack::StackCenter c("CC01");
    // A deadline on the next day: each batch ends when its items are final, not by force-fail.
    c.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\n";
    so.centers = {c};
    so.channel_extra = "request_timeout = 2s\n";
  });
  Holders holders(ts.book());
  std::vector<std::pair<const BookEntry*, std::string>> signed_;
  for (int i = 0; i < 8; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = i % 2 == 0 ? sign_collect(ts, "CC01", *e) : sign_quick(ts, "CC01", *e);
    REQUIRE(!ag.empty());
    signed_.emplace_back(e, ag);
  }
  const std::string date = cst_today();
  const std::string outbox = ts.dir() + "/centers/CC01/outbox";
  int n = 0;
  for (const Profile& p : kProfiles) {
    CAPTURE(p.name);
    const std::string batch_no = "FB" + std::to_string(++n);
    std::vector<Line> lines;
    for (int i = 0; i < 10; ++i) {
      const auto& [e, ag] = signed_[static_cast<size_t>(i) % signed_.size()];
      lines.push_back(line_of(*e, ag, batch_no + "I" + std::to_string(i), 100 + 7 * i + n));
    }
    ts.faults(std::string("reset\n") + p.knobs);
    drop(ts.dir() + "/centers/CC01/inbox", batch_file_name("CC01", date, batch_no),
         batch_text("CC01", batch_no, date, lines));
    // Under the faults for a while, then a healthy bank: unknown outcomes resolve by query.
    wait_return(outbox, "CC01", date, batch_no, std::chrono::seconds(8));
    const int sent = ts.bank_calls("DEBIT");
    ts.faults("reset\n");
    REQUIRE_MESSAGE(wait_return(outbox, "CC01", date, batch_no, std::chrono::seconds(150)),
                    "no return file; processor log in " << ts.dir() << " (REPAY_E2E_KEEP=1 keeps it)");
    check_batch(ts, "CC01", outbox, date, batch_no, lines);
    std::cout << "fault bank x batch: " << p.name << ": " << sent << " DEBIT calls so far" << std::endl;
  }
  check_every_debit_is_ours(ts);
  // The faults did meet calls: refusals, lost answers and late results were all drawn.
  CHECK(ts.bank_calls("DEBIT", "NO_ANSWER") > 0);
  CHECK(ts.bank_calls("DEBIT", "9001") > 0);
  CHECK(ts.bank_calls("DEBIT", "0000 LOST") > 0);
  CHECK(ts.bank_calls("QUERY") > 0);
}

TEST_CASE("fault bank x real time: every misbehaviour of the simulator; answers, queries, notifications and the ledger agree") {
  rt::RtOptions o;
  o.realtime_timeout_s = 2;
  o.channel_extra = "request_timeout = 2s\n";
  rt::RtStack s(o);
  std::vector<std::pair<const BookEntry*, std::string>> signed_;
  for (int i = 0; i < 6; ++i) {
    const BookEntry& e = s.holder();
    signed_.emplace_back(&e, s.sign("CC01", e));
  }
  std::vector<Repayment> all;
  int n = 0;
  for (const Profile& p : kProfiles) {
    CAPTURE(p.name);
    s.ts.faults(std::string("reset\n") + p.knobs);
    for (int i = 0; i < 6; ++i) {
      const auto& [e, ag] = signed_[static_cast<size_t>(i)];
      Repayment r;
      r.req_no = s.ts.req_no();
      r.amount = 1000 + 10 * n + i;
      auto a = s.ts.call("CC01", "repay", rt::repay_fields(r.req_no, ag, e->credit_card, r.amount));
      INFO(rt::show(a));
      CHECK(a.signature_ok);
      r.answered = a.field("Status");
      r.txn_no = a.field("TxnNo");
      // A refused call is not executed (9999): the card center retries with the same ReqNo.
      if (a.field("RespCode") == "9999") {
        s.ts.faults("reset\n");
        a = s.ts.call("CC01", "repay", rt::repay_fields(r.req_no, ag, e->credit_card, r.amount));
        s.ts.faults(std::string("reset\n") + p.knobs);
        r.answered = a.field("Status");
        r.txn_no = a.field("TxnNo");
      }
      // The same ReqNo again, under the faults: never a second repayment (answered from the first).
      auto again = s.ts.call("CC01", "repay", rt::repay_fields(r.req_no, ag, e->credit_card, r.amount));
      if (!r.txn_no.empty() && !again.field("TxnNo").empty()) CHECK(again.field("TxnNo") == r.txn_no);
      all.push_back(r);
    }
    ++n;
    s.ts.faults("reset\n");
    REQUIRE_MESSAGE(wait_repayments_final(s.ts, std::chrono::seconds(150)), "repayments still open under " << p.name);
  }
  CHECK(wait_notified(s.ts, std::chrono::seconds(60)));
  check_repayments(s.ts, s.receiver, all);
  check_every_debit_is_ours(s.ts);
  int processing = 0;
  for (const auto& r : all) processing += r.answered == "PROCESSING" ? 1 : 0;
  std::cout << "fault bank x real time: " << all.size() << " repayments, " << processing
            << " answered PROCESSING" << std::endl;
  CHECK(processing > 0);  // the faults did push answers past the time limit
}

}  // namespace repay::e2e
