#include "stack/demo.h"

#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "stack/http_get.h"

namespace repay::stack {

Result<std::vector<BookEntry>> fetch_book(const std::string& banksim_url) {
  auto text = http_simple(banksim_url + "/sim/book");
  if (!text) return text.error();
  std::vector<BookEntry> book;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("D|", 0) != 0) continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string part;
    while (std::getline(ls, part, '|')) f.push_back(part);
    if (f.size() < 10) return make_error("IO", "book line with too few fields");
    BookEntry e;
    e.name = f[1];
    e.id_type = f[2];
    e.id_no = f[3];
    e.debit_card = f[4];
    e.mobile = f[5];
    e.balance = std::stoll(f[6]);
    e.limit = std::stoll(f[7]);
    e.state = f[8];
    e.credit_card = f[9];
    book.push_back(std::move(e));
  }
  return book;
}

int run_demo(const DemoOptions& o) {
  const std::string& dir = o.dir;
  const uint64_t seed = o.seed;
  const bool keep = o.keep_running;
  const bool keep_console = o.keep_console;

  SystemClock clock;
  // CC02's deadline is a few minutes from now so the demo sees a force-fail; CC01's is far away.
  const Instant now = clock.now();
  const int minute = static_cast<int>(
      std::chrono::duration_cast<std::chrono::minutes>(now - cst_day_start(cst_date(now))).count());
  const int deadline = minute + 3;
  char hhmm[16];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", deadline / 60, deadline % 60);
  const Instant cc02_force_fail = cst_time_on(cst_date(now), deadline - 1);

  // The card center CC01's callback endpoint (its app's notifications).
  NotifyReceiver receiver("PROCESSOR", Stack::secret_for("CC01"), clock);

  StackOptions opt;
  opt.dir = dir;
  opt.centers[0].extra = "send_from = 00:00\npoll_interval = 1s\nreturn_deadline = 47:59\n"
                         "realtime_timeout = 2s\nper_item_limit = 99999999999\ndefault_notify_url = " + receiver.url() +
                         "\nnotify_url_prefixes = " + receiver.url() + "\n";
  opt.centers[1].extra = std::string("send_from = 00:00\npoll_interval = 1s\nreturn_deadline = ") +
                         hhmm + "\nforce_fail_lead = 1m\n";
  // The quick-pay channel is throttled so that CC02's batch cannot all be sent in time.
  opt.quick_channel_extra = "max_tps = 4";
  opt.channel_extra = "request_timeout = 2s";
  // The demo settles today's repayments against today's statements; with the simulated bank's
  // 23:00 CST cutover, a demo run from 15:00 to 16:00 UTC would find them on tomorrow's instead
  // (as the settlement tests did). A real bank's cutover is the reconciliation's matter of the
  // next day, not the demo's.
  opt.banksim_args = {"--cutover-hour", "24"};
  opt.repay_bin = self_dir() + "/repay";
  opt.banksim_bin = self_dir() + "/repay-banksim";
  opt.seed = seed;
  std::cout << "Repay demo — working folder " << dir << ", seed " << seed << "\n";
  auto stack = Stack::start(opt);
  if (!stack) {
    std::cerr << "repay: cannot start the stack: " << stack.error().to_string() << "\n";
    return 1;
  }
  std::cout << "  bank simulator  " << (*stack)->banksim_url() << "  (log " << dir << "/banksim.log)\n"
            << "  processor API   " << (*stack)->api_url() << "  (log " << dir << "/repay.log)\n\n";
  auto book = fetch_book((*stack)->banksim_url());
  if (!book) {
    std::cerr << "repay: cannot read the simulator's book: " << book.error().to_string() << "\n";
    return 1;
  }
  Tally tally;
  Picker pick(*book);
  run_signing_demo(**stack, clock, pick, tally);

  std::cout << "Signing — what happened\n";
  for (const auto& n : tally.notes) std::cout << "  " << n << "\n";
  std::cout << "\nSigning — answers by call, status and code\n";
  std::cout << "  " << std::left << std::setw(15) << "call" << std::setw(10) << "status"
            << std::setw(6) << "code" << "count\n";
  for (const auto& [k, n] : tally.counts) {
    std::cout << "  " << std::left << std::setw(15) << std::get<0>(k) << std::setw(10)
              << std::get<1>(k) << std::setw(6) << std::get<2>(k) << n << "\n";
  }
  std::cout << "\n" << (tally.unexpected == 0 ? "All signing answers were as expected."
                                              : std::to_string(tally.unexpected) +
                                                    " signing answer(s) differed from what was expected.")
            << "\n\n";

  // The bank misbehaves from here on: latency, busy answers, lost answers, late results.
  std::string faults =
      "latency-ms=30\nlatency-jitter-ms=20\np-busy=0.03\np-lost-answer=0.02\np-5xx=0.02\n"
      "p-processing=0.05\nlate-result-ms=20000\np-notify-dup=0.2\n";
  (void)http_simple((*stack)->banksim_url() + "/sim/faults", &faults);
  std::cout << "Auto-repayment batches (simulator: 30 ms latency, busy, lost answers, 5xx, late results)\n";
  auto batches = run_batch_demo(**stack, clock, pick, cc02_force_fail);
  for (const auto& l : batches.lines) std::cout << "  " << l << "\n";
  tally.unexpected += batches.unexpected;

  std::cout << "\nReal-time repayments and refunds from CC01's app\n";
  auto rt = run_realtime_demo(**stack, clock, pick, receiver);
  for (const auto& l : rt.lines) std::cout << "  " << l << "\n";
  tally.unexpected += rt.unexpected;

  std::cout << "\nDay T+1: statements, reconciliation, settlement files, refund review\n";
  auto t1 = run_settle_demo(**stack, clock, pick);
  for (const auto& l : t1.lines) std::cout << "  " << l << "\n";
  tally.unexpected += t1.unexpected;
  std::cout << "\n" << (tally.unexpected == 0 ? "Everything went as expected."
                                              : std::to_string(tally.unexpected) +
                                                    " thing(s) differed from what was expected.")
            << "\n";
  // The staff console on the admin listener: the refund proposals above wait there for review.
  auto staff_pw = add_demo_staff(**stack, "demo-reviewer", "reviewer");
  if (staff_pw) {
    std::cout << "\nStaff console  " << (*stack)->admin_url() << "/  login demo-reviewer, password "
              << *staff_pw << " (reviewer)\n"
              << (keep || keep_console ? "" : "  (it stops with the demo: --keep-console keeps it up)\n");
  } else {
    std::cout << "\nStaff console  " << (*stack)->admin_url() << "/  (no staff account: "
              << staff_pw.error().to_string() << ")\n";
  }
  if (keep || keep_console) {
    std::cout << "\nRunning until Ctrl-C. Settings: " << (*stack)->settings_file() << "\n";
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    int sig = 0;
    sigwait(&set, &sig);
  }
  return tally.unexpected == 0 ? 0 : 1;
}

Result<std::unique_ptr<DemoDatabase>> open_demo_database(const Stack& stack, int connections) {
  auto cipher = crypto::FieldCipher::from_key_file(stack.key_file());
  if (!cipher) return cipher.error();
  auto out = std::make_unique<DemoDatabase>(std::move(*cipher));
  store::StoreOptions where;
  where.path = stack.database();
  where.connections = connections;
  auto db = store::open_stores(where, out->cipher);
  if (!db) return db.error();
  out->stores = std::move(*db);
  return out;
}

}  // namespace repay::stack
