// repay batch pull|status|return: each step of `repay serve`'s batch jobs, by hand. Running a step
// twice does no harm: pull skips files already handled, return publishes only what is due.
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/batch_jobs.h"
#include "app/command_context.h"
#include "app/commands.h"
#include "core/log.h"

namespace po = boost::program_options;

namespace repay::app {
namespace {

std::string when(Instant t) { return t == Instant{} ? "-" : format_cst_timestamp(t); }

int print_status(BatchJobs& jobs, const std::string& center) {
  auto rows = jobs.outlook(center);
  if (rows.empty()) {
    std::cout << "no open batches\n";
    return 0;
  }
  std::cout << std::left << std::setw(6) << "center" << std::setw(18) << "batchNo" << std::setw(9)
            << "state" << std::right << std::setw(9) << "items" << std::setw(9) << "success"
            << std::setw(9) << "failed" << std::setw(9) << "open" << "  " << std::left
            << std::setw(15) << "force-fail at" << std::setw(15) << "projected" << "items/s\n";
  for (const auto& o : rows) {
    const auto& b = o.batch;
    std::cout << std::left << std::setw(6) << b.center_id << std::setw(18) << b.batch_no
              << std::setw(9) << b.state << std::right << std::setw(9) << b.total << std::setw(9)
              << b.success << std::setw(9) << b.failed << std::setw(9) << b.open << "  "
              << std::left << std::setw(15) << when(b.force_fail_at) << std::setw(15)
              << when(o.projected_finish) << std::fixed << std::setprecision(1)
              << o.items_per_second << (o.at_risk ? "  AT RISK: projected to miss" : "") << "\n";
  }
  return 0;
}

}  // namespace

int cmd_batch(const Args& args) {
  po::options_description desc("batch options");
  std::string action, config, center;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "pull | status | return")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "center", po::value(&center)->default_value(""), "only this card center");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  const char* usage =
      "usage: repay batch pull|status|return --config FILE [--center ID]\n"
      "  pull    pick up complete files from the inboxes and store them (or their rejection)\n"
      "  status  open batches: counts, force-fail time and the deadline outlook\n"
      "  return  force-fail batches whose time has come and publish every return file due\n";
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
  if (action != "pull" && action != "status" && action != "return") {
    std::cerr << "repay: unknown batch action '" << action << "'\n" << usage;
    return 2;
  }
  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  SystemClock clock;
  BatchJobs jobs(ctx->settings, *ctx->store, *ctx->cipher, nullptr, nullptr, clock);
  if (action == "status") return print_status(jobs, center);
  if (action == "pull") {
    auto r = jobs.pull(center);
    for (const auto& l : r.lines) std::cout << l << "\n";
    std::cout << r.seen << " file(s) seen: " << r.accepted << " accepted, " << r.rejected
              << " rejected, " << r.skipped << " already handled, " << r.errors << " error(s)\n";
    return r.errors == 0 ? 0 : 1;
  }
  auto published = jobs.deadlines_and_returns();
  if (!published) {
    std::cerr << "repay: " << published.error().to_string() << "\n";
    return 1;
  }
  std::cout << *published << " return file(s) published\n";
  return 0;
}

}  // namespace repay::app
