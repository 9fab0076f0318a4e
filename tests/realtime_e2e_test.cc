// Real-time repayment, query and refund end to end (center-api.md: Real-time repayment,
// Notifications, Idempotency): the real `repay serve` and `repay-banksim` over HTTP, a card-center
// callback endpoint that verifies every notification, the simulator's ledger as the bank's truth
// (one DEBIT per ReqSn, REFUND totals), and read-only looks into the processor's database.
// Never asserts a duration: every wait is a bounded poll.
#include <doctest/doctest.h>

#include <csignal>
#include <mutex>
#include <thread>

#include "realtime_e2e.h"

namespace repay::e2e::rt {
namespace {

using namespace std::chrono_literals;

void check_answer(const CenterAnswer& a, const std::string& status, const std::string& code) {
  INFO(show(a));
  CHECK(a.http_status == 200);
  CHECK(a.signature_ok);
  CHECK(a.field("Status") == status);
  CHECK(a.field("RespCode") == code);
}

// A final executed refusal of `repay`: FAILED with the code, no TxnNo, nothing taken.
void check_refused(const CenterAnswer& a, const std::string& code) {
  check_answer(a, "FAILED", code);
  INFO(show(a));
  CHECK(a.field("TxnNo").empty());
  CHECK(a.field("Fee") == "0");
  CHECK(a.field("DebitAmount") == "0");
}

// Not executed (2007): nothing stored, the ReqNo stays free.
void check_malformed(const CenterAnswer& a, const std::string& field) {
  INFO(show(a));
  CHECK(a.http_status == 200);
  CHECK(a.signature_ok);
  CHECK(a.field("RespCode") == "2007");
  CHECK(a.field("TxnNo").empty());
  CHECK(a.field("RefundNo").empty());
  if (!field.empty()) CHECK(a.field("RespMsg").find(field) != std::string::npos);
}

// CC01 answers PROCESSING after 1 s without a final answer from the bank.
RtOptions one_second_timeout() {
  RtOptions o;
  o.realtime_timeout_s = 1;
  return o;
}

bool is_timestamp(const std::string& s) {
  return s.size() == 14 && s.find_first_not_of("0123456789") == std::string::npos;
}

// Polls `query` until the Status is final; the last answer.
CenterAnswer query_until_final(TestStack& ts, const Fields& key, std::chrono::milliseconds limit) {
  CenterAnswer last;
  wait_for(
      [&] {
        last = ts.call("CC01", "query", key);
        return last.field("Status") == "SUCCESS" || last.field("Status") == "FAILED";
      },
      limit, 300ms);
  return last;
}

}  // namespace

// --- 1. repay SUCCESS, value checks, malformed requests -----------------------------------------

TEST_CASE("realtime repay: SUCCESS with a cardholder fee, value checks, malformed fields") {
  RtStack s;
  TestStack& ts = s.ts;
  const BookEntry& h1 = s.holder();
  const std::string ag1 = s.sign("CC01", h1);

  // SUCCESS: Fee by CC01's rule (FIXED:200, CARDHOLDER), DebitAmount = Amount + Fee, and the bank
  // took exactly that once, for the ReqSn stored with the claim.
  const int debits_before = ts.bank_calls("DEBIT");
  const std::string rn1 = ts.req_no();
  auto ok = ts.call("CC01", "repay", repay_fields(rn1, ag1, h1.credit_card, 10000));
  check_answer(ok, "SUCCESS", "0000");
  const std::string txn = ok.field("TxnNo");
  REQUIRE(!txn.empty());
  CHECK(ok.field("Amount") == "10000");
  CHECK(ok.field("Fee") == "200");
  CHECK(ok.field("DebitAmount") == "10200");
  CHECK(is_timestamp(ok.field("FinishTime")));
  const std::string sn = s.debit_req_sn(txn);
  REQUIRE(!sn.empty());
  auto entries = s.ledger_for(sn);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].type == "DEBIT");
  CHECK(entries[0].status == "SUCCESS");
  CHECK(entries[0].amount == 10200);
  CHECK(entries[0].executed == 1);
  CHECK(ts.bank_calls("DEBIT") == debits_before + 1);

  // Value checks (decisions.md: 2003, 2005, 2001, 2002 in that order): FAILED, executed (the ReqNo
  // is used), nothing sent to the bank.
  const BookEntry& h2 = s.holder();
  const std::string ag_cc02 = s.sign("CC02", h2);  // another card center's agreement
  const BookEntry& h3 = s.holder();
  const std::string ag_revoked = s.sign("CC01", h3);
  check_answer(ts.call("CC01", "unsign", {{"ReqNo", ts.req_no()}, {"AgreementNo", ag_revoked}}),
               "REVOKED", "0000");
  const BookEntry& h4 = s.holder();
  const std::string ag4 = s.sign("CC01", h4);
  const int debits = ts.bank_calls("DEBIT");
  const size_t ledger_size = batch::ledger(ts).size();
  const int64_t repayments = ts.count_rows("repayments");
  struct Case {
    const char* what;
    Fields fields;
    const char* code;
  };
  std::vector<Case> cases = {
      {"CreditCardNo fails Luhn", repay_fields(ts.req_no(), ag1, break_luhn(h1.credit_card), 10000), "2003"},
      {"Amount over per_item_limit", repay_fields(ts.req_no(), ag1, h1.credit_card, 5000001), "2005"},
      {"Amount 0", repay_fields(ts.req_no(), ag1, h1.credit_card, 0), "2005"},
      {"Amount 0 and an unknown agreement", repay_fields(ts.req_no(), "AGNOPE1", h1.credit_card, 0), "2005"},
      {"unknown AgreementNo", repay_fields(ts.req_no(), "AGNOPE1", h1.credit_card, 10000), "2001"},
      {"revoked agreement", repay_fields(ts.req_no(), ag_revoked, h3.credit_card, 10000), "2001"},
      {"another card center's agreement", repay_fields(ts.req_no(), ag_cc02, h2.credit_card, 10000), "2001"},
      {"agreement of another credit card", repay_fields(ts.req_no(), ag4, h1.credit_card, 10000), "2002"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto a = ts.call("CC01", "repay", c.fields);
    check_refused(a, c.code);
    // The same request again: the same final answer (its ReqNo was used), still nothing sent.
    check_refused(ts.call("CC01", "repay", c.fields), c.code);
  }
  CHECK(ts.bank_calls("DEBIT") == debits);
  CHECK(batch::ledger(ts).size() == ledger_size);
  CHECK(ts.count_rows("repayments") == repayments + static_cast<int64_t>(cases.size()));
  // Another card center does see its own agreement.
  auto cc02 = ts.call("CC02", "repay", repay_fields(ts.req_no(), ag_cc02, h2.credit_card, 5000));
  check_answer(cc02, "SUCCESS", "0000");
  CHECK(cc02.field("Fee") == "0");  // CC02 has no fee rule
  CHECK(cc02.field("DebitAmount") == "5000");

  // Malformed fields and NotifyUrls outside CC01's prefixes: 2007, nothing stored; the same ReqNo
  // then works.
  const int64_t rows_before = ts.count_rows("repayments");
  const std::string rn7 = ts.req_no();
  const Fields good = repay_fields(rn7, ag1, h1.credit_card, 2500);
  struct Bad {
    const char* what;
    Fields fields;
    const char* field;
  };
  std::vector<Bad> bad = {
      {"Amount with a leading zero", with(good, "Amount", "02500"), "Amount"},
      {"Amount with a decimal point", with(good, "Amount", "25.00"), "Amount"},
      {"negative Amount", with(good, "Amount", "-2500"), "Amount"},
      {"Amount of 12 digits", with(good, "Amount", "100000000000"), "Amount"},
      {"Amount missing", without(good, "Amount"), "Amount"},
      {"CreditCardNo too short", with(good, "CreditCardNo", "12345678901"), "CreditCardNo"},
      {"CreditCardNo with a letter", with(good, "CreditCardNo", h1.credit_card.substr(0, 15) + "A"), "CreditCardNo"},
      {"AgreementNo with a space", with(good, "AgreementNo", "AG 1"), "AgreementNo"},
      {"AgreementNo missing", without(good, "AgreementNo"), "AgreementNo"},
      {"ReqNo of 33 characters", with(good, "ReqNo", std::string(33, 'R')), "ReqNo"},
      {"NotifyUrl not a URL", with(good, "NotifyUrl", "notify-me"), "NotifyUrl"},
      {"NotifyUrl plain http off loopback", with(good, "NotifyUrl", "http://center.example/cb/notify"), "NotifyUrl"},
      {"NotifyUrl outside the prefixes (https)", with(good, "NotifyUrl", "https://center.example/cb/notify"), "NotifyUrl"},
      {"NotifyUrl outside the prefixes (loopback)", with(good, "NotifyUrl", "http://127.0.0.1:1/cb/notify"), "NotifyUrl"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.what);
    check_malformed(ts.call("CC01", "repay", b.fields), b.field);
  }
  CHECK(ts.count_rows("repayments") == rows_before);
  auto later = ts.call("CC01", "repay", with(good, "NotifyUrl", s.receiver.url() + "?c=1"));
  check_answer(later, "SUCCESS", "0000");
  CHECK(later.field("DebitAmount") == "2700");
  CHECK(ts.count_rows("repayments") == rows_before + 1);

  // Answered SUCCESS at once: nothing to notify (only PROCESSING answers are notified).
  CHECK(s.db("SELECT COUNT(*) FROM notifications WHERE key LIKE 'REPAY:%'") == "0");
}

