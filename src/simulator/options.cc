#include "simulator/options.h"

#include <sstream>

#include <boost/program_options.hpp>

#include "simulator/config.h"

namespace repay::sim {

namespace po = boost::program_options;

Result<SimOptions> parse_options(int argc, const char* const* argv) {
  SimOptions o;
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> fault_lines;
  Faults& f = o.faults;
  po::options_description desc(
      "repay-banksim: a simulated bank hosting several channels of channel-api.md\n"
      "(see docs/simulator.md)");
  // clang-format off
  desc.add_options()
    ("help", "show this help")
    ("listen", po::value(&listen)->default_value(listen), "address:port to listen on (port 0: any)")
    ("port-file", po::value(&o.port_file), "write the bound port here (tmp + rename)")
    ("channel", po::value(&o.channels)->composing(),
     "ID,KIND,MERCHANTID,SECRET_FILE (repeatable); KIND is COLLECT or QUICK; SECRET_FILE may be "
     "env:NAME")
    ("seed", po::value(&o.seed)->default_value(o.seed), "seed of the book, SMS codes and fault dice")
    ("book-size", po::value(&o.book_size)->default_value(o.book_size), "cardholders to generate")
    ("book-file", po::value(&o.book_file), "load the book from this file instead of generating it")
    ("book-out", po::value(&o.book_out), "write the book to this file")
    ("notify-base", po::value(&o.notify_base),
     "processor API base URL; notifications go to <base>/channel/notify/<channelId>")
    ("sms-ttl-seconds", po::value(&o.sms_ttl_seconds)->default_value(o.sms_ttl_seconds), "")
    ("cutover-hour", po::value(&o.cutover_hour)->default_value(o.cutover_hour),
     "from HH:00 CST a transaction gets the next day's SettleDate (24: never)")
    ("statement-ready-hours",
     po::value(&o.statement_ready_hours)->default_value(o.statement_ready_hours),
     "statement of day D is served from (D+1) 00:00 CST + N hours; 404 before")
    ("clock-offset-seconds", po::value(&o.clock_offset_seconds)->default_value(0),
     "shift the simulator's clock")
    ("threads", po::value(&o.threads)->default_value(o.threads), "io threads")
    ("log-level", po::value(&o.log_level)->default_value(o.log_level), "debug, info, warn, error")
    ("latency-ms", po::value(&f.latency_ms)->default_value(0), "mean delay before answering")
    ("latency-jitter-ms", po::value(&f.latency_jitter_ms)->default_value(0), "+/- around the mean")
    ("p-busy", po::value(&f.p_busy)->default_value(0), "RetCode 9001, not registered")
    ("p-4001", po::value(&f.p_4001)->default_value(0), "RetCode 4001 (signature rejected), not registered")
    ("p-429", po::value(&f.p_429)->default_value(0), "HTTP 429, not registered")
    ("p-5xx", po::value(&f.p_5xx)->default_value(0), "HTTP 500, not executed")
    ("p-no-answer", po::value(&f.p_no_answer)->default_value(0), "connection dropped, not executed")
    ("p-lost-answer", po::value(&f.p_lost_answer)->default_value(0),
     "executed, then the connection dropped")
    ("p-processing", po::value(&f.p_processing)->default_value(0),
     "DEBIT/REFUND answered 2000, final after --late-result-ms")
    ("late-result-ms", po::value(&f.late_result_ms)->default_value(3000), "")
    ("p-notify-drop", po::value(&f.p_notify_drop)->default_value(0), "notification never sent")
    ("p-notify-dup", po::value(&f.p_notify_dup)->default_value(0), "notification sent twice")
    ("p-notify-reorder", po::value(&f.p_notify_reorder)->default_value(0),
     "notification held back behind the next one")
    ("p-notify-early", po::value(&f.p_notify_early)->default_value(0),
     "notification sent before the answer");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return make_error("CONFIG", e.what(), "command line");
  }
  if (vm.count("help")) {
    std::ostringstream out;
    out << desc;
    o.help = true;
    o.help_text = out.str();
    return o;
  }
  auto l = parse_listen(listen);
  if (!l.ok()) return l.error();
  std::tie(o.address, o.port) = *l;
  // Probabilities and durations go through the same checks as POST /sim/faults.
  Faults checked;
  Status s = apply_fault_lines(checked, format_faults(f));
  if (!s.ok()) return s.error();
  if (o.cutover_hour < 0 || o.cutover_hour > 24) {
    return make_error("CONFIG", "must be 0..24", "cutover-hour");
  }
  if (o.sms_ttl_seconds <= 0) return make_error("CONFIG", "must be positive", "sms-ttl-seconds");
  if (o.statement_ready_hours < 0) {
    return make_error("CONFIG", "must not be negative", "statement-ready-hours");
  }
  if (o.threads < 1) return make_error("CONFIG", "must be at least 1", "threads");
  if (o.channels.empty()) return make_error("CONFIG", "at least one --channel", "channel");
  return o;
}

}  // namespace repay::sim
