// T+1 settlement end to end (domain.md flow 4 and 5; files.md; channel-api.md, Statement): real
// repayments through the running stack, the simulator's statements (made to disagree on purpose
// with its stmt-* knobs), `repay settle run|reconcile` by hand, the scheduler of settlement/jobs/settle_jobs.h
// on a moved clock (a late statement, alerts raised once, catch-up after a stop), mode 1 (RECON)
// and mode 2 (the card center's posting file).
#include <csignal>
#include <filesystem>

#include "app/job_options.h"
#include "settlement/jobs/settle_jobs.h"
#include "store/factory.h"
#include "realtime_e2e.h"
#include "support/test_db.h"

namespace repay::e2e::rt {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Seconds from now to tomorrow 02:01 CST: the clock the T+1 jobs of today run on.
long long to_tomorrow() {
  const Date today = cst_date(std::chrono::system_clock::now());
  return std::chrono::duration_cast<std::chrono::seconds>(
             cst_time_on(today + boost::gregorian::days(1), 2 * 60 + 1) - std::chrono::system_clock::now())
      .count();
}

// `repay settle ARGS` on tomorrow's clock (02:01 CST), when today is over.
std::pair<int, std::string> settle_cli(RtStack& s, const std::string& args) {
  return repay_cli(s, "settle " + args, "REPAY_CLOCK_OFFSET_SECONDS=" + std::to_string(to_tomorrow()) + " ");
}

// Moves the simulator's clock so that it reads `at` now.
void sim_clock_at(RtStack& s, Instant at) {
  const auto offset = std::chrono::duration_cast<std::chrono::seconds>(at - std::chrono::system_clock::now());
  std::string body = "offset-seconds=" + std::to_string(offset.count());
  auto r = stack::http_simple(s.ts.stack().banksim_url() + "/sim/clock", &body);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
}

// Makes the statements of today ready at the simulator (its clock: tomorrow 02:01 CST).
void statements_ready(RtStack& s) {
  const Date today = cst_date(std::chrono::system_clock::now());
  sim_clock_at(s, cst_time_on(today + boost::gregorian::days(1), 2 * 60 + 1));
}

std::string outbox(RtStack& s, const std::string& center) {
  return s.ts.stack().dir() + "/centers/" + center + "/outbox";
}
std::string inbox(RtStack& s, const std::string& center) {
  return s.ts.stack().dir() + "/centers/" + center + "/inbox";
}

bool published(RtStack& s, const std::string& center, const std::string& name) {
  return fs::exists(outbox(s, center) + "/" + name) && fs::exists(outbox(s, center) + "/" + name + ".ok");
}

std::vector<std::string> header_of(const std::string& path) {
  auto rows = batch::records(path);
  REQUIRE_MESSAGE(!rows.empty(), path << " is empty or missing");
  return rows[0];
}

int64_t count(RtStack& s, const std::string& sql) { return num(s.db(sql)); }

// A SUCCESS repayment of `amount` at `center` for a new cardholder: its TxnNo.
std::string repaid(RtStack& s, const std::string& center, long long amount) {
  const BookEntry& h = s.holder();
  const std::string ag = s.sign(center, h);
  auto paid = s.ts.call(center, "repay", repay_fields(s.ts.req_no(), ag, h.credit_card, amount));
  REQUIRE_MESSAGE(paid.field("Status") == "SUCCESS", show(paid));
  return paid.field("TxnNo");
}

}  // namespace