// --- 2. idempotency -------------------------------------------------------------------------------

TEST_CASE("realtime repay: the same ReqNo five times at once and again later debits once") {
  RtStack s;
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  const std::string rn = ts.req_no();
  const Fields fields = repay_fields(rn, ag, h.credit_card, 12345);
  const size_t ledger_before = batch::ledger(ts).size();

  std::vector<CenterAnswer> answers(5);
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < answers.size(); ++i) {
      threads.emplace_back([&, i] {
        SystemClock clock;
        centerclient::CenterClient c(s.client_options("CC01"), clock);
        auto a = c.call("repay", fields);
        if (a) answers[i] = *a;
      });
    }
    for (auto& t : threads) t.join();
  }
  // Every answer is the current state of the one repayment: SUCCESS, or PROCESSING while the
  // first one is at the bank.
  const std::string txn = answers[0].field("TxnNo");
  REQUIRE(!txn.empty());
  int successes = 0;
  bool any_processing = false;
  for (const auto& a : answers) {
    INFO(show(a));
    CHECK(a.http_status == 200);
    CHECK(a.signature_ok);
    CHECK(a.field("TxnNo") == txn);
    CHECK(a.field("Amount") == "12345");
    CHECK(a.field("DebitAmount") == "12545");
    const bool success = a.field("Status") == "SUCCESS" && a.field("RespCode") == "0000";
    const bool processing = a.field("Status") == "PROCESSING" && a.field("RespCode") == "0001";
    CHECK((success || processing));
    successes += success;
    any_processing = any_processing || processing;
  }
  CHECK(successes >= 1);
  auto q = query_until_final(ts, {{"ReqNo", rn}}, 20s);
  check_answer(q, "SUCCESS", "0000");
  CHECK(q.field("TxnNo") == txn);

  // Later, the same again: the same answer, nothing new at the bank.
  auto again = ts.call("CC01", "repay", fields);
  check_answer(again, "SUCCESS", "0000");
  CHECK(again.field("TxnNo") == txn);
  CHECK(again.field("FinishTime") == q.field("FinishTime"));

  // The same ReqNo with other fields: 2006, the original unchanged.
  for (const auto& other : {with(fields, "Amount", "12346"),
                            with(fields, "NotifyUrl", s.receiver.url()),
                            with(fields, "AgreementNo", "AGOTHER1")}) {
    auto a = ts.call("CC01", "repay", other);
    INFO(show(a));
    CHECK(a.http_status == 200);
    CHECK(a.field("RespCode") == "2006");
    CHECK(a.field("Status") != "SUCCESS");
    CHECK(a.field("TxnNo").empty());
  }
  auto after = ts.call("CC01", "query", {{"ReqNo", rn}});
  check_answer(after, "SUCCESS", "0000");
  CHECK(after.field("TxnNo") == txn);
  CHECK(after.field("Amount") == "12345");
  CHECK(after.field("DebitAmount") == "12545");

  const std::string sn = s.debit_req_sn(txn);
  auto entries = s.ledger_for(sn);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].amount == 12545);
  CHECK(entries[0].executed == 1);
  CHECK(batch::ledger(ts).size() == ledger_before + 1);
  CHECK(s.sim_calls("DEBIT", sn) == 1);
  CHECK(s.db("SELECT COUNT(*) FROM repayments WHERE center_id = 'CC01' AND req_no = '" + rn + "'") == "1");

  // ReqNo is per card center: CC02 may use the same one for its own repayment.
  const BookEntry& h2 = s.holder();
  const std::string ag2 = s.sign("CC02", h2);
  auto cc02 = ts.call("CC02", "repay", repay_fields(rn, ag2, h2.credit_card, 500));
  check_answer(cc02, "SUCCESS", "0000");
  CHECK(cc02.field("TxnNo") != txn);

  // A duplicate told PROCESSING is owed one notification of the final state; otherwise none.
  if (any_processing) {
    CHECK(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn, "REPAY").empty(); }, 20s));
  }
  std::this_thread::sleep_for(1s);
  CHECK(s.receiver.accepted_for("TxnNo", txn, "REPAY").size() == (any_processing ? 1u : 0u));
}

