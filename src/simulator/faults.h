// The simulator's misbehaviour (lessons.md: TigerBeetle, seedable misbehaviour). All knobs are off
// by default; each is a probability or a duration. Dice come from std::mt19937_64 seeded at start,
// so a run with the same seed and the same sequence of requests misbehaves the same way.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "core/result.h"

namespace repay::sim {

struct Faults {
  int latency_ms = 0;          // mean delay before answering
  int latency_jitter_ms = 0;   // the delay is uniform in [mean - jitter, mean + jitter], >= 0
  double p_busy = 0;           // RetCode 9001, not registered
  double p_4001 = 0;           // RetCode 4001 (signature rejected), not registered
  double p_429 = 0;            // HTTP 429, not registered
  double p_5xx = 0;            // HTTP 500, not executed
  double p_no_answer = 0;      // connection dropped, not executed
  double p_lost_answer = 0;    // executed, then the connection is dropped
  double p_processing = 0;     // DEBIT/REFUND answered 2000, final result after late_result_ms
  int late_result_ms = 3000;
  double p_notify_drop = 0;    // notification never sent
  double p_notify_dup = 0;     // sent twice
  double p_notify_reorder = 0; // held back behind the next notification
  double p_notify_early = 0;   // sent before the answer
  // A statement that disagrees with what the bank did (statements only; lines counted 1, 2, ...
  // over the day's successful lines in order; 0: off). The header always adds up its own lines.
  int stmt_omit_every = 0;      // every N-th line left out
  int stmt_dup_every = 0;       // every N-th line listed twice
  int stmt_amount_every = 0;    // every N-th line 1 fen more than the amount moved
  int stmt_unknown_lines = 0;   // N extra DEBIT lines with ReqSns nobody sent
  int stmt_declined_every = 0;  // every N-th declined DEBIT/REFUND of the day listed as a success
  // A bank whose answer lies about money that moved (counts, not dice: each lie used up makes the
  // count go down by one; the statement, the ledger and, unless said, QUERY tell the truth).
  int lie_busy_debits = 0;      // the next N DEBITs are executed but answered 9001 (not
                                // registered), and so is every resend of them; not notified
  int lie_declined_debits = 0;  // the next N DEBITs that succeed are answered 3001; not notified
  int lie_query_not_found = 0;  // the next N QUERYs answer Status NOT_FOUND whatever happened
};

// The statement part of the faults, for the pure Bank.
struct StatementFaults {
  int omit_every = 0;
  int dup_every = 0;
  int amount_every = 0;
  int unknown_lines = 0;
  int declined_every = 0;
};
inline StatementFaults statement_faults(const Faults& f) {
  return {f.stmt_omit_every, f.stmt_dup_every, f.stmt_amount_every, f.stmt_unknown_lines,
          f.stmt_declined_every};
}

// Applies "key=value" lines (names of the CLI options without the dashes; blank lines and lines
// starting with '#' ignored; "reset" restores the defaults). Errors: code "FAULTS" naming the line;
// on error nothing is changed.
Status apply_fault_lines(Faults& faults, std::string_view text);
// Every knob as "key=value\n", in the order of the struct.
std::string format_faults(const Faults& faults);
// The keys, for --help and the docs.
const char* const* fault_keys();

enum class Refusal { kNone, kNoAnswer, kHttp429, kHttp500, kBusy, kSignature };

struct GatewayRoll {
  Refusal refusal = Refusal::kNone;  // before execution
  bool processing = false;
  bool lost_answer = false;          // after execution
  bool notify_early = false;
  int delay_ms = 0;
};

struct NotifyRoll {
  bool drop = false;
  bool dup = false;
  bool reorder = false;
};

// Thread-safe. Every roll draws the same number of values whatever the knobs are, so turning one
// knob on does not shift the dice of the others.
class FaultDice {
 public:
  explicit FaultDice(uint64_t seed) : rng_(seed) {}
  GatewayRoll roll_gateway(const Faults& f);
  NotifyRoll roll_notify(const Faults& f);
  void reseed(uint64_t seed);

 private:
  double unit();  // [0, 1)
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace repay::sim
