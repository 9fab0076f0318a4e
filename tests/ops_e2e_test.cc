// Operating Repay end to end (issue 7): /metrics on the admin listener over real HTTP, the message
// log with sensitive fields masked, and SIGTERM mid-batch and mid-real-time: the processor exits
// within processor.shutdown_timeout, and after a restart everything resumes with nothing lost or
// debited twice (the simulator's ledger is the truth).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <csignal>
#include <map>
#include <thread>

#include "batch_e2e.h"

namespace repay::e2e {
namespace {

using namespace repay::e2e::batch;

std::string metrics_text(TestStack& ts) {
  auto text = stack::http_simple(ts.stack().admin_url() + "/metrics");
  REQUIRE_MESSAGE(text.ok(), "GET /metrics: " << (text.ok() ? "" : text.error().to_string()));
  return *text;
}

// A command's stdout and stderr; REQUIREs exit status 0.
std::string run_command(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  REQUIRE_MESSAGE(rc == 0, cmd << " failed:\n" << out);
  return out;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

CenterAnswer repay_call(TestStack& ts, const std::string& req_no, const std::string& agreement,
                        const BookEntry& e, long long amount) {
  return ts.call("CC01", "repay", {{"ReqNo", req_no}, {"AgreementNo", agreement},
                                   {"CreditCardNo", e.credit_card}, {"Amount", std::to_string(amount)}});
}

}  // namespace

TEST_CASE("ops: /metrics over HTTP counts answers, channel calls and store gauges; messages are logged masked") {
  TestStack ts([](stack::StackOptions& so) {
    so.processor_extra = "log_messages = true\n";
    so.centers = {stack::StackCenter("CC01")};
  });
  Holders holders(ts.book());
  const BookEntry* e = holders.next(100000);
  REQUIRE(e != nullptr);
  const std::string ag = sign_collect(ts, "CC01", *e);
  REQUIRE(!ag.empty());
  auto a = repay_call(ts, ts.req_no(), ag, *e, 1234);
  REQUIRE(a.field("RespCode") != "");
  auto unknown_tx = ts.call("CC01", "nosuch", {{"ReqNo", ts.req_no()}});
  CHECK(unknown_tx.http_status == 404);

  const std::string m = metrics_text(ts);
  INFO(m);
  CHECK(has(m, "# TYPE repay_api_answers_total counter"));
  CHECK(has(m, "repay_api_answers_total{center=\"CC01\",tx_code=\"sign3\",resp_code=\"0000\",http_status=\"200\"} 1\n"));
  CHECK(has(m, "repay_api_answers_total{center=\"CC01\",tx_code=\"repay\",resp_code=\"" + a.field("RespCode") + "\""));
  CHECK(has(m, "repay_api_answers_total{center=\"CC01\",tx_code=\"other\",resp_code=\"2007\",http_status=\"404\"} 1\n"));
  CHECK(has(m, "repay_channel_calls_total{channel=\"COLL01\",tx_code=\"VERIFY3\",outcome=\"answered\",ret_code=\"0000\"} 1\n"));
  CHECK(has(m, "# TYPE repay_channel_call_seconds histogram"));
  CHECK(has(m, "repay_channel_call_seconds_count{channel=\"COLL01\",tx_code=\"DEBIT\"}"));
  CHECK(has(m, "repay_api_request_seconds_bucket{tx_code=\"sign3\",le=\"+Inf\"} 1\n"));
  CHECK(has(m, "repay_channel_inflight{channel=\"COLL01\"} 0\n"));
  CHECK(has(m, "repay_channel_queued{channel=\"QUICK01\",priority=\"batch\"} 0\n"));
  CHECK(has(m, "# TYPE repay_batches gauge"));
  CHECK(has(m, "# TYPE repay_notifications gauge"));
  CHECK(has(m, "# TYPE repay_refunds gauge"));
  CHECK(has(m, "# TYPE repay_recon_outcomes gauge"));
  CHECK(has(m, "repay_metrics_collector_errors 0\n"));
  CHECK(has(m, "repay_up 1\n"));
  // common.md, Sensitive data: never in metrics.
  CHECK_FALSE(has(m, e->credit_card));
  CHECK_FALSE(has(m, e->debit_card));

  // The message log: both peers, both directions, with the numbers masked.
  const std::string log = read_file_bytes(ts.dir() + "/repay.log");
  CHECK(has(log, "\"event\":\"message\",\"peer\":\"center\",\"peer_id\":\"CC01\",\"dir\":\"in\",\"what\":\"sign3\""));
  CHECK(has(log, "\"event\":\"message\",\"peer\":\"center\",\"peer_id\":\"CC01\",\"dir\":\"out\""));
  CHECK(has(log, "\"event\":\"message\",\"peer\":\"channel\",\"peer_id\":\"COLL01\",\"dir\":\"out\",\"what\":\"VERIFY3\""));
  CHECK(has(log, "\"event\":\"message\",\"peer\":\"channel\",\"peer_id\":\"COLL01\",\"dir\":\"in\""));
  CHECK(has(log, e->credit_card.substr(0, 6) + "****" + e->credit_card.substr(e->credit_card.size() - 4)));
  CHECK_FALSE(has(log, e->credit_card));
  CHECK_FALSE(has(log, e->debit_card));
  CHECK_FALSE(has(log, e->id_no));
  CHECK_FALSE(has(log, e->mobile));
}

TEST_CASE("ops: message logging is off by default") {
  TestStack ts([](stack::StackOptions& so) { so.centers = {stack::StackCenter("CC01")}; });
  Holders holders(ts.book());
  const BookEntry* e = holders.next(100000);
  REQUIRE(e != nullptr);
  REQUIRE(!sign_collect(ts, "CC01", *e).empty());
  CHECK_FALSE(has(read_file_bytes(ts.dir() + "/repay.log"), "\"event\":\"message\""));
}

TEST_CASE("ops: SIGTERM mid-batch and mid-real-time exits within shutdown_timeout; a restart resumes, nothing lost or doubled") {
  const std::string date = cst_today();
  TestStack ts([](stack::StackOptions& so) {
    so.processor_extra = "shutdown_timeout = 4s\n";
    stack::StackCenter c("CC01");
    // Far deadline: nothing is force-failed, every item must end SUCCESS or FAILED by the bank.
    c.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\nforce_fail_lead = 1\n";
    so.centers = {c};
    so.collect_channel_extra = "max_tps = 20\n";
  });
  Holders holders(ts.book());
  std::vector<std::pair<const BookEntry*, std::string>> signed_up;
  for (int i = 0; i < 12; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = sign_collect(ts, "CC01", *e);
    REQUIRE(!ag.empty());
    signed_up.emplace_back(e, ag);
  }
  // Slow answers from now on, so calls are on the wire when SIGTERM comes.
  ts.faults("latency-ms=150\nlatency-jitter-ms=100\n");
  const int kItems = 200;
  std::vector<Line> lines;
  for (int i = 0; i < kItems; ++i) {
    const auto& [e, ag] = signed_up[static_cast<size_t>(i) % signed_up.size()];
    lines.push_back(line_of(*e, ag, "ST" + std::to_string(i + 1), 100 + i));
  }
  const std::string batch_no = "ST1";
  drop(ts.dir() + "/centers/CC01/inbox", batch_file_name("CC01", date, batch_no),
       batch_text("CC01", batch_no, date, lines));
  const std::string db = ts.stack().database();
  auto final_items = [&] {
    auto r = db_rows(db, "SELECT COUNT(*) FROM batch_items WHERE batch_no = '" + batch_no +
                             "' AND state IN ('SUCCESS', 'FAILED')");
    return r.empty() ? 0 : std::stoi(r[0][0]);
  };
  REQUIRE_MESSAGE(wait_until([&] { return final_items() >= 20; }, std::chrono::seconds(60)),
                  "the batch did not start; log:\n" << read_file_bytes(ts.dir() + "/repay.log"));
  REQUIRE(final_items() < kItems);  // mid-batch

  // Real-time repayments racing the signal (some are refused with 503 once it came).
  std::atomic<bool> go{true};
  std::vector<std::string> rt_req_nos;
  std::mutex rt_mu;
  std::thread traffic([&] {
    for (int i = 0; go.load() && i < 40; ++i) {
      const auto& [e, ag] = signed_up[static_cast<size_t>(i) % signed_up.size()];
      std::string req_no;
      {
        std::lock_guard lk(rt_mu);
        req_no = ts.req_no();
        rt_req_nos.push_back(req_no);
      }
      (void)repay_call(ts, req_no, ag, *e, 500 + i);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  // Bound: the processor's own 4 s plus room for the process to end; past it, SIGKILL (-9).
  const int status = ts.stack().stop_processor(SIGTERM, std::chrono::seconds(9));
  go.store(false);
  traffic.join();
  CHECK_MESSAGE(status == 0, "exit status " << status << "; log:\n" << read_file_bytes(ts.dir() + "/repay.log"));
  const std::string log = read_file_bytes(ts.dir() + "/repay.log");
  CHECK(has(log, "\"event\":\"processor.stopping\""));
  CHECK(has(log, "\"event\":\"processor.stopped\""));
  CHECK(final_items() < kItems);  // the stop did not wait for the batch to end

  // Restart: the batch and the real-time repayments resume to their end.
  ts.restart_processor(SIGTERM);  // already stopped: starts it again
  const bool done = wait_until(
      [&] {
        return final_items() == kItems &&
               db_rows(db, "SELECT 1 FROM repayments WHERE state IN ('PENDING', 'SENDING', 'UNKNOWN') LIMIT 1").empty();
      },
      std::chrono::seconds(120));
  REQUIRE_MESSAGE(done, "not resumed; log:\n" << read_file_bytes(ts.dir() + "/repay.log"));

  // The ledger is the truth: no ReqSn executed twice; an item or repayment is SUCCESS exactly
  // when the bank debited its ReqSn, with its amount.
  std::map<std::string, LedgerEntry> debits;
  for (const auto& l : ledger(ts)) {
    CHECK_MESSAGE(l.executed <= 1, "ReqSn " << l.req_sn << " executed " << l.executed << " times");
    if (l.type == "DEBIT") CHECK_MESSAGE(debits.emplace(l.channel + "/" + l.req_sn, l).second, "two DEBITs of " << l.req_sn);
  }
  int successes = 0;
  auto check_rows = [&](const std::string& what, const std::vector<std::vector<std::string>>& rows) {
    for (const auto& r : rows) {
      INFO(what << " " << r[0] << " " << r[1] << " " << r[2]);
      auto d = debits.find(r[1] + "/" + r[2]);
      const bool debited = d != debits.end() && d->second.status == "SUCCESS";
      CHECK((r[3] == "SUCCESS") == debited);
      if (debited) {
        CHECK(d->second.amount == std::stoll(r[4]));
        ++successes;
      }
    }
  };
  auto items = db_rows(db, "SELECT item_id, COALESCE(channel_id, ''), COALESCE(req_sn, ''), state, debit_amount "
                           "FROM batch_items WHERE batch_no = '" + batch_no + "'", 5);
  CHECK(items.size() == static_cast<size_t>(kItems));
  check_rows("item", items);
  check_rows("repayment", db_rows(db, "SELECT req_no, COALESCE(channel_id, ''), COALESCE(req_sn, ''), state, "
                                      "debit_amount FROM repayments WHERE state <> 'REJECTED'", 5));
  CHECK(successes > 0);
  // Every DEBIT the bank holds belongs to an item or a repayment.
  CHECK(static_cast<int>(debits.size()) <= kItems + static_cast<int>(rt_req_nos.size()));

  // The daily report of the day (run beside the serving processor) shows the same figures.
  const std::string html = ts.dir() + "/report.html";
  const std::string out = run_command(std::string(REPAY_BIN) + " report daily --config " +
                                      ts.stack().settings_file() + " --date " + date + " --center CC01 --html " + html);
  INFO(out);
  const auto count = [&](const std::string& sql) { return db_rows(db, sql)[0][0]; };
  const std::string day_start = std::to_string(to_unix_ms(cst_day_start(*parse_date(date))));
  const std::string success = std::to_string(
      std::stoll(count("SELECT COUNT(*) FROM batch_items WHERE batch_no = '" + batch_no + "' AND state = 'SUCCESS'")) +
      std::stoll(count("SELECT COUNT(*) FROM repayments WHERE state = 'SUCCESS' AND created_at >= " + day_start)));
  CHECK(has(out, "== card center CC01\n"));
  CHECK(has(out, "success        " + success + " / "));
  CHECK(has(out, "batch ST1  "));
  const std::string page = read_file_bytes(html);
  CHECK(has(page, "<h3>batch ST1</h3>"));
  CHECK(has(page, "<svg"));
  CHECK_FALSE(has(page, signed_up[0].first->credit_card));
}

}  // namespace repay::e2e
