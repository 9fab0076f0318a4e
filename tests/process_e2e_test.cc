// One process per database and a drain that keeps answering (issue 16, section 6), with the real
// binaries: a second `repay serve` on the same database is refused before it touches the first
// one's claims (same settings, or other ports); after SIGTERM the listener keeps answering — a
// card-center request gets the signed 503 9999, a channel notification is still taken and stored,
// /metrics says draining — and the process exits 0; a failure at start-up is a JSON log line.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <thread>

#include "stack/http_get.h"
#include "realtime_e2e.h"
#include "server/test_http_client.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::e2e::rt {
namespace {

using namespace std::chrono_literals;

std::string slurp(const std::string& path) { return read_file_bytes(path); }

// Starts `repay serve --config <config>` logging to `log`, waits until it says it started or
// failed, and returns its exit status when it failed by itself; -100 when it kept running (it is
// then stopped).
int second_serve(const std::string& config, const std::string& log) {
  auto p = stack::Subprocess::spawn({REPAY_BIN, "serve", "--config", config}, log);
  REQUIRE(p.ok());
  const bool said = wait_for(
      [&] {
        const std::string text = slurp(log);
        return text.find("processor.start_failed") != std::string::npos ||
               text.find("processor.started") != std::string::npos;
      },
      20s, 50ms);
  REQUIRE_MESSAGE(said, "the second repay serve said nothing:\n" << slurp(log));
  if (slurp(log).find("processor.started") != std::string::npos) {
    p->stop(SIGKILL);
    return -100;
  }
  return p->stop(SIGTERM, 10s);  // it has exited: its status
}

// Every line of a log is a JSON object with ts, level and event.
void check_json_lines(const std::string& text) {
  static const std::regex line("^\\{\"ts\":\"[0-9]{14}\\.[0-9]{3}\",\"level\":\"[a-z]+\",\"event\":\"[^\"]+\".*\\}$");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string l = text.substr(pos, nl - pos);
    if (!l.empty()) CHECK_MESSAGE(std::regex_match(l, line), "not a JSON log line: " << l);
    pos = nl + 1;
  }
}

// A repayment left on the wire: the bank answers after `latency_ms`; returns its TxnNo once it is
// claimed (SENDING). The call runs on `thread` (joined by the caller).
std::string repay_on_the_wire(RtStack& s, std::thread& thread, std::atomic<int>& http_status) {
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  const std::string req_no = s.ts.req_no();
  auto opts = s.client_options("CC01");
  thread = std::thread([opts, ag, card = h.credit_card, req_no, &http_status] {
    SystemClock clock;
    centerclient::CenterClient client(opts, clock);
    auto a = client.call("repay", repay_fields(req_no, ag, card, 5000));
    http_status.store(a ? a->http_status : -1);
  });
  std::string txn;
  REQUIRE(wait_for([&] {
    txn = s.db("SELECT txn_no FROM repayments WHERE req_no = '" + req_no + "' AND state = 'SENDING'");
    return !txn.empty() && s.ts.bank_calls("DEBIT") >= 1;
  }, 20s, 50ms));
  return txn;
}

