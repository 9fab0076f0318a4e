// repay staff add|passwd|unlock|list: staff accounts of the console (src/console/). Passwords are
// read from a file or stdin (first line), never from the command line where `ps` shows them.
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/command_context.h"
#include "app/commands.h"
#include "settings/settings.h"
#include "console/password.h"
#include "crypto/crypto.h"
#include "settlement/review.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names
namespace {

const char* kUsage =
    "usage: repay staff add    --config FILE --login LOGIN --role viewer|reviewer|admin [--password-file F]\n"
    "       repay staff passwd --config FILE --login LOGIN [--password-file F]\n"
    "       repay staff unlock --config FILE --login LOGIN\n"
    "       repay staff list   --config FILE\n"
    "  The password is the first line of --password-file, or of stdin without it (at least 10\n"
    "  characters). A new password also unlocks the account and ends its sessions.\n"
    "  Roles: viewer looks; reviewer also approves and rejects refunds and resolves exceptions;\n"
    "  admin as reviewer, and also sees the staff accounts in the console and unlocks them.\n";

int fail(const Error& e) {
  std::cerr << "repay: " << e.to_string() << "\n";
  return 1;
}

// Who ran the command, for the audit row.
std::string cli_actor() {
  const char* u = std::getenv("USER");
  if (!u || !*u) u = std::getenv("LOGNAME");
  return std::string("cli:") + (u && *u ? u : "unknown");
}

Result<std::string> read_password(const std::string& file) {
  auto line = read_password_input(file);
  if (!line) return line.error();
  const std::string problem = console::password_problem(*line);
  if (!problem.empty()) return make_error("CONFIG", problem, "password");
  return line;
}

}  // namespace

int cmd_staff(const Args& args) {
  po::options_description desc("staff options");
  std::string action, config, login, role, password_file;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "add | passwd | unlock | list")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "login", po::value(&login)->default_value(""), "the staff member's login ([A-Za-z0-9._-]{1,64})")(
      "role", po::value(&role)->default_value(""), "add: viewer, reviewer or admin")(
      "password-file", po::value(&password_file)->default_value(""), "read the password from this file");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << kUsage << "\n" << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "repay: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (action != "add" && action != "passwd" && action != "unlock" && action != "list") {
    std::cerr << "repay: unknown staff action '" << action << "'\n" << kUsage;
    return 2;
  }
  if (action != "list" && !settlement::valid_login(login)) {
    std::cerr << "repay: staff " << action << " needs --login ([A-Za-z0-9._-]{1,64})\n" << kUsage;
    return 2;
  }
  if (action == "add" && role != "viewer" && role != "reviewer" && role != "admin") {
    std::cerr << "repay: staff add needs --role viewer, reviewer or admin\n" << kUsage;
    return 2;
  }
  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  auto& staff = ctx->stores->console();
  SystemClock clock;

  if (action == "list") {
    auto rows = staff.list_staff();
    if (!rows) return fail(rows.error());
    if (rows->empty()) {
      std::cout << "no staff accounts\n";
      return 0;
    }
    std::cout << std::left << std::setw(24) << "login" << std::setw(10) << "role" << std::setw(8)
              << "failed" << "state\n";
    for (const auto& a : *rows) {
      std::cout << std::left << std::setw(24) << a.login << std::setw(10) << a.role << std::setw(8)
                << a.failed_logins
                << (a.locked ? "LOCKED since " + format_cst_timestamp(a.locked_at) : std::string("active"))
                << "\n";
    }
    return 0;
  }
  if (action == "unlock") {
    auto st = staff.unlock(login, cli_actor(), clock.now());
    if (!st) return fail(st.error());
    std::cout << "staff " << login << " unlocked\n";
    return 0;
  }
  auto password = read_password(password_file);
  if (!password) return fail(password.error());
  const std::string hash = console::hash_password(*password);
  if (action == "add") {
    auto st = staff.add_staff(login, role, hash, cli_actor(), clock.now());
    if (!st) return fail(st.error());
    std::cout << "staff " << login << " added (" << role << ")\n";
    return 0;
  }
  auto st = staff.set_password(login, hash, cli_actor(), clock.now());
  if (!st) return fail(st.error());
  std::cout << "staff " << login << ": password set (and unlocked)\n";
  return 0;
}

}  // namespace repay::app
