// The demo's day T+1 (domain.md flow 4 and 5): the bank's statements of the repayment day — made
// to disagree with what happened by the simulator's stmt-* knobs — reconciled by
// `repay settle run`, every discrepancy class with its action, RECON and SETTLE files published,
// refund proposals listed, one approved by settlement staff through the CLI and executed.
#include <sys/wait.h>

#include <csignal>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "stack/demo.h"
#include "stack/http_get.h"
#include "centerclient/center_client.h"
#include "crypto/crypto.h"
#include "realtime/ports.h"
#include "settlement/review_ports.h"
#include "store/factory.h"

namespace fs = std::filesystem;

namespace repay::stack {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `repay <args> --config <settings>`: exit status and what it printed.
std::pair<int, std::string> repay_cli(const Stack& stack, const std::string& args,
                                      const std::string& env = "") {
  const std::string cmd = env + quoted(self_dir() + "/repay") + " " + args + " --config " +
                          quoted(stack.settings_file()) + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {127, "cannot run " + cmd};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, out};
}

void add_lines(BatchDemoReport& rep, const std::string& text, const std::string& indent) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    // The command's JSON log lines (its stderr) are left out of the story.
    if (nl > pos && text.compare(pos, 6, "{\"ts\":") != 0) rep.lines.push_back(indent + text.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string l;
  std::getline(in, l);
  return l;
}

}  // namespace