TEST_CASE("process: database.engine other than sqlite is refused by config check and serve, naming key and value") {
  RtStack s;
  const std::string base = slurp(s.ts.stack().settings_file());
  const std::string sqlite_ini = s.ts.dir() + "/sqlite.ini";
  const std::string pg_ini = s.ts.dir() + "/pg.ini";
  std::ofstream(sqlite_ini) << base << "\n[database]\nengine = sqlite\n";
  std::ofstream(pg_ini) << base << "\n[database]\nengine = postgresql\n";
  auto [ok_rc, ok_out] = run_shell(std::string(REPAY_BIN) + " config check --config " + sqlite_ini + " 2>&1");
  CHECK_MESSAGE(ok_rc == 0, ok_out);
  for (const char* step : {"config check", "serve"}) {
    auto [rc, out] = run_shell(std::string(REPAY_BIN) + " " + step + " --config " + pg_ini + " 2>&1");
    INFO(step, ": ", out);
    CHECK(rc == 1);
    CHECK(out.find("database.engine") != std::string::npos);
    CHECK(out.find("postgresql") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("process: a second repay serve on the same database is refused before it touches a claim") {
  RtStack s;
  s.ts.faults("latency-ms=6000\n");
  std::thread call;
  std::atomic<int> status{0};
  const std::string txn = repay_on_the_wire(s, call, status);
  const std::string config = s.ts.stack().settings_file();
  const std::string audit_sql = "SELECT COUNT(*) FROM audit WHERE actor = 'job:recovery'";

  SUBCASE("same settings (same ports)") {
    const std::string log = s.ts.dir() + "/second.log";
    CHECK(second_serve(config, log) == 1);
    const std::string text = slurp(log);
    INFO(text);
    CHECK(text.find("\"event\":\"processor.start_failed\",\"code\":\"LOCKED\"") != std::string::npos);
    CHECK(text.find("another repay serve is running on this database") != std::string::npos);
    CHECK(text.find(s.ts.stack().database() + ".lock") != std::string::npos);
    check_json_lines(text);
  }
  SUBCASE("other ports") {
    std::string ini = slurp(config);
    ini = std::regex_replace(ini, std::regex("api_port = [0-9]+"), "api_port = 0");
    const std::string other = s.ts.dir() + "/other-ports.ini";
    std::ofstream(other) << ini;
    const std::string log = s.ts.dir() + "/other.log";
    CHECK(second_serve(other, log) == 1);
    CHECK(slurp(log).find("another repay serve is running on this database") != std::string::npos);
  }
  // The running instance's claim is untouched: still SENDING, no recovery row, one DEBIT sent.
  CHECK(s.db("SELECT state FROM repayments WHERE txn_no = '" + txn + "'") == "SENDING");
  CHECK(s.db(audit_sql) == "0");
  call.join();
  REQUIRE(wait_for([&] { return s.db("SELECT state FROM repayments WHERE txn_no = '" + txn + "'") == "SUCCESS"; }, 30s));
  CHECK(s.ts.bank_calls("DEBIT") == 1);
  CHECK(s.ts.bank_calls("QUERY") == 0);
  CHECK(s.db(audit_sql) == "0");

  // Once the first has stopped, the lock is free: a restart on the same database starts.
  s.ts.restart_processor(SIGTERM);
  auto health = stack::http_simple(s.ts.stack().api_url() + "/healthz");
  CHECK((health.ok() && *health == "ok"));
}

TEST_CASE("process: during the drain the listener answers 503 9999 to card centers and takes channel notifications") {
  RtOptions o;
  o.processor_extra = "shutdown_timeout = 12s\n";
  RtStack s(o);
  const BookEntry& other = s.holder();
  const std::string other_ag = s.sign("CC01", other);
  s.ts.faults("latency-ms=7000\n");
  std::thread call;
  std::atomic<int> status{0};
  const std::string txn = repay_on_the_wire(s, call, status);
  const std::string req_sn = s.debit_req_sn(txn);
  const std::string channel = s.db("SELECT channel_id FROM repayments WHERE txn_no = '" + txn + "'");
  const std::string debit = s.db("SELECT debit_amount FROM repayments WHERE txn_no = '" + txn + "'");
  const pid_t pid = s.ts.stack().processor_pid();
  const std::string log = s.ts.dir() + "/repay.log";
  REQUIRE(::kill(pid, SIGTERM) == 0);
  REQUIRE(wait_for([&] { return slurp(log).find("processor.stopping") != std::string::npos; }, 10s, 20ms));

  // A card-center request during the drain: answered, signed, 503 with RespCode 9999.
  auto refused = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), other_ag, other.credit_card, 1000));
  CHECK(refused.http_status == 503);
  CHECK(refused.field("RespCode") == "9999");
  CHECK(refused.signature_ok);
  // /metrics (admin listener) and /healthz say draining.
  auto metrics = stack::http_simple(s.ts.stack().admin_url() + "/metrics");
  REQUIRE(metrics.ok());
  CHECK(metrics->find("repay_up 2\n") != std::string::npos);
  auto health = stack::http_simple(s.ts.stack().api_url() + "/healthz");
  CHECK_FALSE(health.ok());
  if (!health.ok()) CHECK(health.error().to_string().find("503") != std::string::npos);

  // The bank's notification of the DEBIT being drained (channel-api.md, Notifications): taken and
  // stored while the bank's own answer is still on its way.
  SystemClock clock;
  const std::string body = wire::build_xml_message(
      "ChannelNotify", {{"TxCode", "DEBIT"}, {"ReqSn", req_sn}, {"Status", "SUCCESS"}, {"RetCode", "0000"},
                        {"RetMsg", "ok"}, {"ChannelTxnNo", "CT" + req_sn}, {"Amount", debit},
                        {"SettleDate", format_date(cst_date(clock.now()))}});
  const std::string target = "/channel/notify/" + channel;
  auto h = wire::sign_message(stack::Stack::secret_for(channel), channel, clock, "POST " + target, body);
  const uint16_t api_port = static_cast<uint16_t>(std::stoi(s.ts.stack().api_url().substr(17)));
  server::testing::TestClient client(api_port);
  auto r = client.request(server::testing::request_text(
      "POST", target, body,
      "Content-Type: application/xml\r\nX-Sender-Id: " + channel + "\r\nX-Timestamp: " + h.timestamp +
          "\r\nX-Nonce: " + h.nonce + "\r\nX-Signature: " + h.signature + "\r\n"));
  CHECK(r.result_int() == 200);
  CHECK(r.body().find("SUCCESS") != std::string::npos);
  CHECK(s.db("SELECT state FROM repayments WHERE txn_no = '" + txn + "'") == "SUCCESS");

  // The drain ends with the bank's answer; a clean exit.
  const int exit_status = s.ts.stack().stop_processor(SIGTERM, 30s);
  CHECK_MESSAGE(exit_status == 0, slurp(log));
  call.join();
  CHECK(status.load() == 200);
  CHECK(slurp(log).find("processor.stopped") != std::string::npos);
  CHECK(s.db("SELECT COUNT(*) FROM repayments WHERE state = 'SENDING'") == "0");
}

