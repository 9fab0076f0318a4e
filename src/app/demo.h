// The main job on embedded defaults (README quick start). For now: signing — a few dozen
// cardholders signed both ways, with every failure the business meets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "app/stack.h"
#include "core/clock.h"

namespace repay::app {

// One cardholder of the simulator's book (GET /sim/book).
struct BookEntry {
  std::string name, id_type, id_no, debit_card, mobile, state, credit_card;
  long long balance = 0, limit = 0;
};
Result<std::vector<BookEntry>> fetch_book(const std::string& banksim_url);

// What the demo saw, grouped for the summary: (call, Status, RespCode) -> count.
struct Tally {
  std::map<std::tuple<std::string, std::string, std::string>, int> counts;
  std::vector<std::string> notes;  // one line per scenario, cards masked
  int unexpected = 0;              // answers that differ from what the scenario expects
};

// Runs the signing scenarios of the demo against a started stack.
void run_signing_demo(const Stack& stack, const Clock& clock, const std::vector<BookEntry>& book,
                      Tally& tally);

}  // namespace repay::app
