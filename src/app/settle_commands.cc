// repay settle reconcile: the channel reconciliation of one day (domain.md flow 4). Fetches the
// statement from the channel (or takes a file), keeps its raw bytes under the database's folder
// (statements/, named with their SHA-256: a replaced statement is a new version, never an
// overwrite), then copies, matches and applies (settlement/channel_recon.h). Re-runnable.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <boost/program_options.hpp>

#include "app/commands.h"
#include "app/settings.h"
#include "channel/channel_client.h"
#include "crypto/crypto.h"
#include "settlement/channel_recon.h"
#include "store/sqlite_store.h"

namespace po = boost::program_options;

namespace repay::app {
namespace {

// Writes `bytes` durably as `path` (tmp, fsync, rename); an existing file is kept as it is (the
// name holds the SHA-256, so it is the same content).
Status keep_file(const std::string& path, const std::string& bytes) {
  if (std::filesystem::exists(path)) return ok_status();
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return make_error("IO", "cannot create", "", "", tmp);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) {
      ::close(fd);
      return make_error("IO", "cannot write", "", "", tmp);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return make_error("IO", "cannot sync", "", "", tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error("IO", "cannot rename: " + ec.message(), "", "", path);
  return ok_status();
}

Result<std::string> fetch(const Settings& settings, const std::string& channel_id, Date date,
                          const Clock& clock) {
  const auto& ch = settings.channels.at(channel_id);
  channel::ChannelEndpoint e;
  e.channel_id = channel_id;
  e.kind = ch.kind;
  e.base_url = ch.base_url;
  e.merchant_id = ch.merchant_id;
  auto s = resolve_secret(ch.secret, "channel." + channel_id + ".secret");
  if (!s) return s.error();
  e.secrets.push_back(*s);
  if (!ch.next_secret.file.empty() || !ch.next_secret.env.empty()) {
    auto n = resolve_secret(ch.next_secret, "channel." + channel_id + ".next_secret");
    if (!n) return n.error();
    e.secrets.push_back(*n);
  }
  e.max_inflight = ch.max_inflight;
  e.max_tps = ch.max_tps;
  e.connect_timeout = ch.connect_timeout;
  e.request_timeout = ch.request_timeout;
  e.realtime_share = ch.realtime_share;
  e.ca_file = settings.processor.ca_file;
  channel::ChannelClient client({e}, clock);
  client.start();
  return client.fetch_statement(channel_id, date);
}

int fail(const Error& e) {
  std::cerr << "repay: " << e.to_string() << "\n";
  return 1;
}

}  // namespace

int cmd_settle(const Args& args) {
  std::string action, config, channel_id, date_text, statement_path;
  po::options_description desc("options");
  desc.add_options()("help,h", "this help")("action", po::value(&action), "reconcile")(
      "config,c", po::value(&config)->required(), "settings file (docs/settings.md)")(
      "channel", po::value(&channel_id)->required(), "channelId")(
      "date", po::value(&date_text)->required(), "day T, yyyyMMdd")(
      "statement", po::value(&statement_path), "the statement file (default: fetch it from the channel)");
  po::positional_options_description pos;
  pos.add("action", 1);
  po::variables_map vm;
  const char* usage =
      "usage: repay settle reconcile --config FILE --channel ID --date yyyyMMdd [--statement FILE]\n"
      "  reconcile  the channel's statement of day T against our records of T (re-runnable: only\n"
      "             the difference is applied)\n";
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
  if (action != "reconcile") {
    std::cerr << "repay: unknown settle action '" << action << "'\n" << usage;
    return 2;
  }
  auto date = parse_date(date_text);
  if (!date) {
    std::cerr << "repay: --date must be yyyyMMdd\n";
    return 2;
  }
  Settings settings;
  auto errors = load_settings(config, &settings);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << "repay: " << e.to_string() << "\n";
    return 1;
  }
  auto ch = settings.channels.find(channel_id);
  if (ch == settings.channels.end()) {
    std::cerr << "repay: no channel " << channel_id << " in " << config << "\n";
    return 1;
  }
  SystemClock clock;
  std::string bytes;
  if (!statement_path.empty()) {
    std::ifstream in(statement_path, std::ios::binary);
    if (!in) return fail(make_error("IO", "cannot open", "", "", statement_path));
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    auto got = fetch(settings, channel_id, *date, clock);
    if (!got) return fail(got.error());  // NOT_READY: try again later
    bytes = std::move(*got);
  }
  const std::string sha = crypto::sha256_hex(bytes);
  const auto folder = std::filesystem::path(settings.processor.database).parent_path() / "statements";
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  const std::string name = settlement::statement_file_name(channel_id, *date);
  const std::string kept = (folder / (name.substr(0, name.size() - 4) + "." + sha.substr(0, 16) + ".txt")).string();
  if (auto st = keep_file(kept, bytes); !st) return fail(st.error());

  auto reader = files::LineReader::open(kept, files::Encoding::kUtf8);
  if (!reader) return fail(reader.error());
  settlement::Statement statement;
  auto bad = settlement::read_statement(**reader, name, channel_id, *date, &statement);
  if (!bad.empty()) {
    // Blnk lesson: a bad statement is not used at all; staff ask the channel for it again.
    for (const auto& e : bad) std::cerr << "repay: " << e.to_string() << "\n";
    std::cerr << "repay: statement kept at " << kept << " is not used\n";
    return 1;
  }
  auto cipher = crypto::FieldCipher::from_key_file(settings.processor.key_file);
  if (!cipher) return fail(cipher.error());
  auto store = store::SqliteStore::open(settings.processor.database, *cipher);
  if (!store) return fail(store.error());
  auto stored = (*store)->record_statement(
      settlement::StatementFile{channel_id, *date, kept, sha, statement.count,
                                statement.debit_amount, statement.refund_amount},
      clock.now());
  if (!stored) return fail(stored.error());
  auto run = settlement::reconcile_channel_day(**store, channel_id, *date, stored->id, statement,
                                               ch->second.suspense_days, clock.now(),
                                               "job:reconcile");
  if (!run) return fail(run.error());
  std::cout << "channel " << channel_id << " day " << date_text << ": statement v"
            << stored->version << (stored->created ? " (new)" : "") << ", run " << run->runs
            << ", " << run->ours << " records of ours, " << run->lines << " lines\n";
  for (size_t k = 0; k < settlement::kClassCount; ++k) {
    if (run->counts[k] == 0) continue;
    std::cout << "  " << settlement::class_name(static_cast<settlement::Class>(k)) << " "
              << run->counts[k] << "\n";
  }
  std::cout << "applied " << run->facts_applied << ", new proposals " << run->proposals
            << ", new exceptions " << run->exceptions << "\n";
  return 0;
}

}  // namespace repay::app