TEST_CASE("settle run: every discrepancy class of a statement, RECON and SETTLE published; re-runs change nothing") {
  RtOptions o;
  o.realtime_timeout_s = 2;
  RtStack s(o);
  const std::string today = batch::cst_today();

  // R1..R8 succeed; X is declined by the bank (the card's balance is too low); R1 is partly
  // refunded by the card center. The statement lines are in this order (1..10), then L (11).
  std::vector<std::string> r;
  for (int i = 0; i < 8; ++i) r.push_back(repaid(s, "CC01", 10000 + 100 * i));
  const BookEntry* poor = s.holders.next(0, 4000);
  REQUIRE(poor != nullptr);
  const std::string x_ag = s.sign("CC01", *poor);
  auto x = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), x_ag, poor->credit_card, 9000));
  REQUIRE_MESSAGE(x.field("Status") == "FAILED", show(x));
  const std::string x_txn = x.field("TxnNo");
  auto rf = s.ts.call("CC01", "refund", refund_fields(s.ts.req_no(), r[0], 3000));
  REQUIRE_MESSAGE(rf.field("Status") == "SUCCESS", show(rf));

  // L: the bank debits it, but the answer and every query's answer are lost and its notification
  // is dropped; the processor is then stopped while L is still processing.
  const BookEntry& l = s.holder();
  const std::string l_ag = s.sign("CC01", l);
  s.ts.faults("p-lost-answer=1\np-notify-drop=1\n");
  auto lp = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), l_ag, l.credit_card, 5000));
  REQUIRE_MESSAGE(lp.field("Status") == "PROCESSING", show(lp));
  const std::string l_txn = lp.field("TxnNo");
  s.ts.stack().stop_processor(SIGKILL);
  const std::string l_state = s.db("SELECT state FROM repayments WHERE txn_no = '" + l_txn + "'");
  REQUIRE_MESSAGE((l_state == "UNKNOWN" || l_state == "SENDING"), l_state);

  // The bank's statement of today: line 7 missing, lines 4 and 8 twice, line 6 one fen more, one
  // line nobody sent, the declined X listed as done.
  s.ts.faults("reset\nstmt-omit-every=7\nstmt-dup-every=4\nstmt-amount-every=6\nstmt-unknown-lines=1\n"
              "stmt-declined-every=1\n");
  statements_ready(s);
  auto [rc, out] = settle_cli(s, "run --date " + today + " --center CC01");
  REQUIRE_MESSAGE(rc == 0, out);
  INFO(out);
  CHECK(out.find("MATCHED 7") != std::string::npos);  // R1 R2 R3 R4 R5 R8 and the refund
  CHECK(out.find("BANK_DONE_OURS_PENDING 1") != std::string::npos);
  CHECK(out.find("DEBITED_OURS_FAILED 1") != std::string::npos);
  CHECK(out.find("SUSPENSE 1") != std::string::npos);
  CHECK(out.find("AMOUNT_DIFFERS 1") != std::string::npos);
  CHECK(out.find("DUPLICATE_LINE 2") != std::string::npos);
  CHECK(out.find("UNKNOWN_REQSN 1") != std::string::npos);  // on each channel's statement

  // Each class's action: L is a success now; X has an OTHER refund proposal pending review;
  // exceptions for the amount, the two duplicate lines and the unknown lines.
  CHECK(s.db("SELECT state FROM repayments WHERE txn_no = '" + l_txn + "'") == "SUCCESS");
  CHECK(count(s, "SELECT COUNT(*) FROM refunds WHERE origin = 'US' AND reason = 'OTHER' AND "
                 "state = 'PENDING_REVIEW' AND orig_txn_no = '" + x_txn + "'") == 1);
  CHECK(count(s, "SELECT COUNT(*) FROM exceptions WHERE kind = 'AMOUNT_DIFFERS'") == 1);
  CHECK(count(s, "SELECT COUNT(*) FROM exceptions WHERE kind = 'DUPLICATE_LINE'") == 2);
  CHECK(count(s, "SELECT COUNT(*) FROM exceptions WHERE kind = 'UNKNOWN_REQSN'") == 2);

  // RECON: the eight successes of today and the card center's refund. L became a success when
  // the statement was reconciled, on T+1: it is a success of T+1 (common.md, Day T), in T+1's files.
  const std::string recon = "RECON_CC01_" + today + ".txt";
  REQUIRE(published(s, "CC01", recon));
  auto rh = header_of(outbox(s, "CC01") + "/" + recon);
  CHECK(rh[3] == "8");
  CHECK(s.db("SELECT finished_at >= " + std::to_string(to_unix_ms(cst_day_start(*parse_date(today) + boost::gregorian::days(1)))) +
             " FROM repayments WHERE txn_no = '" + l_txn + "'") == "1");
  CHECK(rh[5] == "1");
  // SETTLE: R7 (missing from the statement) held back; the proposal and the exceptions counted.
  const std::string settle = "SETTLE_CC01_" + today + ".txt";
  REQUIRE(published(s, "CC01", settle));
  auto sh = header_of(outbox(s, "CC01") + "/" + settle);
  REQUIRE(sh.size() == 15);
  CHECK(sh[3] == "1");
  CHECK(sh[4] == "8");  // the RECON file's figures
  CHECK(num(sh[9]) >= 1);
  CHECK(num(sh[10]) >= 3);  // the card center's: amount and duplicates (unknown lines have none)
  CHECK(sh[11] == "1");
  CHECK(sh[12] == std::to_string(10000 + 100 * 6));
  CHECK(num(sh[8]) == num(sh[5]) - num(sh[7]) - num(sh[12]));

  // Again, by hand: nothing new — the same statement version, no new proposal or exception, the
  // same RECON, the same SETTLE version (no _V2).
  const int64_t proposals = s.ts.count_rows("refunds");
  const int64_t exceptions = s.ts.count_rows("exceptions");
  auto [rc2, out2] = settle_cli(s, "reconcile --channel COLL01 --date " + today);
  REQUIRE_MESSAGE(rc2 == 0, out2);
  CHECK(out2.find("statement v1,") != std::string::npos);
  CHECK(out2.find("new proposals 0, new exceptions 0") != std::string::npos);
  auto [rc3, out3] = settle_cli(s, "run --date " + today + " --center CC01");
  REQUIRE_MESSAGE(rc3 == 0, out3);
  CHECK(out3.find("reconciled before") != std::string::npos);
  // files.md, Once: each file of the day was built before; the run says so and adds nothing.
  CHECK(out3.find("RECON CC01 " + today + ": published before as " + recon) != std::string::npos);
  CHECK(out3.find("SETTLE CC01 " + today + ": published before as " + settle) != std::string::npos);
  CHECK(s.ts.count_rows("refunds") == proposals);
  CHECK(s.ts.count_rows("exceptions") == exceptions);
  CHECK_FALSE(fs::exists(outbox(s, "CC01") + "/SETTLE_CC01_" + today + "_V2.txt"));

  // L's success is queued for the card center, due at T+1 02:01 (the clock `settle run` ran on;
  // the processor, on the real clock, sends it then).
  CHECK(count(s, "SELECT COUNT(*) FROM notifications WHERE state = 'PENDING' AND body_fields LIKE '%" +
                     l_txn + "%' AND body_fields LIKE '%SUCCESS%'") == 1);
  s.ts.restart_processor(SIGTERM);
}