// --- 3. PROCESSING and its resolution --------------------------------------------------------------

TEST_CASE("realtime repay: PROCESSING on a slow, silent or lost bank answer, then resolved once") {
  RtStack s(one_second_timeout());
  TestStack& ts = s.ts;

  // (a) The bank answers "processing" and settles 3 s later: PROCESSING 0001 with a TxnNo, then
  // SUCCESS by query (ReqNo and TxnNo) and exactly one signed REPAY notification to the NotifyUrl.
  {
    INFO("bank answers processing");
    const BookEntry& h = s.holder();
    const std::string ag = s.sign("CC01", h);
    ts.faults("reset\np-processing=1\nlate-result-ms=3000\n");
    const std::string rn = ts.req_no();
    const std::string notify_url = s.receiver.url() + "?c=1";
    auto a = ts.call("CC01", "repay", repay_fields(rn, ag, h.credit_card, 10000, notify_url));
    ts.faults("reset\n");
    check_answer(a, "PROCESSING", "0001");
    const std::string txn = a.field("TxnNo");
    REQUIRE(!txn.empty());
    CHECK(a.field("Amount") == "10000");
    CHECK(a.field("Fee") == "200");
    CHECK(a.field("DebitAmount") == "10200");
    CHECK(a.field("FinishTime").empty());

    auto q = query_until_final(ts, {{"ReqNo", rn}}, 30s);
    check_answer(q, "SUCCESS", "0000");
    CHECK(q.field("Type") == "REPAY");
    CHECK(q.field("TxnNo") == txn);
    CHECK(is_timestamp(q.field("FinishTime")));
    auto by_txn = ts.call("CC01", "query", {{"TxnNo", txn}});
    check_answer(by_txn, "SUCCESS", "0000");
    CHECK(by_txn.field("Type") == "REPAY");
    CHECK(by_txn.field("Amount") == "10000");
    CHECK(by_txn.field("Fee") == "200");
    CHECK(by_txn.field("DebitAmount") == "10200");
    CHECK(by_txn.field("FinishTime") == q.field("FinishTime"));
    auto typed = ts.call("CC01", "query", {{"Type", "REPAY"}, {"ReqNo", rn}});
    check_answer(typed, "SUCCESS", "0000");
    CHECK(typed.field("TxnNo") == txn);

    REQUIRE(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn).empty(); }, 30s));
    REQUIRE(wait_for([&] {
      return s.db("SELECT state FROM notifications WHERE key = 'REPAY:" + txn + "'") == "DELIVERED";
    }, 10s));
    std::this_thread::sleep_for(1500ms);  // room for a wrong second one
    auto notes = s.receiver.accepted_for("TxnNo", txn);
    REQUIRE(notes.size() == 1);
    auto& n = notes[0];
    CHECK(n["Type"] == "REPAY");
    CHECK(n["ReqNo"] == rn);
    CHECK(n["Status"] == "SUCCESS");
    CHECK(n["RespCode"] == "0000");
    CHECK(!n["RespMsg"].empty());
    CHECK(n["Amount"] == "10000");
    CHECK(n["Fee"] == "200");
    CHECK(n["DebitAmount"] == "10200");
    CHECK(n["FinishTime"] == q.field("FinishTime"));
    CHECK(n.count("RefundNo") == 0);
    CHECK(n.count("Reason") == 0);
    for (auto& hit : s.receiver.hits_for("TxnNo", txn)) CHECK(hit.target == "/cb/notify?c=1");
    CHECK(s.db("SELECT COUNT(*) FROM notifications WHERE key = 'REPAY:" + txn + "'") == "1");
    const std::string sn = s.debit_req_sn(txn);
    auto entries = s.ledger_for(sn);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].amount == 10200);
    CHECK(entries[0].executed == 1);
  }

  // (b) No answer at all: PROCESSING; nothing is resent while the outcome is unknown; once the bank
  // answers again, QUERY says NOT_FOUND and the DEBIT goes again with the SAME ReqSn: one debit.
  {
    INFO("bank does not answer");
    const BookEntry& h = s.holder();
    const std::string ag = s.sign("CC01", h);
    ts.faults("reset\np-no-answer=1\n");
    const std::string rn = ts.req_no();
    auto a = ts.call("CC01", "repay", repay_fields(rn, ag, h.credit_card, 20000));
    check_answer(a, "PROCESSING", "0001");
    const std::string txn = a.field("TxnNo");
    REQUIRE(!txn.empty());
    const std::string sn = s.debit_req_sn(txn);
    REQUIRE(!sn.empty());
    CHECK(s.sim_calls("DEBIT", sn, "NO_ANSWER") == 1);
    // The background resolver asks (QUERY) — and gets no answer either; no DEBIT is resent meanwhile.
    CHECK(wait_for([&] { return s.sim_calls("QUERY", sn) >= 1; }, 15s));
    CHECK(s.sim_calls("DEBIT", sn) == 1);
    CHECK(s.ledger_for(sn).empty());
    ts.faults("reset\n");

    auto q = query_until_final(ts, {{"ReqNo", rn}}, 60s);
    check_answer(q, "SUCCESS", "0000");
    CHECK(q.field("TxnNo") == txn);
    auto entries = s.ledger_for(sn);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].type == "DEBIT");
    CHECK(entries[0].amount == 20200);
    CHECK(entries[0].executed == 1);
    auto outcomes = s.sim_outcomes("DEBIT", sn);
    REQUIRE(outcomes.size() >= 2);
    CHECK(outcomes.front() == "NO_ANSWER");
    CHECK(outcomes.back() == "0000");
    CHECK(s.rows("SELECT 1 FROM repayments WHERE txn_no = '" + txn + "' AND req_sn = '" + sn + "'").size() == 1);
    // Told PROCESSING: notified of the SUCCESS (CC01's default URL).
    CHECK(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn, "REPAY").empty(); }, 20s));
    auto notes = s.receiver.accepted_for("TxnNo", txn, "REPAY");
    REQUIRE(notes.size() == 1);
    CHECK(notes[0]["Status"] == "SUCCESS");
    for (auto& hit : s.receiver.hits_for("TxnNo", txn)) CHECK(hit.target == "/cb/notify");
  }

  // (c) The bank debits and the answer is lost (and its notification dropped): resolved by QUERY,
  // never debited twice, never resent.
  {
    INFO("bank loses the answer after debiting");
    const BookEntry& h = s.holder();
    const std::string ag = s.sign("CC01", h);
    ts.faults("reset\np-lost-answer=1\np-notify-drop=1\n");
    const std::string rn = ts.req_no();
    auto a = ts.call("CC01", "repay", repay_fields(rn, ag, h.credit_card, 30000));
    ts.faults("reset\n");
    INFO(show(a));
    CHECK((a.field("Status") == "PROCESSING" || a.field("Status") == "SUCCESS"));
    const std::string txn = a.field("TxnNo");
    REQUIRE(!txn.empty());
    const std::string sn = s.debit_req_sn(txn);
    CHECK(s.sim_calls("DEBIT", sn, "0000 LOST") == 1);
    auto q = query_until_final(ts, {{"TxnNo", txn}}, 30s);
    check_answer(q, "SUCCESS", "0000");
    auto entries = s.ledger_for(sn);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].amount == 30200);
    CHECK(entries[0].executed == 1);
    CHECK(s.sim_calls("DEBIT", sn) == 1);  // found by QUERY: never sent again
    CHECK(s.sim_calls("QUERY", sn) >= 1);
    if (a.field("Status") == "PROCESSING") {
      CHECK(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn, "REPAY").empty(); }, 20s));
    }
  }
  CHECK(s.receiver.bad_signatures() == 0);
  CHECK(s.receiver.repeated_nonces() == 0);
}