TEST_CASE("process: a failure at start-up is logged as JSON; a key file others can read is refused") {
  RtStack s;
  REQUIRE(s.ts.stack().stop_processor(SIGTERM, 30s) == 0);
  const std::string key = s.ts.stack().key_file();
  REQUIRE(::chmod(key.c_str(), 0644) == 0);
  const std::string log = s.ts.dir() + "/start.log";
  auto p = stack::Subprocess::spawn({REPAY_BIN, "serve", "--config", s.ts.stack().settings_file()}, log);
  REQUIRE(p.ok());
  REQUIRE(wait_for([&] { return slurp(log).find("processor.start_failed") != std::string::npos; }, 20s, 50ms));
  CHECK(p->stop(SIGTERM, 10s) == 1);
  const std::string text = slurp(log);
  INFO(text);
  check_json_lines(text);
  CHECK(text.find("mode 0644") != std::string::npos);
  CHECK(text.find(key) != std::string::npos);

  // The CLI steps refuse it too.
  auto [rc, out] = repay_cli(s, "refunds list");
  CHECK(rc == 1);
  CHECK(out.find("mode 0644") != std::string::npos);
  REQUIRE(::chmod(key.c_str(), 0600) == 0);
  auto [rc2, out2] = repay_cli(s, "refunds list");
  CHECK_MESSAGE(rc2 == 0, out2);
  REQUIRE(s.ts.stack().start_processor().ok());
}

}  // namespace repay::e2e::rt
