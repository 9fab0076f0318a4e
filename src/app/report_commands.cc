// repay report daily --date D [--center C] [--html FILE]: the daily report per card center
// (report/daily.h) from the database, as text on stdout and optionally as an HTML page with SVG
// charts. Read-only; runs beside a serving processor (SQLite WAL readers do not block it).
#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/command_context.h"
#include "app/commands.h"
#include "settings/settings.h"
#include "crypto/crypto.h"
#include "report/daily.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names
namespace {

const char* kUsage =
    "usage: repay report daily --config FILE --date yyyyMMdd [--center ID] [--html FILE]\n"
    "  the day's repayments per card center (batches of that batchDate, real-time repayments,\n"
    "  refunds and exceptions created that CST day): counts, amounts, success rate, force-failed\n"
    "  items; --html also writes a page with a chart per batch (throughput, success rate,\n"
    "  force-fail time)\n";

}  // namespace

int cmd_report(const Args& args) {
  po::options_description desc("report options");
  std::string kind, config, date, center, html;
  desc.add_options()("help,h", "show this help")("kind", po::value(&kind), "daily")(
      "config,c", po::value(&config), "settings file (docs/settings.md)")(
      "date", po::value(&date), "the day, yyyyMMdd (CST)")(
      "center", po::value(&center), "only this card center")(
      "html", po::value(&html), "also write the report as an HTML page to this file");
  po::positional_options_description pos;
  pos.add("kind", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "repay: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << desc;
    return 0;
  }
  if (kind != "daily") {
    std::cerr << "repay: unknown report '" << kind << "'\n" << kUsage;
    return 2;
  }
  auto day = parse_date(date);
  if (config.empty() || !day) {
    std::cerr << "repay: report daily needs --config and --date yyyyMMdd\n" << kUsage;
    return 2;
  }
  auto ctx = open_for_command(config, 1);
  if (!ctx) return 1;
  auto records = ctx->stores->reports().day_records(*day, center);
  if (!records) {
    std::cerr << "repay: " << records.error().to_string() << "\n";
    return 1;
  }
  auto report = report::compute_daily(*day, *records);
  std::cout << report::render_text(report);
  if (!html.empty() && !write_file_atomically(html, report::render_html(report))) {
    std::cerr << "repay: cannot write " << html << "\n";
    return 1;
  }
  return 0;
}

}  // namespace repay::app
