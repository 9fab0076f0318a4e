// The crash loop of ../shared/testing.md on a batch: a few hundred items debited against a slow,
// misbehaving simulator while the processor is killed with SIGKILL at random moments and
// restarted on the same database, across the batch's force-fail time. Then, against the
// simulator's ledger: no ReqSn executed twice, no item debited twice, the return file lists every
// item once in seq order, S only for what the bank debited, and every debit of an item reported F
// has a LATE_SUCCESS refund proposal (files.md, "Return file"; channel-api.md; lessons.md).
//
// The seed is printed; REPAY_CRASH_SEED=<n> replays the same kill moments, simulator dice and book.
#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "batch_e2e.h"

namespace repay::e2e {
namespace {

using namespace repay::e2e::batch;

struct ItemRow {
  std::string item_id, channel, txn_no, req_sn, state, resp_code, late_state;
  long long amount = 0, debit_amount = 0;
  bool forced = false;
};

std::map<long long, ItemRow> item_rows(TestStack& ts, const std::string& batch_no) {
  std::map<long long, ItemRow> out;
  for (auto& r : db_rows(ts.stack().database(),
                         "SELECT seq, item_id, COALESCE(channel_id, ''), COALESCE(txn_no, ''), "
                         "COALESCE(req_sn, ''), state, COALESCE(resp_code, ''), "
                         "COALESCE(late_state, ''), amount, debit_amount, forced FROM batch_items "
                         "WHERE center_id = 'CC01' AND batch_no = '" + batch_no + "'", 11)) {
    out[std::stoll(r[0])] = ItemRow{r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                                    std::stoll(r[8]), std::stoll(r[9]), r[10] == "1"};
  }
  return out;
}

uint32_t crash_seed() {
  if (const char* s = std::getenv("REPAY_CRASH_SEED")) return static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

}  // namespace

TEST_CASE("batch crash: SIGKILL at random moments over a batch, across its force-fail time; no double debit, a true return file") {
  const uint32_t seed = crash_seed();
  std::cout << "batch crash: seed " << seed << " (replay: REPAY_CRASH_SEED=" << seed << ")" << std::endl;
  INFO("crash seed " << seed << " (replay with REPAY_CRASH_SEED=" << seed << ")");
  std::mt19937 rng(seed);

  // The force-fail time: the first whole minute at least 60 s from now (the settings speak whole
  // minutes); return_deadline one minute later with force_fail_lead 1. Up to 47:59 is allowed,
  // so a run just before midnight keeps today's batchDate.
  const Instant start = std::chrono::system_clock::now();
  const Date today = cst_date(start);
  const auto since_midnight =
      std::chrono::duration_cast<std::chrono::seconds>(start - cst_day_start(today)).count();
  const int ff_minute = static_cast<int>((since_midnight + 60 + 59) / 60);
  const Instant force_fail_at = cst_time_on(today, ff_minute);
  const std::string date = format_date(today);

  TestStack ts([&](stack::StackOptions& so) {
    so.seed = seed;  // the simulator's book and fault dice replay with the same seed
    so.book_size = 200;
    stack::StackCenter c("CC01");
    c.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = " + hhmm(ff_minute + 1) +
              "\nforce_fail_lead = 1\n";
    so.centers = {c};
    // COLLECT busy through the crash loop (12 debits/s for the batch); QUICK so slow (2 requests
    // per second, debits and queries together) that its half of the items cannot all be sent
    // before the force-fail time, at most 120 s away.
    so.collect_channel_extra = "max_tps = 15\n";
    so.quick_channel_extra = "max_tps = 2\nmax_inflight = 2\nrealtime_share = 0\n";
  });

  Holders holders(ts.book());
  std::vector<std::pair<const BookEntry*, std::string>> collect, quick;
  for (int i = 0; i < 30; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = sign_collect(ts, "CC01", *e);
    REQUIRE(!ag.empty());
    collect.emplace_back(e, ag);
  }
  for (int i = 0; i < 10; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = sign_quick(ts, "CC01", *e);
    REQUIRE(!ag.empty());
    quick.emplace_back(e, ag);
  }
  // Faults from now on (signing ran clean): slow answers, lost answers, late results, busy.
  ts.faults("latency-ms=35\nlatency-jitter-ms=15\np-lost-answer=0.05\np-processing=0.05\n"
            "late-result-ms=800\np-busy=0.05\n");

  // A few hundred items, agreements repeated under distinct itemIds; every 2nd on quick pay.
  const int kItems = 480;
  std::uniform_int_distribution<int> amount(100, 999);
  std::vector<Line> lines;
  for (int i = 0; i < kItems; ++i) {
    const auto& [e, ag] = i % 2 == 1 ? quick[(i / 2) % quick.size()] : collect[i % collect.size()];
    lines.push_back(line_of(*e, ag, "CR" + std::to_string(i + 1), amount(rng)));
  }
  const std::string batch_no = "CR1";
  drop(ts.dir() + "/centers/CC01/inbox", batch_file_name("CC01", date, batch_no),
       batch_text("CC01", batch_no, date, lines));
  REQUIRE_MESSAGE(wait_until([&] {
                    return !db_rows(ts.stack().database(),
                                    "SELECT 1 FROM batches WHERE center_id = 'CC01' AND batch_no = '" +
                                        batch_no + "' AND state <> 'LOADING'")
                                .empty();
                  },
                                       std::chrono::seconds(30)),
                  "the batch was not accepted; processor log:\n" << read_file_bytes(ts.dir() + "/repay.log"));

  // The crash loop: at least 20 SIGKILLs, 0.2-1.5 s apart, each followed by a restart on the same
  // database.
  const int kKills = 24;
  std::uniform_int_distribution<int> gap_ms(200, 1500);
  int kills_before_ff = 0;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms(rng)));
    if (std::chrono::system_clock::now() < force_fail_at) ++kills_before_ff;
    ts.restart_processor(SIGKILL);
  }
  const auto open_after = db_rows(ts.stack().database(),
                                  "SELECT state, COUNT(*) FROM batch_items WHERE center_id = 'CC01' "
                                  "AND batch_no = '" + batch_no + "' GROUP BY state ORDER BY state", 2);
  std::string states;
  for (const auto& r : open_after) states += r[0] + "=" + r[1] + " ";
  std::cout << "batch crash: " << kKills << " kills (" << kills_before_ff
            << " before the force-fail time " << format_cst_timestamp(force_fail_at)
            << "); items after the loop: " << states << std::endl;

  // Late successes: from a few seconds before the force-fail time every DEBIT is answered
  // "processing" and executed 8 s later, so items sent then are unknown at the force-fail time
  // (3001) and debited after it.
  const auto to_ff = force_fail_at - std::chrono::system_clock::now();
  if (to_ff > std::chrono::seconds(6)) std::this_thread::sleep_for(to_ff - std::chrono::seconds(6));
  const bool late_window = force_fail_at - std::chrono::system_clock::now() >= std::chrono::seconds(3);
  ts.faults("p-processing=1\nlate-result-ms=8000\n");

  // The return file comes at the force-fail time at the latest.
  const std::string outbox = ts.dir() + "/centers/CC01/outbox";
  const std::string ret = return_name("CC01", date, batch_no);
  const auto ff_wait = std::chrono::duration_cast<std::chrono::seconds>(
                           force_fail_at - std::chrono::system_clock::now()) + std::chrono::seconds(60);
  REQUIRE_MESSAGE(wait_until([&] { return std::filesystem::exists(outbox + "/" + ret + ".ok"); },
                             std::max(ff_wait, std::chrono::seconds(60))),
                  "no return file; see " << ts.dir() << "/repay.log (REPAY_E2E_KEEP=1 keeps it)");
  // Late results of force-failed items are still resolved by query and notification. The kills
  // are over and every item is final for the card center: from here the bank answers every call
  // (no lost answers, no busy), so that the wait has a bound. A 3001 item is queried at once at
  // the force-fail time and its backoff starts afresh (2, 5, 15 s ...: pipeline.h), so one
  // executed 8 s late is known within about 25 s; 200 s leaves room for a query lease (30 s) of
  // a call in flight when the faults ended and a slow machine. (CI once found items unresolved
  // after 200 s, seed 2861727552. The likeliest cause, seen in replays: the backoff did not
  // restart, so a count run up by claims the crashes cut short spaced an item's queries 60-120 s
  // apart, and a lost or busy answer among them added another 120 s.)
  ts.faults("p-lost-answer=0\np-busy=0\n");
  const auto published_at = std::chrono::steady_clock::now();
  const bool resolved = wait_until(
      [&] {
        return db_rows(ts.stack().database(),
                       "SELECT 1 FROM batch_items WHERE state IN ('PENDING', 'SENDING', 'UNKNOWN') "
                       "OR late_state = 'UNRESOLVED' LIMIT 1")
            .empty();
      },
      std::chrono::seconds(200));
  std::cout << "batch crash: last item resolved "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - published_at).count()
            << " s after the return file" << std::endl;
  if (!resolved) {
    // What is left, and when each is next queried: a stall, a slow channel, or a processor gone.
    const pid_t pid = ts.stack().processor_pid();
    std::cout << "batch crash: processor pid " << pid
              << (pid > 0 && ::kill(pid, 0) == 0 ? " alive" : " NOT running") << "; the log's last lines:\n";
    const std::string log = read_file_bytes(ts.dir() + "/repay.log");
    size_t from = log.size();
    for (int n = 0; n < 40 && from > 0; ++n) from = log.rfind('\n', from - 1);
    std::cout << log.substr(from == std::string::npos ? 0 : from) << std::endl;
    const long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& r : db_rows(ts.stack().database(),
                                 "SELECT seq, COALESCE(channel_id, ''), state, COALESCE(late_state, ''), "
                                 "query_count, next_at, maybe_debited, COALESCE(req_sn, '') FROM batch_items "
                                 "WHERE state IN ('PENDING', 'SENDING', 'UNKNOWN') OR late_state = 'UNRESOLVED' "
                                 "ORDER BY seq LIMIT 40", 8)) {
      std::cout << "  unresolved seq " << r[0] << " " << r[1] << " " << r[2] << "/" << r[3]
                << " queries " << r[4] << " next in " << (std::stoll(r[5]) - now_ms) / 1000
                << " s maybe_debited " << r[6] << " ReqSn " << r[7] << std::endl;
    }
  }
  CHECK_MESSAGE(resolved, "items still unresolved after 200 s");

  const auto items = item_rows(ts, batch_no);
  REQUIRE(items.size() == static_cast<size_t>(kItems));
  const auto book = ledger(ts);

  // 1. No ReqSn executed more than once; every DEBIT the bank has is one item's (one ReqSn per
  //    item, unique): no item was debited under a second ReqSn.
  std::map<std::pair<std::string, std::string>, long long> seq_of_req_sn;
  for (const auto& [seq, it] : items) {
    if (!it.req_sn.empty()) {
      CHECK_MESSAGE(seq_of_req_sn.emplace(std::pair{it.channel, it.req_sn}, seq).second,
                    "ReqSn " << it.req_sn << " held by two items");
    }
  }
  std::map<long long, const LedgerEntry*> debit_of_seq;
  int ledger_debits = 0;
  for (const auto& e : book) {
    CHECK_MESSAGE(e.executed <= 1, "ReqSn " << e.channel << "/" << e.req_sn << " executed " << e.executed << " times");
    if (e.type != "DEBIT") continue;
    ++ledger_debits;
    auto it = seq_of_req_sn.find({e.channel, e.req_sn});
    REQUIRE_MESSAGE(it != seq_of_req_sn.end(), "the bank has a DEBIT " << e.channel << "/" << e.req_sn
                                                   << " (" << e.status << ") that no item holds");
    CHECK_MESSAGE(debit_of_seq.emplace(it->second, &e).second, "item seq " << it->second << " has two DEBITs");
  }

  // 2. The return file: every item once, in seq order; S exactly where the bank debited the
  //    item's ReqSn with its amount; F debited by the bank only with a LATE_SUCCESS proposal.
  std::map<std::string, std::vector<std::string>> proposals;  // txn_no -> orig_req_sn, debit_amount
  for (auto& r : db_rows(ts.stack().database(),
                         "SELECT txn_no, orig_req_sn, debit_amount FROM refund_proposals WHERE "
                         "reason = 'LATE_SUCCESS' AND center_id = 'CC01' AND batch_no = '" + batch_no + "'", 3)) {
    proposals[r[0]] = {r[1], r[2]};
  }
  ReturnFile rf = read_return(outbox + "/" + ret);
  CHECK(rf.bad_lines == 0);
  REQUIRE(rf.header.size() == 11);
  CHECK(rf.header[4] == "00");
  CHECK(rf.header[5] == std::to_string(kItems));
  REQUIRE(rf.lines.size() == static_cast<size_t>(kItems));
  std::map<std::string, int> tally;
  int late_debits = 0;
  for (size_t i = 0; i < rf.lines.size(); ++i) {
    const ReturnLine& l = rf.lines[i];
    const long long seq = static_cast<long long>(i + 1);
    INFO("seq " << seq << " itemId " << l.item_id << " " << l.status << " " << l.resp_code);
    REQUIRE(l.seq == seq);
    CHECK(l.item_id == lines[i].item_id);
    CHECK(l.amount == lines[i].amount);
    const ItemRow& it = items.at(seq);
    auto d = debit_of_seq.find(seq);
    const bool debited = d != debit_of_seq.end() && d->second->status == "SUCCESS";
    ++tally[l.status + (l.status == "F" ? " " + l.resp_code : std::string())];
    if (l.status == "S") {
      CHECK(it.state == "SUCCESS");
      CHECK(l.txn_no == it.txn_no);
      CHECK_MESSAGE(debited, "S in the return file, but the bank did not debit ReqSn " << it.req_sn);
      if (debited) {
        CHECK(d->second->amount == l.debit_amount);
        CHECK(d->second->amount == it.debit_amount);
      }
    } else {
      REQUIRE(l.status == "F");
      CHECK(it.state == "FAILED");
      CHECK(l.fee == 0);
      CHECK(l.debit_amount == 0);
      CHECK(l.txn_no == it.txn_no);
      if (l.resp_code == "3002") {
        CHECK_MESSAGE(!debited, "3002 (never sent), but the bank debited ReqSn " << it.req_sn);
      }
      if (debited) {
        ++late_debits;
        CHECK(it.late_state == "DEBITED");
        auto p = proposals.find(it.txn_no);
        CHECK_MESSAGE(p != proposals.end(), "the bank debited F item " << it.txn_no << " (ReqSn "
                                                << it.req_sn << ") and no LATE_SUCCESS refund is proposed");
        if (p != proposals.end()) {
          CHECK(p->second[0] == it.req_sn);
          CHECK(p->second[1] == std::to_string(d->second->amount));
        }
      }
    }
  }
  // Every proposal is for an item the bank debited and the file reports F.
  for (const auto& [txn, p] : proposals) {
    bool found = false;
    for (const auto& [seq, it] : items) {
      if (it.txn_no != txn) continue;
      found = true;
      CHECK(rf.lines[static_cast<size_t>(seq - 1)].status == "F");
      auto d = debit_of_seq.find(seq);
      CHECK((d != debit_of_seq.end() && d->second->status == "SUCCESS"));
    }
    CHECK_MESSAGE(found, "refund proposal for unknown txnNo " << txn);
  }
  std::string summary;
  for (const auto& [k, n] : tally) summary += k + " x" + std::to_string(n) + ", ";
  std::cout << "batch crash: seed " << seed << ": return file " << summary << ledger_debits
            << " DEBITs in the ledger, " << late_debits << " debited after a force-fail, "
            << proposals.size() << " LATE_SUCCESS proposals" << std::endl;
  CHECK(tally["S"] > 0);
  if (late_window) {
    CHECK_MESSAGE(late_debits > 0, "no item was debited after its force-fail time: the LATE_SUCCESS path went untested");
  } else {
    MESSAGE("the crash loop ran into the force-fail time: late successes not forced this run");
  }
  // The quick-pay channel cannot send all its items before the force-fail time.
  CHECK(tally["F 3002"] + tally["F 3001"] > 0);
}

}  // namespace repay::e2e
