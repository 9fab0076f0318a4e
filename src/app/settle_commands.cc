// repay settle reconcile|run: the T+1 jobs by hand (domain.md flow 4 and 5; settlement/jobs/settle_jobs.h).
//   reconcile  one channel's statement of day T (fetched, or a file staff were sent) against our
//              records: kept under the database's folder (statements/, named with its SHA-256: a
//              replaced statement is a new version, never an overwrite), then matched (our
//              records read beside the parse) and applied. Re-runnable: only the difference is
//              applied.
//   run        every T+1 job of day T now: statements, posting files, RECON, SETTLE, FEE.
// Both refuse a day T that has not ended in CST (files.md, Once, and only for a day that is over).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include <boost/program_options.hpp>

#include "app/command_context.h"
#include "app/commands.h"
#include "app/job_options.h"
#include "crypto/crypto.h"
#include "settings/settings.h"
#include "settlement/jobs/settle_jobs.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names
namespace {

// The clock of `repay settle`: the machine's, moved by REPAY_CLOCK_OFFSET_SECONDS when that is
// set — for the demo and the end-to-end tests, which make a day's transactions and then run its
// T+1 jobs "tomorrow", as they move the simulator's clock (docs/decisions.md, T+1 days and files).
class SettleClock : public Clock {
 public:
  explicit SettleClock(std::chrono::seconds offset) : offset_(offset) {}
  Instant now() const override { return std::chrono::system_clock::now() + offset_; }

 private:
  std::chrono::seconds offset_;
};

Result<std::chrono::seconds> clock_offset() {
  const char* v = std::getenv("REPAY_CLOCK_OFFSET_SECONDS");
  if (!v || !*v) return std::chrono::seconds(0);
  std::string_view t(v);
  const bool negative = t.front() == '-';
  if (negative) t.remove_prefix(1);
  if (t.empty() || t.size() > 10 || t.find_first_not_of("0123456789") != std::string_view::npos) {
    return make_error("CONFIG", "must be a whole number of seconds", "REPAY_CLOCK_OFFSET_SECONDS", v);
  }
  const long long n = std::stoll(std::string(t));
  return std::chrono::seconds(negative ? -n : n);
}

int fail(const Error& e) {
  std::cerr << "repay: " << e.to_string() << "\n";
  return 1;
}

void print_run(const std::string& channel, const std::string& date, const settlement::StatementReconciled& r) {
  std::cout << "channel " << channel << " day " << date << ": statement v" << r.stored.version
            << (r.stored.created ? " (new)" : "") << ", run " << r.run.runs << ", " << r.run.ours
            << " records of ours, " << r.run.lines << " lines\n";
  for (size_t k = 0; k < settlement::kClassCount; ++k) {
    if (r.run.counts[k] == 0) continue;
    std::cout << "  " << settlement::class_name(static_cast<settlement::Class>(k)) << " "
              << r.run.counts[k] << "\n";
  }
  std::cout << "applied " << r.run.facts_applied << ", new proposals " << r.run.proposals
            << ", new exceptions " << r.run.exceptions << "\n";
}

}  // namespace

int cmd_settle(const Args& args) {
  std::string action, config, channel_id, center, date_text, statement_path;
  po::options_description desc("options");
  desc.add_options()("help,h", "this help")("action", po::value(&action), "reconcile or run")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "channel", po::value(&channel_id), "reconcile: channelId")(
      "center", po::value(&center), "run: only this card center (and its channels)")(
      "date", po::value(&date_text)->required(), "day T, yyyyMMdd")(
      "statement", po::value(&statement_path), "reconcile: the statement file (default: fetch it)");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  const char* usage =
      "usage: repay settle reconcile --config FILE --channel ID --date yyyyMMdd [--statement FILE]\n"
      "       repay settle run --config FILE --date yyyyMMdd [--center ID]\n"
      "  reconcile  the channel's statement of day T against our records of T (re-runnable: only\n"
      "             the difference is applied)\n"
      "  run        every T+1 job of day T now: fetch and reconcile the statements, take posting\n"
      "             files (mode 2), publish RECON (mode 1), SETTLE, and FEE on a month's last day;\n"
      "             RECON and SETTLE once per day (a second run publishes nothing new)\n"
      "  Day T must be over (CST): a day that has not ended is refused (DAY_NOT_OVER).\n";
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "repay: " << e.what() << "\n\n" << usage << "\n" << desc;
    return 2;
  }
  if (action != "reconcile" && action != "run") {
    std::cerr << "repay: unknown settle action '" << action << "'\n" << usage;
    return 2;
  }
  if (action == "reconcile" && channel_id.empty()) {
    std::cerr << "repay: reconcile needs --channel\n" << usage;
    return 2;
  }
  auto date = parse_date(date_text);
  if (!date) {
    std::cerr << "repay: --date must be yyyyMMdd\n";
    return 2;
  }
  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  const Settings& settings = ctx->settings;
  if (!channel_id.empty() && !settings.channels.count(channel_id)) {
    std::cerr << "repay: no channel " << channel_id << " in " << config << "\n";
    return 1;
  }
  if (!center.empty() && !settings.centers.count(center)) {
    std::cerr << "repay: no card center " << center << " in " << config << "\n";
    return 1;
  }
  std::vector<Error> cal_errors;
  auto calendar = settlement::SettleJobs::load_calendar(settings.processor.holiday_calendar, &cal_errors);
  if (!calendar) {
    for (const auto& e : cal_errors) std::cerr << "repay: " << e.to_string() << "\n";
    return 1;
  }
  auto offset = clock_offset();
  if (!offset) return fail(offset.error());
  if (offset->count() != 0) {
    std::cerr << "repay: the clock is moved by " << offset->count()
              << " s (REPAY_CLOCK_OFFSET_SECONDS: tests and the demo only)\n";
  }
  SettleClock clock(*offset);
  // files.md: nothing of day T, neither a reconciliation nor a file, before day T has ended (CST).
  if (auto over = settlement::day_over(*date, clock.now()); !over) return fail(over.error());
  auto client = statement_client(settings, clock);
  if (!client) return fail(client.error());
  auto& stores = *ctx->stores;
  settlement::SettleJobs jobs(settle_jobs_options(settings),
                              {stores.recon(), stores.center_files(), stores.jobs(), stores.review()},
                              statement_fetch(client->get()), std::move(*calendar), clock);

  if (action == "reconcile") {
    Result<settlement::StatementReconciled> r = make_error("IO", "not run");
    if (!statement_path.empty()) {
      std::ifstream in(statement_path, std::ios::binary);
      if (!in) return fail(make_error("IO", "cannot open", "", "", statement_path));
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      r = jobs.reconcile_statement(channel_id, *date, bytes);
    } else {
      r = jobs.fetch_and_reconcile(channel_id, *date);  // NOT_READY: try again later
    }
    if (!r) return fail(r.error());
    print_run(channel_id, date_text, *r);
    return 0;
  }
  auto report = jobs.run_day(*date, center);
  for (const auto& l : report.lines) std::cout << l << "\n";
  if (report.failures > 0) {
    std::cout << report.failures << " job(s) not done; run again when what they wait for is there\n";
    return 1;
  }
  return 0;
}

}  // namespace repay::app
