// The subcommands of the `repay` binary. Each parses its own options (--help on each) and returns
// the process exit status.
#pragma once

#include <string>
#include <vector>

namespace repay::app {

using Args = std::vector<std::string>;  // the arguments after the subcommand's name

int cmd_serve(const Args& args);
int cmd_config(const Args& args);   // config check
int cmd_keygen(const Args& args);
int cmd_demo(const Args& args);
int cmd_batch(const Args& args);  // batch pull|status|return
int cmd_notify(const Args& args);  // notify list|retry
int cmd_settle(const Args& args);  // settle reconcile (app/settle_commands.cc)
int cmd_refunds(const Args& args);  // refunds list|show|approve|reject|propose|expire
int cmd_report(const Args& args);  // report daily (app/report_commands.cc)
int cmd_staff(const Args& args);  // staff add|passwd|unlock|list (app/staff_commands.cc)

// Writes `text` to `path` atomically (tmp + rename).
bool write_file_atomically(const std::string& path, const std::string& text);

}  // namespace repay::app
