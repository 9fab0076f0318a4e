// repay notify list|retry: the notification outbox for operators (center-api.md, Notifications).
// `list` shows what was sent to the card centers and how it went; `retry` gives a notification
// that gave up (or waits for its next retry) one more try at once, by the running processor.
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/command_context.h"
#include "app/commands.h"
#include "app/settings.h"
#include "crypto/crypto.h"
#include "store/notify_sql.h"
#include "store/sqlite_store.h"

namespace po = boost::program_options;

namespace repay::app {
namespace {

std::string when(Instant t) { return t == Instant{} ? "-" : format_cst_timestamp(t); }

// A field value on one line: line breaks and backslashes shown as escapes.
std::string one_line(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '\n') out += "\\n";
    else if (ch == '\r') out += "\\r";
    else out += ch;
  }
  return out;
}

void print_row(const realtime::Notification& n) {
  std::cout << std::left << std::setw(8) << n.id << std::setw(8) << n.center_id << std::setw(41)
            << n.key << std::setw(11) << n.state << std::right << std::setw(8) << n.attempts
            << "  " << std::left << std::setw(16) << when(n.created_at) << std::setw(16)
            << (n.state == "PENDING" ? when(n.next_at) : "-")
            << (n.last_result.empty() ? "-" : n.last_result) << "\n";
}

void print_header() {
  std::cout << std::left << std::setw(8) << "id" << std::setw(8) << "center" << std::setw(41)
            << "key" << std::setw(11) << "state" << std::right << std::setw(8) << "attempts"
            << "  " << std::left << std::setw(16) << "created" << std::setw(16) << "next try"
            << "last result\n";
}

int show_one(store::SqliteStore& s, int64_t id) {
  Result<std::optional<realtime::Notification>> found = [&] {
    auto c = s.pool().acquire();
    return store::find_notification(*c, id);
  }();
  if (!found) {
    std::cerr << "repay: " << found.error().to_string() << "\n";
    return 1;
  }
  if (!found->has_value()) {
    std::cerr << "repay: no notification " << id << "\n";
    return 1;
  }
  const auto& n = **found;
  print_header();
  print_row(n);
  std::cout << "\nurl: " << n.url << "\nfirst try: " << when(n.first_try_at) << "\nfields:\n";
  for (const auto& [name, value] : n.fields) std::cout << "  " << name << " = " << one_line(value) << "\n";
  auto attempts = s.attempts_of(id);
  if (!attempts) {
    std::cerr << "repay: " << attempts.error().to_string() << "\n";
    return 1;
  }
  std::cout << "attempts:\n";
  if (attempts->empty()) std::cout << "  none yet\n";
  int i = 0;
  for (const auto& [at, result] : *attempts) {
    std::cout << "  " << std::setw(3) << ++i << "  " << format_cst_timestamp(at) << "  " << result
              << "\n";
  }
  return 0;
}

}  // namespace

int cmd_notify(const Args& args) {
  po::options_description desc("notify options");
  std::string action, config, center, state;
  int limit = 50;
  int64_t id = 0;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "list | retry")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "center", po::value(&center)->default_value(""), "list: only this card center")(
      "state", po::value(&state)->default_value(""), "list: PENDING, DELIVERED or GAVE_UP")(
      "limit", po::value(&limit)->default_value(50), "list: at most this many, newest first")(
      "id", po::value(&id), "list: this notification with its attempts; retry: the one to retry");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  const char* usage =
      "usage: repay notify list --config FILE [--center ID] [--state S] [--limit N] [--id N]\n"
      "       repay notify retry --config FILE --id N\n"
      "  list   notifications to the card centers, newest first; with --id, one of them and the\n"
      "         history of its attempts\n"
      "  retry  try a notification that gave up (or waits for its next retry) again now; the\n"
      "         running processor sends it\n";
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
  if (action != "list" && action != "retry") {
    std::cerr << "repay: unknown notify action '" << action << "'\n" << usage;
    return 2;
  }
  if (action == "retry" && !vm.count("id")) {
    std::cerr << "repay: notify retry needs --id\n" << usage;
    return 2;
  }
  if (!state.empty() && state != "PENDING" && state != "DELIVERED" && state != "GAVE_UP") {
    std::cerr << "repay: --state must be PENDING, DELIVERED or GAVE_UP\n";
    return 2;
  }
  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  auto& s = *ctx->store;
  SystemClock clock;
  if (action == "retry") {
    auto st = s.retry_notification(id, clock.now());
    if (!st) {
      std::cerr << "repay: " << st.error().to_string() << "\n";
      return 1;
    }
    std::cout << "notification " << id << " is due now; the running processor tries it again\n";
    return 0;
  }
  if (vm.count("id")) return show_one(s, id);
  auto rows = s.list_notifications(center, state, limit);
  if (!rows) {
    std::cerr << "repay: " << rows.error().to_string() << "\n";
    return 1;
  }
  if (rows->empty()) {
    std::cout << "no notifications\n";
    return 0;
  }
  print_header();
  for (const auto& n : *rows) print_row(n);
  return 0;
}

}  // namespace repay::app
