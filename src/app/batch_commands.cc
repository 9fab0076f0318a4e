// repay batch pull|status|return: each step of `repay serve`'s batch jobs, by hand. Running a step
// twice does no harm: pull skips files already handled, return publishes only what is due.
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/cli_output.h"
#include "app/command_context.h"
#include "app/commands.h"
#include "app/job_options.h"
#include "batch/batch_state.h"
#include "batch/jobs/batch_jobs.h"
#include "core/log.h"

namespace po = boost::program_options;

namespace repay::app {
namespace {

std::string when(Instant t) { return t == Instant{} ? "-" : format_cst_timestamp(t); }

// docs/cli.md, batch status: one object per open batch.
std::string status_json(const batch::Outlook& o) {
  const auto& b = o.batch;
  return JsonObject()
      .str("center", b.center_id).str("batchNo", b.batch_no).str("batchDate", b.batch_date)
      .str("state", batch::to_text(b.state)).num("items", b.total).num("success", b.success)
      .num("failed", b.failed).num("open", b.open).num("forced", b.forced).num("totalAmount", b.total_amount)
      .num("successAmount", b.success_amount).num("failAmount", b.fail_amount)
      .time("receivedAt", b.received_at).time("sendFromAt", b.send_from_at)
      .time("forceFailAt", b.force_fail_at).time("projectedFinishAt", o.projected_finish)
      .real("itemsPerSecond", o.items_per_second).boolean("atRisk", o.at_risk)
      .done();
}

int print_status(batch::BatchJobs& jobs, const std::string& center, bool json) {
  auto rows = jobs.outlook(center);
  if (json) {
    std::vector<std::string> items;
    for (const auto& o : rows) items.push_back(status_json(o));
    std::cout << json_array(items) << "\n";
    return 0;
  }
  if (rows.empty()) {
    std::cout << "no open batches\n";
    return 0;
  }
  Table t({"center", "batchNo", "state", "items>", "success>", "failed>", "open>", "force-fail at",
           "projected", "items/s>", "outlook"});
  for (const auto& o : rows) {
    const auto& b = o.batch;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", o.items_per_second);
    t.row({b.center_id, b.batch_no, batch::to_text(b.state), std::to_string(b.total), std::to_string(b.success),
           std::to_string(b.failed), std::to_string(b.open), when(b.force_fail_at),
           when(o.projected_finish), rate, o.at_risk ? "AT RISK: projected to miss" : ""});
  }
  t.print(std::cout);
  return 0;
}

}  // namespace

int cmd_batch(const Args& args) {
  po::options_description desc("batch options");
  std::string action, config, center, format;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "pull | status | return")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "center", po::value(&center)->default_value(""), "only this card center")(
      "format", po::value(&format)->default_value("table"), "status: table or json");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  const char* usage =
      "usage: repay batch pull|status|return --config FILE [--center ID] [--format table|json]\n"
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
  if (!valid_format(format)) {
    std::cerr << "repay: --format must be table or json\n" << usage;
    return 2;
  }
  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  SystemClock clock;
  batch::BatchJobs jobs(batch_jobs_options(ctx->settings), ctx->stores->batches(), *ctx->cipher, nullptr, clock);
  if (action == "status") return print_status(jobs, center, format == "json");
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
  std::cout << published->published << " return file(s) published";
  if (published->failed > 0) {
    // Scripts and operators see it: some batch's deadline or file did not go through (each is
    // alerted in the log, naming it); the next round tries it again.
    std::cout << ", " << published->failed << " batch(es) failed (see the log's alerts)\n";
    return 1;
  }
  std::cout << "\n";
  return 0;
}

}  // namespace repay::app