// --- 4. delivery of notifications ---------------------------------------------------------------

TEST_CASE("realtime notifications: retried until the card center accepts, across a SIGKILL restart") {
  RtStack s;
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  auto paid = ts.call("CC01", "repay", repay_fields(ts.req_no(), ag, h.credit_card, 50000));
  check_answer(paid, "SUCCESS", "0000");
  const std::string txn = paid.field("TxnNo");
  REQUIRE(!txn.empty());

  // The card center answers HTTP 500 three times, then SUCCESS: one successful delivery, four
  // attempts recorded (notify_retries 1s,2s,3s,... after the first try).
  s.receiver.fail_next(3);
  const std::string rn1 = ts.req_no();
  auto r1 = ts.call("CC01", "refund", refund_fields(rn1, txn, 1000));
  check_answer(r1, "SUCCESS", "0000");
  const std::string rf1 = r1.field("RefundNo");
  REQUIRE(!rf1.empty());
  REQUIRE(wait_for([&] { return !s.receiver.accepted_for("RefundNo", rf1).empty(); }, 40s));
  REQUIRE(wait_for([&] {
    return s.db("SELECT state FROM notifications WHERE key = 'REFUND:" + rf1 + "'") == "DELIVERED";
  }, 10s));
  std::this_thread::sleep_for(1500ms);  // room for a wrong extra delivery
  auto hits = s.receiver.hits_for("RefundNo", rf1);
  REQUIRE(hits.size() == 4);
  for (size_t i = 0; i < hits.size(); ++i) {
    CAPTURE(i);
    CHECK(hits[i].signature_ok);
    CHECK(hits[i].accepted == (i == 3));  // in order: nothing after the accepted one
    CHECK(hits[i].fields == hits[0].fields);
  }
  CHECK(s.receiver.repeated_nonces() == 0);  // each try signed afresh
  auto note = s.rows("SELECT id, state, attempts, last_result FROM notifications WHERE key = 'REFUND:" + rf1 + "'", 4);
  REQUIRE(note.size() == 1);
  const std::string id = note[0][0];
  CHECK(note[0][1] == "DELIVERED");
  CHECK(note[0][2] == "4");
  CHECK(note[0][3] == "SUCCESS");
  auto attempts = s.rows("SELECT result FROM notification_attempts WHERE notification_id = " + id +
                         " ORDER BY at, rowid");
  REQUIRE(attempts.size() == 4);
  CHECK(attempts[0][0] == "HTTP 500");
  CHECK(attempts[1][0] == "HTTP 500");
  CHECK(attempts[2][0] == "HTTP 500");
  CHECK(attempts[3][0] == "SUCCESS");
  {
    const std::string out = s.notify_command("list --id " + id);
    INFO(out);
    CHECK(out.find("REFUND:" + rf1) != std::string::npos);
    CHECK(out.find("DELIVERED") != std::string::npos);
    size_t n500 = 0;
    for (size_t p = out.find("HTTP 500"); p != std::string::npos; p = out.find("HTTP 500", p + 1)) ++n500;
    CHECK(n500 == 3);
    CHECK(out.find("RefundNo = " + rf1) != std::string::npos);
    const std::string all = s.notify_command("list --center CC01 --state DELIVERED");
    CHECK(all.find("REFUND:" + rf1) != std::string::npos);
  }

  // The card center is down when the next refund becomes final; the processor is killed while the
  // notification waits for its retry, and delivers it after the restart.
  s.receiver.set_down(true);
  const std::string rn2 = ts.req_no();
  auto r2 = ts.call("CC01", "refund", refund_fields(rn2, txn, 2000));
  check_answer(r2, "SUCCESS", "0000");
  const std::string rf2 = r2.field("RefundNo");
  REQUIRE(!rf2.empty());
  REQUIRE(wait_for([&] {
    return num(s.db("SELECT attempts FROM notifications WHERE key = 'REFUND:" + rf2 + "'")) >= 1;
  }, 20s));
  CHECK(s.db("SELECT state FROM notifications WHERE key = 'REFUND:" + rf2 + "'") == "PENDING");
  {
    const std::string pending = s.notify_command("list --state PENDING");
    INFO(pending);
    CHECK(pending.find("REFUND:" + rf2) != std::string::npos);
  }
  ts.restart_processor(SIGKILL);
  s.receiver.set_down(false);
  // Bounded above the outbox lease (60 s), in case the kill met a try in flight.
  CHECK(wait_for([&] { return !s.receiver.accepted_for("RefundNo", rf2).empty(); }, 75s));
  REQUIRE(wait_for([&] {
    return s.db("SELECT state FROM notifications WHERE key = 'REFUND:" + rf2 + "'") == "DELIVERED";
  }, 10s));
  std::this_thread::sleep_for(1500ms);
  auto notes = s.receiver.accepted_for("RefundNo", rf2);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]["Type"] == "REFUND");
  CHECK(notes[0]["TxnNo"] == txn);
  CHECK(notes[0]["ReqNo"] == rn2);
  CHECK(notes[0]["Status"] == "SUCCESS");
  CHECK(notes[0]["Amount"] == "2000");
  auto hits2 = s.receiver.hits_for("RefundNo", rf2);
  REQUIRE(!hits2.empty());
  CHECK(hits2.back().accepted);  // nothing tried after the accepted one
  CHECK(s.receiver.bad_signatures() == 0);
  CHECK(s.receiver.repeated_nonces() == 0);
  // The refund itself was not touched by the restart: one REFUND at the bank.
  auto entries = s.ledger_for(s.refund_req_sn(rf2));
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].type == "REFUND");
  CHECK(entries[0].executed == 1);
}

