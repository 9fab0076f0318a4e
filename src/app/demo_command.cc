// `repay demo`: its options (docs/cli.md); the demo itself is stack/demo.cc.
#include <iostream>

#include <boost/program_options.hpp>

#include "app/commands.h"
#include "stack/demo.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::stack;

int cmd_demo(const Args& args) {
  po::options_description desc("demo options");
  std::string dir = "var/demo";
  uint64_t seed = 7;
  bool keep = false;
  bool keep_console = false;
  desc.add_options()("help,h", "show this help")(
      "dir", po::value(&dir)->default_value(dir), "working folder (emptied first)")(
      "seed", po::value(&seed)->default_value(seed), "seed of the simulator's book and faults")(
      "keep-running", po::bool_switch(&keep), "keep the processor and simulator up until Ctrl-C")(
      "keep-console", po::bool_switch(&keep_console),
      "keep the staff console (and so the processor and simulator) up until Ctrl-C");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: repay demo [--dir DIR] [--seed N] [--keep-running] [--keep-console]\n\n" << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "repay: " << e.what() << "\n" << desc;
    return 2;
  }

  DemoOptions o;
  o.dir = dir;
  o.seed = seed;
  o.keep_running = keep;
  o.keep_console = keep_console;
  return run_demo(o);
}

}  // namespace repay::app
