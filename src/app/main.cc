// repay: the processor's one binary. main() only picks the subcommand.
#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"

namespace {

const char* kUsage = R"(repay — cross-bank credit-card repayment processor

usage: repay <command> [options]     (repay <command> --help for its options)

commands:
  serve          run the processor: card-center API, channel notifications, scheduled jobs
  config check   check a settings file; every problem is printed with its key
  batch pull     pick up complete batch files from the card centers' inboxes
  batch status   open batches with their deadline outlook (--format json)
  batch return   force-fail what is due and publish every return file due
  notify list    notifications to the card centers and their attempts
  notify retry   try a notification that gave up again now
  settle reconcile  a channel's statement of day T against our records (re-runnable)
  settle run     every T+1 job of a day at once: statements, posting files, RECON, SETTLE, FEE
  refunds list   our refund proposals (pending review, approved, ...); refunds show one
  refunds approve|reject|propose|expire   the review of refund proposals by staff (their
                 console password from --password-file or stdin)
  staff add|passwd|unlock|list   staff accounts of the console (on the admin listener)
  report daily   the day per card center: counts, amounts, success rate, force-failed,
                 refunds, exceptions; text, or an HTML page with charts (--html)
  keygen         create the key file that encrypts card, ID and mobile numbers at rest
  demo           the main job on embedded defaults: starts the bank simulator and the
                 processor, and runs card centers' traffic against them
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string cmd = argv[1];
  repay::app::Args rest(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "serve") return repay::app::cmd_serve(rest);
  if (cmd == "config") return repay::app::cmd_config(rest);
  if (cmd == "keygen") return repay::app::cmd_keygen(rest);
  if (cmd == "demo") return repay::app::cmd_demo(rest);
  if (cmd == "batch") return repay::app::cmd_batch(rest);
  if (cmd == "notify") return repay::app::cmd_notify(rest);
  if (cmd == "settle") return repay::app::cmd_settle(rest);
  if (cmd == "refunds") return repay::app::cmd_refunds(rest);
  if (cmd == "report") return repay::app::cmd_report(rest);
  if (cmd == "staff") return repay::app::cmd_staff(rest);
  std::cerr << "repay: unknown command '" << cmd << "'\n\n" << kUsage;
  return 2;
}