BatchDemoReport run_settle_demo(Stack& stack, const Clock& clock, Picker& pick) {
  BatchDemoReport rep;
  const Date today = cst_date(clock.now());
  const std::string day = format_date(today);
  std::string body;

  // One more repayment whose answer, query answers and notification are all lost, and Repay
  // crashes while it is still unknown: on T+1 the statement shows the bank debited it.
  centerclient::CenterClientOptions o;
  o.base_url = stack.api_url();
  o.center_id = "CC01";
  o.secret = stack.center_secret("CC01");
  centerclient::CenterClient app(o, clock);
  const BookEntry* e = pick.next("NORMAL", 2'000'000);
  std::string lost_txn;
  if (e) {
    auto s = app.call("sign3", {{"ReqNo", "T1-S1"}, {"CreditCardNo", e->credit_card}, {"Name", e->name},
                                {"IdType", e->id_type}, {"IdNo", e->id_no}, {"DebitCardNo", e->debit_card}});
    if (s && !s->field("AgreementNo").empty()) {
      (void)http_simple(stack.banksim_url() + "/sim/faults", &(body = "reset\np-lost-answer=1\np-notify-drop=1\n"));
      auto r = app.call("repay", {{"ReqNo", "T1-R1"}, {"AgreementNo", s->field("AgreementNo")},
                                  {"CreditCardNo", e->credit_card}, {"Amount", "66600"}});
      if (r && r->field("Status") == "PROCESSING") lost_txn = r->field("TxnNo");
    }
  }
  if (lost_txn.empty()) {
    rep.lines.push_back("could not leave a repayment unknown at the bank (expected PROCESSING)");
    ++rep.unexpected;
  } else {
    rep.lines.push_back("repayment " + lost_txn + ": the bank debited it but every answer was lost; "
                        "Repay is killed (SIGKILL) while it is still unknown");
  }
  stack.stop_processor(SIGKILL);

  // The banks' statements of today, ready as if it were tomorrow 02:01, and wrong on purpose.
  const auto offset = std::chrono::duration_cast<std::chrono::seconds>(
      cst_time_on(today + boost::gregorian::days(1), 2 * 60 + 1) - clock.now());
  (void)http_simple(stack.banksim_url() + "/sim/clock", &(body = "offset-seconds=" + std::to_string(offset.count())));
  // The lost repayment is the collection channel's last line: the knobs that would hide it or
  // change its amount are chosen so that they leave it alone (its line number is the day's
  // successes there, plus the declined debits, which the statement lists too).
  int64_t successes = 0, declined = 0;
  if (auto ledger = http_simple(stack.banksim_url() + "/sim/ledger")) {
    size_t pos = 0;
    while (pos < ledger->size()) {
      size_t nl = ledger->find('\n', pos);
      if (nl == std::string::npos) nl = ledger->size();
      std::vector<std::string> f;
      size_t a = pos;
      while (a <= nl) {
        size_t b = ledger->find('|', a);
        if (b == std::string::npos || b > nl) b = nl;
        f.push_back(ledger->substr(a, b - a));
        a = b + 1;
      }
      pos = nl + 1;
      if (f.size() < 7 || f[0] != Stack::kCollectChannel) continue;
      if (f[3] == "SUCCESS" && f[6] == day) ++successes;
      if (f[3] == "FAILED" && f[2] == "DEBIT") ++declined;
    }
  }
  const int64_t lost_line = successes + declined;
  int omit = 9, amount = 13;
  while (lost_line % omit == 0) ++omit;
  while (lost_line % amount == 0 || amount == omit) ++amount;
  (void)http_simple(stack.banksim_url() + "/sim/faults",
                    &(body = "reset\nstmt-omit-every=" + std::to_string(omit) + "\nstmt-dup-every=11\n"
                             "stmt-amount-every=" + std::to_string(amount) + "\nstmt-unknown-lines=1\n"
                             "stmt-declined-every=1\n"));
  rep.lines.push_back("the simulator's statements of " + day + " leave out every " + std::to_string(omit) +
                      "th line, list every 11th twice, show every " + std::to_string(amount) +
                      "th 1 fen off, add a line nobody sent and list the declined debits as done");
  // Day T's jobs run once the day is over (files.md): `repay settle run` on tomorrow's clock, 02:01.
  rep.lines.push_back("$ repay settle run --date " + day + "   (on the clock of " +
                      format_date(today + boost::gregorian::days(1)) + " 02:01 CST)");
  auto [rc, out] = repay_cli(stack, "settle run --date " + day,
                             "REPAY_CLOCK_OFFSET_SECONDS=" + std::to_string(offset.count()) + " ");
  add_lines(rep, out, "  ");
  if (rc != 0) ++rep.unexpected;
  for (const char* cls : {"MATCHED", "LATE_SUCCESS", "DEBITED_OURS_FAILED", "BANK_DONE_OURS_PENDING",
                          "SUSPENSE", "AMOUNT_DIFFERS", "DUPLICATE_LINE", "UNKNOWN_REQSN"}) {
    if (out.find(std::string(" ") + cls + " ") == std::string::npos) {
      rep.lines.push_back(std::string("class ") + cls + " did not occur");
      ++rep.unexpected;
    }
  }
  (void)http_simple(stack.banksim_url() + "/sim/faults", &(body = "reset\n"));

  // Repay back up: the repayment the statement proved is a success, and its card center hears so.
  auto started = stack.start_processor();
  if (!started) {
    rep.lines.push_back("the processor did not start again: " + started.error().to_string());
    ++rep.unexpected;
    return rep;
  }
  rep.lines.push_back("Repay restarted");

  for (const auto& c : {std::string("CC01"), std::string("CC02")}) {
    const std::string folder = stack.dir() + "/centers/" + c + "/outbox";
    for (const auto& name : {"RECON_" + c + "_" + day + ".txt", "SETTLE_" + c + "_" + day + ".txt"}) {
      if (!fs::exists(folder + "/" + name + ".ok")) {
        rep.lines.push_back(name + " was not published");
        ++rep.unexpected;
        continue;
      }
      rep.lines.push_back("published " + name + ": " + first_line(folder + "/" + name));
    }
  }

  // Settlement staff look at the proposals and approve one.
  auto [lrc, listed] = repay_cli(stack, "refunds list --state PENDING_REVIEW");
  rep.lines.push_back("$ repay refunds list --state PENDING_REVIEW");
  add_lines(rep, listed, "  ");
  auto db = open_demo_database(stack, 2);
  if (!db) {
    rep.lines.push_back("the database: " + db.error().to_string());
    ++rep.unexpected;
    return rep;
  }
  settlement::ReviewStore& review = (*db)->stores->review();
  // Staff act with their console password (`repay staff add`, then --password-file).
  for (const char* login : {"li.ming", "wang.fang"}) {
    if (auto pw = add_demo_staff(stack, login, "reviewer"); !pw) {
      rep.lines.push_back("staff " + std::string(login) + ": " + pw.error().to_string());
      ++rep.unexpected;
      return rep;
    }
  }
  auto pw_file = [&](const std::string& login) { return quoted(stack.dir() + "/staff-" + login + ".pw"); };
  // A late debit of a force-failed item is money the cardholder must get back; without one, a
  // staff member proposes a goodwill refund of a real-time repayment and another approves it.
  std::string no;
  if (auto late = review.list_proposals({"", "", "LATE_SUCCESS", "PENDING_REVIEW", 1}); late && !late->empty()) {
    no = late->front().refund_no;
  } else {
    // The first real-time repayment of CC01 that succeeded (demo_realtime.cc made them).
    std::vector<std::string> rows;
    Instant first{};
    for (const char* req_no : {"RT-R1", "RT-R2", "RT-R3", "RT-R4"}) {
      auto v = (*db)->stores->realtime().repayment_by_req_no("CC01", req_no);
      if (!v || !v->has_value() || (*v)->state != debit::ItemState::kSuccess) continue;
      if (rows.empty() || (*v)->finished_at < first) {
        rows = {(*v)->txn_no};
        first = (*v)->finished_at;
      }
    }
    if (!rows.empty()) {
      rep.lines.push_back("$ repay refunds propose --center CC01 --txn-no " + rows[0] +
                          " --amount 1000 --staff li.ming --password-file staff-li.ming.pw --comment goodwill");
      auto [prc, proposed] = repay_cli(stack, "refunds propose --center CC01 --txn-no " + rows[0] +
                                                  " --amount 1000 --staff li.ming --password-file " +
                                                  pw_file("li.ming") + " --comment goodwill");
      add_lines(rep, proposed, "  ");
      if (auto other = review.list_proposals({"CC01", "", "OTHER", "PENDING_REVIEW", 1}); other && !other->empty()) {
        no = other->front().refund_no;
      }
    }
  }
  if (no.empty()) {
    rep.lines.push_back("no proposal to approve");
    ++rep.unexpected;
    return rep;
  }
  rep.lines.push_back("$ repay refunds approve --refund-no " + no +
                      " --staff wang.fang --password-file staff-wang.fang.pw");
  auto [arc, approved] = repay_cli(stack, "refunds approve --refund-no " + no + " --staff wang.fang --password-file " +
                                              pw_file("wang.fang") + " --comment " +
                                              quoted("checked against the statement"));
  add_lines(rep, approved, "  ");
  if (arc != 0) ++rep.unexpected;
  std::string state;
  for (int i = 0; i < 150; ++i) {
    auto d = review.show_proposal(no);
    if (d && *d) state = realtime::to_text((*d)->row.state);
    if (state == "SUCCESS" || state == "FAILED") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  rep.lines.push_back("refund " + no + " sent by the running processor: " + state);
  if (state != "SUCCESS") ++rep.unexpected;
  // Back to the real time at the simulator, for --keep-running.
  (void)http_simple(stack.banksim_url() + "/sim/clock", &(body = "offset-seconds=0"));
  return rep;
}

}  // namespace repay::stack