TEST_CASE("settle run and reconcile refuse a day that has not ended (CST): nothing published") {
  RtStack s;
  const std::string today = batch::cst_today();
  const Date t = *parse_date(today);
  const std::string tomorrow = format_date(t + boost::gregorian::days(1));
  const std::string paid = repaid(s, "CC01", 12300);
  statements_ready(s);  // the bank would even hand out a statement of today
  for (const std::string& day : {today, tomorrow}) {
    for (const std::string& args : {"run --date " + day, "run --date " + day + " --center CC01",
                                     "reconcile --channel COLL01 --date " + day}) {
      auto [rc, out] = repay_cli(s, "settle " + args);  // on the real clock: today is not over
      INFO(args << "\n" << out);
      CHECK(rc == 1);
      CHECK(out.find("DAY_NOT_OVER field date value '" + day + "'") != std::string::npos);
    }
  }
  for (const char* center : {"CC01", "CC02"}) {
    for (const auto& e : fs::directory_iterator(outbox(s, center))) {
      const std::string n = e.path().filename().string();
      CHECK_MESSAGE((n.rfind("RECON_", 0) != 0 && n.rfind("SETTLE_", 0) != 0), n);
    }
  }
  CHECK(count(s, "SELECT COUNT(*) FROM recon_runs") == 0);
  CHECK(count(s, "SELECT COUNT(*) FROM settle_jobs WHERE job IN ('STATEMENT', 'RECON', 'SETTLE', 'FEE') "
                 "AND done_at IS NOT NULL") == 0);
  // Once the day is over, the same command runs: RECON lists today's success.
  auto [rc, out] = settle_cli(s, "run --date " + today + " --center CC01");
  REQUIRE_MESSAGE(rc == 0, out);
  CHECK(published(s, "CC01", "RECON_CC01_" + today + ".txt"));
  CHECK(header_of(outbox(s, "CC01") + "/RECON_CC01_" + today + ".txt")[3] == "1");
  (void)paid;
}