// A repayment told PROCESSING is notified after a SIGKILL that hits before it became final: the
// resolver and the outbox are both driven from the database.
TEST_CASE("realtime notifications: a PROCESSING repayment is resolved and notified after a SIGKILL") {
  RtStack s(one_second_timeout());
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  ts.faults("reset\np-processing=1\nlate-result-ms=4000\np-notify-drop=1\n");
  const std::string rn = ts.req_no();
  auto a = ts.call("CC01", "repay", repay_fields(rn, ag, h.credit_card, 40000));
  check_answer(a, "PROCESSING", "0001");
  const std::string txn = a.field("TxnNo");
  REQUIRE(!txn.empty());
  ts.restart_processor(SIGKILL);
  auto q = query_until_final(ts, {{"TxnNo", txn}}, 60s);
  ts.faults("reset\n");
  check_answer(q, "SUCCESS", "0000");
  CHECK(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn, "REPAY").empty(); }, 30s));
  std::this_thread::sleep_for(1s);
  auto notes = s.receiver.accepted_for("TxnNo", txn, "REPAY");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]["Status"] == "SUCCESS");
  CHECK(notes[0]["DebitAmount"] == "40200");
  const std::string sn = s.debit_req_sn(txn);
  auto entries = s.ledger_for(sn);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].executed == 1);
  CHECK(s.sim_calls("DEBIT", sn) == 1);
}

// --- 5. refunds -----------------------------------------------------------------------------------

TEST_CASE("realtime refund: partial refunds up to the principal, the fee on the running total") {
  RtStack s;
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  auto paid = ts.call("CC01", "repay", repay_fields(ts.req_no(), ag, h.credit_card, 10000));
  check_answer(paid, "SUCCESS", "0000");
  const std::string txn = paid.field("TxnNo");
  REQUIRE(paid.field("Fee") == "200");

  // 3333 + 3333 + 3334 of 10000 with a fee of 200: round_half_up(200 x running total / 10000)
  // minus what went back before = 67, 66, 67 (files.md, Fees of refunds).
  struct Step {
    long long amount, fee;
  };
  const std::vector<Step> steps = {{3333, 67}, {3333, 66}, {3334, 67}};
  std::vector<std::string> req_nos, refund_nos;
  long long fees = 0, to_card = 0;
  for (const auto& st : steps) {
    const std::string rn = ts.req_no();
    auto r = ts.call("CC01", "refund", refund_fields(rn, txn, st.amount));
    check_answer(r, "SUCCESS", "0000");
    INFO(show(r));
    CHECK(!r.field("RefundNo").empty());
    CHECK(r.field("OrigTxnNo") == txn);
    CHECK(num(r.field("Amount")) == st.amount);
    CHECK(num(r.field("Fee")) == st.fee);
    CHECK(num(r.field("DebitAmount")) == st.amount + st.fee);
    CHECK(is_timestamp(r.field("FinishTime")));
    fees += num(r.field("Fee"));
    to_card += num(r.field("DebitAmount"));
    req_nos.push_back(rn);
    refund_nos.push_back(r.field("RefundNo"));
  }
  CHECK(fees == 200);  // fully refunded: exactly the repayment's fee went back
  CHECK(to_card == 10200);
  // The bank: one REFUND per refund, of what we answered, totalling the repayment's debit.
  long long ledger_total = 0;
  for (size_t i = 0; i < refund_nos.size(); ++i) {
    auto e = s.ledger_for(s.refund_req_sn(refund_nos[i]));
    REQUIRE(e.size() == 1);
    CHECK(e[0].type == "REFUND");
    CHECK(e[0].status == "SUCCESS");
    CHECK(e[0].executed == 1);
    CHECK(e[0].amount == steps[i].amount + steps[i].fee);
    ledger_total += e[0].amount;
  }
  CHECK(ledger_total == 10200);

  // One more fen: 2008, nothing sent.
  const int refunds_sent = ts.bank_calls("REFUND");
  auto over = ts.call("CC01", "refund", refund_fields(ts.req_no(), txn, 1));
  check_answer(over, "FAILED", "2008");
  CHECK(over.field("RefundNo").empty());
  CHECK(ts.bank_calls("REFUND") == refunds_sent);

  // A refund's ReqNo again: its answer, nothing new; with other fields 2006.
  auto again = ts.call("CC01", "refund", refund_fields(req_nos[0], txn, 3333));
  check_answer(again, "SUCCESS", "0000");
  CHECK(again.field("RefundNo") == refund_nos[0]);
  CHECK(again.field("Fee") == "67");
  auto other = ts.call("CC01", "refund", refund_fields(req_nos[0], txn, 3332));
  CHECK(other.field("RespCode") == "2006");
  CHECK(other.field("RefundNo").empty());
  CHECK(ts.bank_calls("REFUND") == refunds_sent);

  // Query by RefundNo and by Type=REFUND + ReqNo.
  for (size_t i = 0; i < refund_nos.size(); ++i) {
    CAPTURE(i);
    for (const Fields& key : {Fields{{"RefundNo", refund_nos[i]}},
                              Fields{{"Type", "REFUND"}, {"ReqNo", req_nos[i]}}}) {
      auto q = ts.call("CC01", "query", key);
      check_answer(q, "SUCCESS", "0000");
      CHECK(q.field("Type") == "REFUND");
      CHECK(q.field("RefundNo") == refund_nos[i]);
      CHECK(q.field("OrigTxnNo") == txn);
      CHECK(num(q.field("Amount")) == steps[i].amount);
      CHECK(num(q.field("Fee")) == steps[i].fee);
      CHECK(num(q.field("DebitAmount")) == steps[i].amount + steps[i].fee);
    }
  }
  // The repayment itself still reads SUCCESS.
  auto rq = ts.call("CC01", "query", {{"TxnNo", txn}});
  check_answer(rq, "SUCCESS", "0000");

  // Each final refund is notified: REFUND with TxnNo, RefundNo, the refund's ReqNo, no Reason.
  for (size_t i = 0; i < refund_nos.size(); ++i) {
    CAPTURE(refund_nos[i]);
    REQUIRE(wait_for([&] { return !s.receiver.accepted_for("RefundNo", refund_nos[i]).empty(); }, 20s));
  }
  std::this_thread::sleep_for(1s);
  for (size_t i = 0; i < refund_nos.size(); ++i) {
    CAPTURE(refund_nos[i]);
    auto notes = s.receiver.accepted_for("RefundNo", refund_nos[i]);
    REQUIRE(notes.size() == 1);
    auto& n = notes[0];
    CHECK(n["Type"] == "REFUND");
    CHECK(n["TxnNo"] == txn);
    CHECK(n["ReqNo"] == req_nos[i]);
    CHECK(n.count("Reason") == 0);
    CHECK(n["Status"] == "SUCCESS");
    CHECK(n["RespCode"] == "0000");
    CHECK(num(n["Amount"]) == steps[i].amount);
    CHECK(num(n["Fee"]) == steps[i].fee);
    CHECK(num(n["DebitAmount"]) == steps[i].amount + steps[i].fee);
    CHECK(is_timestamp(n["FinishTime"]));
  }
  // Refusals are not notified.
  CHECK(s.receiver.hits_for("Type", "REFUND").size() == refund_nos.size());
  CHECK(s.receiver.bad_signatures() == 0);
}

