#include "app/commands.h"

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>

#include "transport/durable_files.h"
#include "app/processor.h"
#include "settings/settings.h"
#include "app/stop_bound.h"
#include "core/log.h"
#include "core/message_log.h"
#include "crypto/crypto.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names
namespace {

// Parses args against desc; prints help or the error. Returns -1 to go on, else an exit status.
int parse(const std::string& usage, po::options_description& desc, const Args& args,
          po::variables_map& vm, po::positional_options_description* pos = nullptr) {
  try {
    po::command_line_parser p(args);
    p.options(desc);
    if (pos) p.positional(*pos);
    po::store(p.run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "repay: " << e.what() << "\n\n" << usage << "\n" << desc;
    return 2;
  }
  return -1;
}

void print_errors(const std::vector<Error>& errors) {
  for (const auto& e : errors) std::cerr << "repay: " << e.to_string() << "\n";
}

// repay serve logs as JSON lines on stderr, a failure at start-up too (one line per problem).
void log_start_failure(const Error& e) {
  log::error("processor.start_failed", {{"code", e.code},
                                        {"where", e.where},
                                        {"field", e.field},
                                        {"value", e.value},
                                        {"error", e.message}});
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& text) {
  return transport::write_text_replacing(path, text).ok();
}

int cmd_serve(const Args& args) {
  po::options_description desc("serve options");
  std::string config, port_file;
  desc.add_options()("help,h", "show this help")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "port-file", po::value(&port_file),
      "write the API listener's port (first line) and the admin listener's (second) here once listening");
  po::variables_map vm;
  if (int rc = parse("usage: repay serve --config FILE [--port-file FILE]", desc, args, vm); rc >= 0)
    return rc;

  Settings settings;
  auto errors = load_settings(config, &settings);
  if (!errors.empty()) {
    for (const auto& e : errors) log_start_failure(e);
    return 1;
  }
  log::Level level;
  if (log::parse_level(settings.processor.log_level, &level)) log::set_level(level);
  log::set_message_logging(settings.processor.log_messages);

  // SIGTERM/SIGINT are taken synchronously by sigwait below, never by a handler mid-operation.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  auto processor = Processor::create(settings, clock);
  if (!processor) {
    log_start_failure(processor.error());
    return 1;
  }
  if (auto st = (*processor)->start(); !st) {
    log_start_failure(st.error());
    return 1;
  }
  if (!port_file.empty() &&
      !write_file_atomically(port_file, std::to_string((*processor)->api_port()) + "\n" +
                                            std::to_string((*processor)->admin_port()) + "\n")) {
    log_start_failure(make_error("IO", "cannot write the port file", "--port-file", port_file));
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  log::info("processor.stopping", {{"signal", std::to_string(sig)}});
  // The exit comes within processor.shutdown_timeout whatever happens: past it, what is still
  // claimed stays claimed in the database and the next start queries it (as after a crash).
  const auto bound = settings.processor.shutdown_timeout;
  stop_within([&] { (*processor)->stop(); }, bound, [bound] {
    log::alert("processor.stop_timeout", {{"bound_ms", std::to_string(bound.count())}});
    std::_Exit(1);
  });
  log::info("processor.stopped");
  return 0;
}

int cmd_config(const Args& args) {
  po::options_description desc("config check options");
  std::string action, config;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "check")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  if (int rc = parse("usage: repay config check --config FILE", desc, args, vm, &pos); rc >= 0)
    return rc;
  if (action != "check") {
    std::cerr << "repay: unknown config action '" << action << "' (known: check)\n";
    return 2;
  }
  Settings settings;
  auto errors = load_settings(config, &settings);
  if (!errors.empty()) {
    print_errors(errors);
    std::cerr << "repay: " << errors.size() << " problem(s) in " << config << "\n";
    return 1;
  }
  std::cout << config << ": ok (" << settings.centers.size() << " card center(s), "
            << settings.channels.size() << " channel(s))\n";
  return 0;
}

int cmd_keygen(const Args& args) {
  po::options_description desc("keygen options");
  std::string out;
  desc.add_options()("help,h", "show this help")(
      "out,o", po::value(&out)->required(), "the key file to create (never overwritten)");
  po::variables_map vm;
  if (int rc = parse("usage: repay keygen --out FILE", desc, args, vm); rc >= 0) return rc;
  auto st = crypto::FieldCipher::create_key_file(out);
  if (!st) {
    print_errors({st.error()});
    return 1;
  }
  std::cout << "created " << out << " (mode 0600): keep it apart from the database\n";
  return 0;
}

}  // namespace repay::app