TEST_CASE("settle run, mode 2: the card center's posting file, SETTLE from its lines, one-sided proposals") {
  RtOptions o;
  o.cc02_extra = "settlement_mode = 2\nposting_grace_days = 0\n";
  RtStack s(o);
  const std::string today = batch::cst_today();
  const std::string p1 = repaid(s, "CC02", 20000);
  const std::string p2 = repaid(s, "CC02", 30000);
  const std::string p3 = repaid(s, "CC02", 40000);
  const std::string ref1 = s.db("SELECT req_no FROM repayments WHERE txn_no = '" + p1 + "'");
  const std::string ref2 = s.db("SELECT req_no FROM repayments WHERE txn_no = '" + p2 + "'");
  // The card center posted p1 and p2, and a TxnNo that is not ours; p3 is not in its file.
  const std::string post = "POST_CC02_" + today + ".txt";
  const std::string t = today + "120000";
  batch::drop(inbox(s, "CC02"), post,
              "H|CC02|" + today + "|3|60100\n"
              "D|" + p1 + "|" + ref1 + "|20000|" + t + "\n"
              "D|" + p2 + "|" + ref2 + "|30000|" + t + "\n"
              "D|T" + today + "9999999999|NOPE|10100|" + t + "\n");
  statements_ready(s);
  auto [rc, out] = settle_cli(s, "run --date " + today + " --center CC02");
  REQUIRE_MESSAGE(rc == 0, out);
  INFO(out);
  CHECK(out.find(post + ": USED, 2 matched, 1 exceptions, 1 one-sided proposals") != std::string::npos);
  CHECK(count(s, "SELECT COUNT(*) FROM refunds WHERE origin = 'US' AND reason = 'ONE_SIDED' AND "
                 "state = 'PENDING_REVIEW' AND orig_txn_no = '" + p3 + "'") == 1);
  CHECK(count(s, "SELECT COUNT(*) FROM exceptions WHERE kind = 'POST_NOT_OURS'") == 1);
  // The posting file went to done/ once stored; no RECON in mode 2.
  CHECK_FALSE(fs::exists(inbox(s, "CC02") + "/" + post));
  CHECK(fs::exists(inbox(s, "CC02") + "/done/" + post));
  CHECK_FALSE(fs::exists(outbox(s, "CC02") + "/RECON_CC02_" + today + ".txt"));
  const std::string settle = "SETTLE_CC02_" + today + ".txt";
  REQUIRE(published(s, "CC02", settle));
  auto sh = header_of(outbox(s, "CC02") + "/" + settle);
  CHECK(sh[3] == "2");
  CHECK(sh[4] == "2");
  CHECK(sh[5] == "50000");
  CHECK(sh[11] == "0");  // the statement confirmed all three

  // Again: the file is gone from the inbox, nothing new, the same SETTLE.
  auto [rc2, out2] = settle_cli(s, "run --date " + today + " --center CC02");
  REQUIRE_MESSAGE(rc2 == 0, out2);
  CHECK(count(s, "SELECT COUNT(*) FROM refunds WHERE reason = 'ONE_SIDED'") == 1);
  CHECK_FALSE(fs::exists(outbox(s, "CC02") + "/SETTLE_CC02_" + today + "_V2.txt"));
}

