// repay-banksim: the bank simulator (docs/simulator.md). Wires the options, the book, the Bank
// and its HTTP adapter, then waits for SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "transport/durable_files.h"
#include "core/log.h"
#include "simulator/book.h"
#include "simulator/config.h"
#include "simulator/options.h"
#include "simulator/service.h"

namespace {

using repay::Error;

// Writes via a temporary file and a rename, so a reader never sees half a file.
bool write_atomically(const std::string& path, const std::string& content) {
  return repay::transport::write_text_replacing(path, content).ok();
}

int fail(const Error& e) {
  std::cerr << "repay-banksim: " << e.to_string() << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace repay::sim;
  // Block the stop signals before any thread starts, so sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto parsed = parse_options(argc, argv);
  if (!parsed.ok()) return fail(parsed.error());
  SimOptions& o = *parsed;
  if (o.help) {
    std::cout << o.help_text;
    return 0;
  }
  repay::log::Level level;
  if (!repay::log::parse_level(o.log_level, &level)) {
    return fail(repay::make_error("CONFIG", "unknown level", "log-level", o.log_level));
  }
  repay::log::set_level(level);

  std::vector<Cardholder> book;
  if (!o.book_file.empty()) {
    std::ifstream in(o.book_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return fail(repay::make_error("CONFIG", "cannot read", "book-file", o.book_file));
    auto loaded = parse_book(text.str());
    if (!loaded.ok()) return fail(loaded.error());
    book = std::move(*loaded);
  } else {
    book = generate_book(o.seed, o.book_size);
  }
  if (!o.book_out.empty() && !write_atomically(o.book_out, format_book(book))) {
    return fail(repay::make_error("CONFIG", "cannot write", "book-out", o.book_out));
  }

  ServiceOptions so;
  so.address = o.address;
  so.port = o.port;
  so.threads = o.threads;
  so.notify_base = o.notify_base;
  so.seed = o.seed;
  so.faults = o.faults;
  std::vector<ChannelSpec> specs;
  for (const std::string& spec : o.channels) {
    auto c = parse_channel(spec);
    if (!c.ok()) return fail(c.error());
    for (const ChannelSpec& s : specs) {
      if (s.id == c->spec.id) {
        return fail(repay::make_error("CONFIG", "channel given twice", "channel", s.id));
      }
    }
    specs.push_back(c->spec);
    so.channels.push_back(std::move(*c));
  }
  BankSettings bs;
  bs.seed = o.seed;
  bs.cutover_hour = o.cutover_hour;
  bs.sms_ttl = std::chrono::seconds(o.sms_ttl_seconds);
  bs.statement_ready_hours = o.statement_ready_hours;

  OffsetClock clock{std::chrono::seconds(o.clock_offset_seconds)};
  BankService service(Bank(std::move(book), specs, bs), so, clock);
  try {
    service.start();
  } catch (const std::exception& e) {
    return fail(repay::make_error("CONFIG", e.what(), "listen"));
  }
  std::string channels;
  for (const ChannelSpec& s : specs) channels += (channels.empty() ? "" : ",") + s.id;
  // The seed first: a failing run is replayed from it (lessons.md, TigerBeetle).
  std::printf("repay-banksim seed=%llu listening on %s:%u channels=%s\n",
              static_cast<unsigned long long>(o.seed), o.address.c_str(), service.port(),
              channels.c_str());
  std::fflush(stdout);
  repay::log::info("banksim_started", {{"seed", std::to_string(o.seed)},
                                       {"port", std::to_string(service.port())},
                                       {"channels", channels},
                                       {"faults", format_faults(o.faults)}});
  if (!o.port_file.empty() && !write_atomically(o.port_file, std::to_string(service.port()) + "\n")) {
    service.stop();
    return fail(repay::make_error("CONFIG", "cannot write", "port-file", o.port_file));
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  repay::log::info("banksim_stopping", {{"signal", std::to_string(sig)}});
  service.stop();
  return 0;
}
