// The main job on embedded defaults (README quick start). For now: signing — a few dozen
// cardholders signed both ways, with every failure the business meets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <string>
#include <vector>

#include "stack/stack.h"
#include "server/http_server.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "store/factory.h"

namespace repay::stack {

// `repay demo` (docs/cli.md): the whole demo on a stack in `dir`; prints as it goes and returns
// the exit status (0 when everything went as expected).
struct DemoOptions {
  std::string dir = "var/demo";  // emptied first
  uint64_t seed = 7;             // the simulator's book and faults
  bool keep_running = false;     // keep the processor and simulator up until Ctrl-C
  bool keep_console = false;     // the same, said for the staff console
};
int run_demo(const DemoOptions& options);

// One cardholder of the simulator's book (GET /sim/book).
struct BookEntry {
  std::string name, id_type, id_no, debit_card, mobile, state, credit_card;
  long long balance = 0, limit = 0;
};
Result<std::vector<BookEntry>> fetch_book(const std::string& banksim_url);

// Picks book entries in order by state, each at most once across the demo.
class Picker {
 public:
  explicit Picker(const std::vector<BookEntry>& b) : book_(b) {}
  const BookEntry* next(const std::string& state, long long min_balance = 0);

 private:
  const std::vector<BookEntry>& book_;
  std::vector<bool> used_ = std::vector<bool>(book_.size(), false);
};

// What the demo saw, grouped for the summary: (call, Status, RespCode) -> count.
struct Tally {
  std::map<std::tuple<std::string, std::string, std::string>, int> counts;
  std::vector<std::string> notes;  // one line per scenario, cards masked
  int unexpected = 0;              // answers that differ from what the scenario expects
};

// Runs the signing scenarios of the demo against a started stack.
void run_signing_demo(const Stack& stack, const Clock& clock, Picker& pick, Tally& tally);

// The repayment day's batches: signs cardholders for them, drops batch files (bad items, a bad
// file, a GBK file) into the inboxes, lets the processor debit them against the misbehaving
// simulator until a deadline force-fails what is left, and summarises the return files.
struct BatchDemoReport {
  std::vector<std::string> lines;
  int unexpected = 0;
};
BatchDemoReport run_batch_demo(const Stack& stack, const Clock& clock, Picker& pick,
                               Instant cc02_force_fail_at);

// The card center's callback endpoint, for the demo and tests: verifies each notification's
// signature and answers SUCCESS.
class NotifyReceiver {
 public:
  NotifyReceiver(std::string processor_id, std::string center_secret, const Clock& clock);
  ~NotifyReceiver();
  std::string url() const;  // http://127.0.0.1:<port>/cb/notify
  std::vector<std::map<std::string, std::string>> received() const;

 private:
  std::string processor_id_;
  std::string secret_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::vector<std::map<std::string, std::string>> received_;
  std::unique_ptr<server::HttpServer> server_;
};

BatchDemoReport run_realtime_demo(const Stack& stack, const Clock& clock, Picker& pick,
                                  const NotifyReceiver& receiver);

// Day T+1: the statements of the day (wrong on purpose), `repay settle run`, every discrepancy
// class, RECON and SETTLE published, a proposal approved through the CLI and executed. Stops and
// starts the processor (a crash while a repayment is unknown).
BatchDemoReport run_settle_demo(Stack& stack, const Clock& clock, Picker& pick);

// The stack's database, for what the demo reads besides the CLI: through the store factory, with
// the cipher of the stack's key file, which lives as long as the stores (demo.cc).
struct DemoDatabase {
  explicit DemoDatabase(crypto::FieldCipher c) : cipher(std::move(c)) {}
  crypto::FieldCipher cipher;
  std::unique_ptr<store::Database> stores;
};
Result<std::unique_ptr<DemoDatabase>> open_demo_database(const Stack& stack, int connections);

// A console staff account made with `repay staff add`: its random password (demo_console.cc).
Result<std::string> add_demo_staff(const Stack& stack, const std::string& login, const std::string& role);

}  // namespace repay::stack