TEST_CASE("realtime refund: refusals 2008, 2009, 2005 and malformed requests") {
  RtStack s;
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  auto paid = ts.call("CC01", "repay", repay_fields(ts.req_no(), ag, h.credit_card, 10000));
  check_answer(paid, "SUCCESS", "0000");
  const std::string txn = paid.field("TxnNo");

  // A FAILED repayment (more than the debit card holds): 2008.
  const BookEntry* poor = s.holders.next(1, 5000);  // a low balance, far under every limit
  REQUIRE(poor != nullptr);
  const std::string ag_poor = s.sign("CC01", *poor);
  // With the fee the debit is balance + 1 + 200: over the balance.
  auto failed = ts.call("CC01", "repay", repay_fields(ts.req_no(), ag_poor, poor->credit_card, poor->balance + 1));
  check_answer(failed, "FAILED", "1001");
  const std::string failed_txn = failed.field("TxnNo");
  REQUIRE(!failed_txn.empty());
  CHECK(failed.field("Fee") == "0");
  CHECK(failed.field("DebitAmount") == "0");

  // Another card center's repayment.
  const BookEntry& h2 = s.holder();
  const std::string ag2 = s.sign("CC02", h2);
  auto cc02 = ts.call("CC02", "repay", repay_fields(ts.req_no(), ag2, h2.credit_card, 8000));
  check_answer(cc02, "SUCCESS", "0000");
  const std::string cc02_txn = cc02.field("TxnNo");

  const int refunds_sent = ts.bank_calls("REFUND");
  struct Case {
    const char* what;
    Fields fields;
    const char* code;
  };
  std::vector<Case> cases = {
      {"refund of a FAILED repayment", refund_fields(ts.req_no(), failed_txn, 100), "2008"},
      {"refund of an unknown TxnNo", refund_fields(ts.req_no(), "T20990101NOPE", 100), "2009"},
      {"refund of another card center's repayment", refund_fields(ts.req_no(), cc02_txn, 100), "2009"},
      {"refund of Amount 0", refund_fields(ts.req_no(), txn, 0), "2005"},
      {"refund of more than the principal", refund_fields(ts.req_no(), txn, 10001), "2008"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto a = ts.call("CC01", "refund", c.fields);
    check_answer(a, "FAILED", c.code);
    CHECK(a.field("RefundNo").empty());
    // Executed answers: the same again gives the same.
    check_answer(ts.call("CC01", "refund", c.fields), "FAILED", c.code);
  }
  CHECK(ts.bank_calls("REFUND") == refunds_sent);
  // CC02 can refund its own.
  auto own = ts.call("CC02", "refund", refund_fields(ts.req_no(), cc02_txn, 8000));
  check_answer(own, "SUCCESS", "0000");

  // Malformed: 2007, not executed (the ReqNo then works).
  const std::string rn = ts.req_no();
  const Fields good = refund_fields(rn, txn, 500);
  const int64_t rows = ts.count_rows("refunds");
  for (const auto& [what, f, field] : std::vector<std::tuple<const char*, Fields, const char*>>{
           {"Amount missing", without(good, "Amount"), "Amount"},
           {"Amount 5.00", with(good, "Amount", "5.00"), "Amount"},
           {"Amount 0500", with(good, "Amount", "0500"), "Amount"},
           {"OrigTxnNo missing", without(good, "OrigTxnNo"), "OrigTxnNo"},
           {"OrigTxnNo with a slash", with(good, "OrigTxnNo", "T/1"), "OrigTxnNo"},
           {"ReqNo missing", without(good, "ReqNo"), "ReqNo"}}) {
    CAPTURE(what);
    check_malformed(ts.call("CC01", "refund", f), field);
  }
  CHECK(ts.count_rows("refunds") == rows);
  check_answer(ts.call("CC01", "refund", good), "SUCCESS", "0000");

  // Query: no key, two keys, a bad Type -> 2007; unknown ReqNo, TxnNo, RefundNo -> 2009.
  for (const auto& [what, f] : std::vector<std::pair<const char*, Fields>>{
           {"no key", {}},
           {"Type only", {{"Type", "REFUND"}}},
           {"two keys", {{"ReqNo", rn}, {"TxnNo", txn}}},
           {"bad Type", {{"Type", "PAYMENT"}, {"ReqNo", rn}}},
           {"bad TxnNo form", {{"TxnNo", "T 1"}}}}) {
    CAPTURE(what);
    check_malformed(ts.call("CC01", "query", f), "");
  }
  for (const auto& [what, f] : std::vector<std::pair<const char*, Fields>>{
           {"unknown ReqNo", {{"ReqNo", "NOSUCHREQ"}}},
           {"unknown TxnNo", {{"TxnNo", "T20990101NOPE"}}},
           {"unknown RefundNo", {{"RefundNo", "RF20990101NOPE"}}},
           {"unknown refund ReqNo", {{"Type", "REFUND"}, {"ReqNo", "NOSUCHREQ"}}},
           {"another center's TxnNo", {{"TxnNo", cc02_txn}}},
           {"another center's RefundNo", {{"RefundNo", own.field("RefundNo")}}}}) {
    CAPTURE(what);
    auto a = ts.call("CC01", "query", f);
    INFO(show(a));
    CHECK(a.http_status == 200);
    CHECK(a.signature_ok);
    CHECK(a.field("RespCode") == "2009");
    CHECK(a.field("TxnNo").empty());
  }
  // The FAILED repayment reads as told.
  auto fq = ts.call("CC01", "query", {{"TxnNo", failed_txn}});
  check_answer(fq, "FAILED", "1001");
}

TEST_CASE("realtime refund: 20 concurrent refunds never pass the principal") {
  RtStack s;
  TestStack& ts = s.ts;
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  auto paid = ts.call("CC01", "repay", repay_fields(ts.req_no(), ag, h.credit_card, 10000));
  check_answer(paid, "SUCCESS", "0000");
  const std::string txn = paid.field("TxnNo");

  // 20 refunds of 500..1203 fen (17,030 in all) race for the 10,000 of principal.
  constexpr int kRacers = 20;
  std::vector<CenterAnswer> answers(kRacers);
  std::vector<long long> amounts(kRacers);
  std::vector<std::string> req_nos(kRacers);
  for (int i = 0; i < kRacers; ++i) {
    amounts[i] = 500 + 37 * i;
    req_nos[i] = "RACE" + std::to_string(i);
  }
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      threads.emplace_back([&, i] {
        SystemClock clock;
        centerclient::CenterClient c(s.client_options("CC01"), clock);
        auto a = c.call("refund", refund_fields(req_nos[i], txn, amounts[i]));
        if (a) answers[i] = *a;
      });
    }
    for (auto& t : threads) t.join();
  }
  long long principal = 0, fees = 0, to_card = 0;
  std::vector<std::string> refund_nos;
  std::vector<long long> refused;
  for (int i = 0; i < kRacers; ++i) {
    const auto& a = answers[i];
    INFO("racer " << i << " amount " << amounts[i] << ": " << show(a));
    CHECK(a.http_status == 200);
    CHECK(a.signature_ok);
    if (a.field("Status") == "SUCCESS") {
      CHECK(a.field("RespCode") == "0000");
      CHECK(num(a.field("Amount")) == amounts[i]);
      CHECK(num(a.field("DebitAmount")) == amounts[i] + num(a.field("Fee")));
      principal += amounts[i];
      fees += num(a.field("Fee"));
      to_card += num(a.field("DebitAmount"));
      refund_nos.push_back(a.field("RefundNo"));
    } else {
      CHECK(a.field("Status") == "FAILED");
      CHECK(a.field("RespCode") == "2008");
      refused.push_back(amounts[i]);
    }
  }
  MESSAGE("20 concurrent refunds: " << refund_nos.size() << " passed, " << principal << " fen refunded");
  CHECK(principal <= 10000);
  CHECK(!refund_nos.empty());
  // No refusal could have fitted: what is left is less than each refused amount (what is left
  // only shrinks, so a refusal at any moment means it did not fit then either).
  for (long long r : refused) CHECK(r > 10000 - principal);
  // The fee went back on the running total: whatever the order, round_half_up(200 x principal /
  // 10000) in all.
  CHECK(fees == (2 * 200 * principal + 10000) / 20000);
  CHECK(s.db("SELECT reserved FROM refund_ceilings WHERE txn_no = '" + txn + "'") == std::to_string(principal));

  // The bank refunded exactly what we answered SUCCESS.
  auto sum_ledger = [&] {
    long long total = 0;
    for (const auto& row : s.rows("SELECT req_sn FROM refunds WHERE orig_txn_no = '" + txn +
                                  "' AND req_sn IS NOT NULL")) {
      for (const auto& e : s.ledger_for(row[0])) {
        CHECK(e.type == "REFUND");
        CHECK(e.executed == 1);
        if (e.status == "SUCCESS") total += e.amount;
      }
    }
    return total;
  };
  CHECK(sum_ledger() == to_card);

  // The rest, if any: then the whole fee went back, and the bank gave back the whole debit.
  if (principal < 10000) {
    auto rest = ts.call("CC01", "refund", refund_fields(ts.req_no(), txn, 10000 - principal));
    check_answer(rest, "SUCCESS", "0000");
    fees += num(rest.field("Fee"));
    to_card += num(rest.field("DebitAmount"));
    refund_nos.push_back(rest.field("RefundNo"));
  }
  CHECK(fees == 200);
  CHECK(to_card == 10200);
  CHECK(sum_ledger() == 10200);
  check_answer(ts.call("CC01", "refund", refund_fields(ts.req_no(), txn, 1)), "FAILED", "2008");

  // Every successful refund is notified once; refusals are not.
  for (const auto& rf : refund_nos) {
    CAPTURE(rf);
    CHECK(wait_for([&] { return !s.receiver.accepted_for("RefundNo", rf).empty(); }, 20s));
  }
  std::this_thread::sleep_for(1s);
  for (const auto& rf : refund_nos) CHECK(s.receiver.accepted_for("RefundNo", rf).size() == 1);
  CHECK(s.receiver.hits_for("Type", "REFUND").size() == refund_nos.size());
}