TEST_CASE("scheduler: RECON at the day's start, a late statement alerted once, SETTLE after it, missed days caught up") {
  RtOptions o;
  o.banksim_args = {"--statement-ready-hours", "20"};  // ready at T+1 20:00, after the last time 18:00
  o.channel_extra = "statement_retry = 60s";
  RtStack s(o);
  const std::string today = batch::cst_today();
  const Date t = *parse_date(today);
  const Date t1 = t + boost::gregorian::days(1);
  const std::string paid = repaid(s, "CC01", 12300);
  // The processor's own scheduler (on the real clock) has kept today as its first day.
  REQUIRE(wait_for([&] { return s.db("SELECT detail FROM settle_jobs WHERE job = 'START'") == today; }, 20s));
  s.ts.stack().stop_processor(SIGTERM);

  settings::Settings settings;
  auto errors = settings::load_settings(s.ts.stack().settings_file(), &settings);
  REQUIRE(errors.empty());
  auto cipher = crypto::FieldCipher::from_key_file(settings.processor.key_file);
  REQUIRE(cipher.ok());
  auto stores = store::open_stores({settings.database.engine, settings.processor.database}, *cipher);
  REQUIRE(stores.ok());
  ManualClock clock(cst_time_on(t1, 30));
  auto client = app::statement_client(settings, clock);
  REQUIRE(client.ok());
  store::Database& db = **stores;
  const settlement::SettleJobsPorts ports{db.recon(), db.center_files(), db.jobs(), db.review()};
  auto jobs = std::make_unique<settlement::SettleJobs>(app::settle_jobs_options(settings), ports,
                                                       app::statement_fetch(client->get()),
                                                       settlement::Calendar(), clock);
  auto at = [&](Date d, int minutes) {
    clock.set(cst_time_on(d, minutes));
    sim_clock_at(s, clock.now());
  };
  auto alerts = [&](const std::string& kind) {
    return count(s, "SELECT COUNT(*) FROM exceptions WHERE kind = '" + kind + "'");
  };

  // T+1 00:30: the statement is not ready (404, tried again later); RECON is out already.
  at(t1, 30);
  jobs->tick();
  CHECK(published(s, "CC01", "RECON_CC01_" + today + ".txt"));
  CHECK(published(s, "CC02", "RECON_CC02_" + today + ".txt"));
  CHECK_FALSE(published(s, "CC01", "SETTLE_CC01_" + today + ".txt"));
  CHECK(num(s.db("SELECT attempts FROM settle_jobs WHERE job = 'STATEMENT' AND subject = 'COLL01' AND period = '" +
                 today + "'")) == 1);
  CHECK(s.db("SELECT last_error FROM settle_jobs WHERE job = 'STATEMENT' AND subject = 'COLL01'").find("NOT_READY") == 0);
  // 09:05: past the publish time without a statement: SETTLE waits, and says so once per center.
  at(t1, 9 * 60 + 5);
  jobs->tick();
  CHECK_FALSE(published(s, "CC01", "SETTLE_CC01_" + today + ".txt"));
  CHECK(alerts("PUBLISH_LATE") == 2);
  // 18:05: past the statements' last time: one alert per channel, and no more tries.
  at(t1, 18 * 60 + 5);
  jobs->tick();
  CHECK(alerts("STATEMENT_MISSING") == 2);
  const std::string tries = s.db("SELECT attempts FROM settle_jobs WHERE job = 'STATEMENT' AND subject = 'COLL01'");
  at(t1, 20 * 60 + 30);  // the statement is there now, but the scheduler has given up on it
  jobs->tick();
  jobs->tick();
  CHECK(alerts("STATEMENT_MISSING") == 2);
  CHECK(alerts("PUBLISH_LATE") == 2);
  CHECK(s.db("SELECT attempts FROM settle_jobs WHERE job = 'STATEMENT' AND subject = 'COLL01'") == tries);
  // Staff fetch the late statement by hand: reconciled, SETTLE published.
  auto report = jobs->run_day(t, "");
  INFO(report.lines.size());
  CHECK(report.failures == 0);
  CHECK(published(s, "CC01", "SETTLE_CC01_" + today + ".txt"));
  CHECK(published(s, "CC02", "SETTLE_CC02_" + today + ".txt"));
  auto sh = header_of(outbox(s, "CC01") + "/SETTLE_CC01_" + today + ".txt");
  CHECK(sh[4] == "1");
  CHECK(sh[11] == "0");

  // Repay is down for two days; at start-up on T+3 21:00 the days T+1 and T+2 are caught up
  // (each statement gets its one try, though its last time has passed).
  jobs.reset();
  const Date t2 = t1 + boost::gregorian::days(1);
  const Date t3 = t2 + boost::gregorian::days(1);
  at(t3, 21 * 60);
  jobs = std::make_unique<settlement::SettleJobs>(app::settle_jobs_options(settings), ports,
                                                  app::statement_fetch(client->get()),
                                                  settlement::Calendar(), clock);
  jobs->tick();
  for (const Date d : {t1, t2}) {
    const std::string day = format_date(d);
    CHECK(published(s, "CC01", "RECON_CC01_" + day + ".txt"));
    CHECK(published(s, "CC01", "SETTLE_CC01_" + day + ".txt"));
    CHECK(published(s, "CC02", "SETTLE_CC02_" + day + ".txt"));
    auto h = header_of(outbox(s, "CC01") + "/RECON_CC01_" + day + ".txt");
    CHECK(h[3] == "0");  // nothing happened on those days: zero counts
  }
  CHECK_FALSE(published(s, "CC01", "RECON_CC01_" + format_date(t3) + ".txt"));  // T+3 is today
  (void)paid;
}

}  // namespace repay::e2e::rt
