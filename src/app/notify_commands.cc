// repay notify list|retry: the notification outbox for operators (center-api.md, Notifications).
// `list` shows what was sent to the card centers and how it went; `retry` gives a notification
// that gave up (or waits for its next retry) one more try at once, by the running processor.
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/cli_output.h"
#include "app/command_context.h"
#include "app/commands.h"
#include "settings/settings.h"
#include "crypto/crypto.h"
#include "realtime/outbox.h"

namespace po = boost::program_options;

namespace repay::app {

using namespace repay::settings;  // the binary reads its settings by their own names
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

Table list_table() {
  return Table({"id>", "center", "key", "state", "attempts>", "created", "next try", "last result"});
}

void add_row(Table& t, const realtime::Notification& n) {
  t.row({std::to_string(n.id), n.center_id, n.key, n.state, std::to_string(n.attempts),
         when(n.created_at), n.state == "PENDING" ? when(n.next_at) : "-",
         n.last_result.empty() ? "-" : one_line(n.last_result)});
}

// docs/cli.md, notify list: one object per notification (its <Notify> fields with --id).
JsonObject notification_json(const realtime::Notification& n) {
  JsonObject o;
  o.num("id", n.id).str("center", n.center_id).str("key", n.key).str("state", n.state)
      .num("attempts", n.attempts).time("createdAt", n.created_at)
      .time("nextTryAt", n.state == "PENDING" ? n.next_at : Instant{})
      .time("firstTryAt", n.first_try_at).str("lastResult", n.last_result);
  return o;
}

int show_one(realtime::NotificationOutbox& s, int64_t id, bool json) {
  Result<std::optional<realtime::Notification>> found = s.notification(id);
  if (!found) {
    std::cerr << "repay: " << found.error().to_string() << "\n";
    return 1;
  }
  if (!found->has_value()) {
    std::cerr << "repay: no notification " << id << "\n";
    return 1;
  }
  const auto& n = **found;
  auto attempts = s.attempts_of(id);
  if (!attempts) {
    std::cerr << "repay: " << attempts.error().to_string() << "\n";
    return 1;
  }
  if (json) {
    JsonObject fields;
    for (const auto& [name, value] : n.fields) fields.str(name, value);
    std::vector<std::string> tries;
    for (const auto& [at, result] : *attempts) tries.push_back(JsonObject().time("at", at).str("result", result).done());
    std::cout << notification_json(n).str("url", n.url).raw("fields", fields.done())
                     .raw("attemptHistory", json_array(tries)).done()
              << "\n";
    return 0;
  }
  Table t = list_table();
  add_row(t, n);
  t.print(std::cout);
  std::cout << "\nurl: " << n.url << "\nfirst try: " << when(n.first_try_at) << "\nfields:\n";
  for (const auto& [name, value] : n.fields) std::cout << "  " << name << " = " << one_line(value) << "\n";
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
  std::string action, config, center, state, format;
  int limit = 50;
  int64_t id = 0;
  desc.add_options()("help,h", "show this help")(
      "action", po::value(&action)->required(), "list | retry")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "center", po::value(&center)->default_value(""), "list: only this card center")(
      "state", po::value(&state)->default_value(""), "list: PENDING, DELIVERED or GAVE_UP")(
      "limit", po::value(&limit)->default_value(50), "list: at most this many, newest first")(
      "id", po::value(&id), "list: this notification with its attempts; retry: the one to retry")(
      "format", po::value(&format)->default_value("table"), "list: table or json");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  const char* usage =
      "usage: repay notify list --config FILE [--center ID] [--state S] [--limit N] [--id N]\n"
      "                         [--format table|json]\n"
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
  if (!valid_format(format)) {
    std::cerr << "repay: --format must be table or json\n";
    return 2;
  }
  const bool json = format == "json";
  auto ctx = open_for_command(config);
  if (!ctx) return 1;
  auto& s = ctx->stores->outbox();
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
  if (vm.count("id")) return show_one(s, id, json);
  auto rows = s.list_notifications(center, state, limit);
  if (!rows) {
    std::cerr << "repay: " << rows.error().to_string() << "\n";
    return 1;
  }
  if (json) {
    std::vector<std::string> items;
    for (const auto& n : *rows) items.push_back(notification_json(n).done());
    std::cout << json_array(items) << "\n";
    return 0;
  }
  if (rows->empty()) {
    std::cout << "no notifications\n";
    return 0;
  }
  Table t = list_table();
  for (const auto& n : *rows) add_row(t, n);
  t.print(std::cout);
  return 0;
}

}  // namespace repay::app