// --- 7. notifications from the channel ------------------------------------------------------------

TEST_CASE("realtime channel notifications: a lost answer resolved by the bank's notification, duplicates applied once") {
  RtStack s(one_second_timeout());
  TestStack& ts = s.ts;

  // Every gateway answer is lost (after 1.5 s), QUERYs included: only the bank's notification can
  // tell the processor that the DEBIT went through.
  {
    INFO("lost answer, notification arrives");
    const BookEntry& h = s.holder();
    const std::string ag = s.sign("CC01", h);
    ts.faults("reset\np-lost-answer=1\nlatency-ms=1500\nlatency-jitter-ms=0\n");
    const std::string rn = ts.req_no();
    auto a = ts.call("CC01", "repay", repay_fields(rn, ag, h.credit_card, 10000));
    INFO(show(a));
    CHECK((a.field("Status") == "PROCESSING" || a.field("Status") == "SUCCESS"));
    const std::string txn = a.field("TxnNo");
    REQUIRE(!txn.empty());
    const std::string sn = s.debit_req_sn(txn);
    CHECK(wait_for([&] {
      return s.db("SELECT state FROM repayments WHERE txn_no = '" + txn + "'") == "SUCCESS";
    }, 20s));
    auto actor = s.db("SELECT actor FROM audit WHERE entity = 'repayment' AND entity_id = '" + txn +
                      "' AND new_state = 'SUCCESS'");
    CHECK(actor.rfind("channel:", 0) == 0);
    ts.faults("reset\n");
    check_answer(ts.call("CC01", "query", {{"ReqNo", rn}}), "SUCCESS", "0000");
    CHECK(s.sim_calls("DEBIT", sn) == 1);
    auto entries = s.ledger_for(sn);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].executed == 1);
    if (a.field("Status") == "PROCESSING") {
      CHECK(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn, "REPAY").empty(); }, 20s));
      auto notes = s.receiver.accepted_for("TxnNo", txn, "REPAY");
      REQUIRE(notes.size() == 1);
      CHECK(notes[0]["Status"] == "SUCCESS");
    }
  }

  // The bank settles late and notifies twice: one state change, one REPAY notification.
  {
    INFO("duplicate notifications of a late result");
    const BookEntry& h = s.holder();
    const std::string ag = s.sign("CC01", h);
    ts.faults("reset\np-processing=1\nlate-result-ms=2000\np-notify-dup=1\n");
    const std::string rn = ts.req_no();
    auto a = ts.call("CC01", "repay", repay_fields(rn, ag, h.credit_card, 20000));
    check_answer(a, "PROCESSING", "0001");
    const std::string txn = a.field("TxnNo");
    REQUIRE(!txn.empty());
    const std::string sn = s.debit_req_sn(txn);
    // Both copies reached the processor and were acknowledged.
    CHECK(wait_for([&] {
      int ok = 0;
      for (auto& n : s.sim_notifications(sn)) ok += n[5] == "OK";
      return ok >= 2;
    }, 20s));
    ts.faults("reset\n");
    auto q = query_until_final(ts, {{"ReqNo", rn}}, 20s);
    check_answer(q, "SUCCESS", "0000");
    CHECK(wait_for([&] { return !s.receiver.accepted_for("TxnNo", txn, "REPAY").empty(); }, 20s));
    std::this_thread::sleep_for(1500ms);
    CHECK(s.receiver.accepted_for("TxnNo", txn, "REPAY").size() == 1);
    CHECK(s.db("SELECT COUNT(*) FROM notifications WHERE key = 'REPAY:" + txn + "'") == "1");
    CHECK(s.db("SELECT COUNT(*) FROM audit WHERE entity = 'repayment' AND entity_id = '" + txn +
               "' AND new_state = 'SUCCESS'") == "1");
    CHECK(s.db("SELECT COUNT(*) FROM exceptions WHERE ref = 'R:" + txn + "'") == "0");
    CHECK(s.ledger_for(sn).size() == 1);

    // A refund notified twice by the bank: one REFUND notification to the card center.
    ts.faults("reset\np-notify-dup=1\n");
    auto r = ts.call("CC01", "refund", refund_fields(ts.req_no(), txn, 5000));
    check_answer(r, "SUCCESS", "0000");
    const std::string rf = r.field("RefundNo");
    const std::string rsn = s.refund_req_sn(rf);
    CHECK(wait_for([&] {
      int ok = 0;
      for (auto& n : s.sim_notifications(rsn)) ok += n[5] == "OK";
      return ok >= 2;
    }, 20s));
    ts.faults("reset\n");
    CHECK(wait_for([&] { return !s.receiver.accepted_for("RefundNo", rf).empty(); }, 20s));
    std::this_thread::sleep_for(1500ms);
    CHECK(s.receiver.accepted_for("RefundNo", rf).size() == 1);
    CHECK(s.db("SELECT COUNT(*) FROM notifications WHERE key = 'REFUND:" + rf + "'") == "1");
    CHECK(s.db("SELECT COUNT(*) FROM exceptions WHERE ref = 'RF:" + rf + "'") == "0");
  }
  CHECK(s.receiver.bad_signatures() == 0);
}

TEST_CASE("realtime channel notifications: a replayed notification is refused, nothing applied twice") {
  RtStack s;
  TestStack& ts = s.ts;
  const std::string channel = stack::Stack::kCollectChannel;
  const std::string path = "/channel/notify/" + channel;
  // A bank's notification of a DEBIT the processor never sent: acknowledged, matched to nothing.
  const std::string body = wire::build_xml_message(
      "ChannelNotify", {{"TxCode", "DEBIT"}, {"ReqSn", "RS-NOT-OURS-0001"}, {"Status", "SUCCESS"},
                        {"RetCode", "0000"}, {"Amount", "1.00"}});
  auto headers = [&](const std::string& nonce) {
    wire::SignedHeaders h;
    h.sender_id = channel;
    h.timestamp = format_cst_timestamp(SystemClock().now());
    h.nonce = nonce;
    h.signature = wire::signature_of(stack::Stack::secret_for(channel), h, "POST " + path, body);
    return std::vector<std::pair<std::string, std::string>>{
        {wire::kHeaderSender, h.sender_id},
        {wire::kHeaderTimestamp, h.timestamp},
        {wire::kHeaderNonce, h.nonce},
        {wire::kHeaderSignature, h.signature}};
  };
  const auto first = headers("NotifyNonce0123456789abcdef01");
  auto a = ts.client("CC01").raw_post(path, body, first);
  REQUIRE(a.ok());
  CHECK(a->http_status == 200);
  CHECK(a->raw_body == "SUCCESS");
  // The same request again, byte for byte: a replay.
  auto again = ts.client("CC01").raw_post(path, body, first);
  REQUIRE(again.ok());
  CHECK(again->http_status == 401);
  CHECK(again->raw_body == "nonce replayed");
  // Five copies at once under a new nonce: exactly one is taken.
  const auto second = headers("NotifyNonce0123456789abcdef02");
  std::atomic<int> taken{0};
  std::atomic<int> replays{0};
  std::vector<std::thread> copies;
  for (int i = 0; i < 5; ++i) {
    copies.emplace_back([&] {
      SystemClock clock;
      centerclient::CenterClient c(s.client_options("CC01"), clock);  // one per thread
      auto r = c.raw_post(path, body, second);
      if (r.ok() && r->http_status == 200) ++taken;
      if (r.ok() && r->http_status == 401) ++replays;
    });
  }
  for (auto& t : copies) t.join();
  CHECK(taken == 1);
  CHECK(replays == 4);
  CHECK(s.db("SELECT COUNT(*) FROM nonces WHERE sender = '" + channel + "'") == "2");
}

}  // namespace repay::e2e::rt
