// The daily report as plain text (repay report daily): one block per card center.
#include <sstream>

#include "report/daily.h"
#include "report/format.h"

namespace repay::report {

std::string render_text(const DailyReport& r) {
  std::ostringstream o;
  o << "Daily report " << format_date(r.day) << " (CST)\n";
  if (r.centers.empty()) o << "\nno activity\n";
  for (const auto& c : r.centers) {
    o << "\n== card center " << c.center_id << "\n";
    o << "repayments     " << tally_text(c.all) << "  (batch " << tally_text(c.batch_items)
      << ", real time " << tally_text(c.realtime) << ")\n";
    o << "success        " << tally_text(c.success) << "  fees " << format_yuan(c.fees) << "\n";
    o << "failed         " << tally_text(c.failed) << "  (force-failed " << tally_text(c.forced)
      << ", rejected " << tally_text(c.rejected) << ")\n";
    o << "not final yet  " << tally_text(c.open) << "\n";
    o << "success rate   " << format_rate(success_permille(c)) << "\n";
    if (!c.failures_by_code.empty()) {
      o << "failures by code";
      for (const auto& [code, n] : c.failures_by_code) o << "  " << code << ":" << n;
      o << "\n";
    }
    for (const auto& b : c.batches) {
      o << "batch " << b.batch_no << "  " << b.state << "  items " << b.items << "  success "
        << tally_text(b.success) << "  failed " << tally_text(b.failed) << "  force-failed "
        << tally_text(b.forced) << "  open " << b.open.count << "  force-fail at "
        << format_instant(b.force_fail_at) << "  returned "
        << (b.returned_at == Instant{} ? std::string("-") : format_instant(b.returned_at)) << "\n";
    }
    o << "refunds";
    if (c.refunds.empty()) o << "        none";
    for (const auto& [k, t] : c.refunds) o << "  " << k << ": " << tally_text(t);
    o << "\nexceptions";
    if (c.exceptions.empty()) o << "     none";
    for (const auto& [k, n] : c.exceptions) o << "  " << k << ": " << n;
    o << "\n";
  }
  return o.str();
}

}  // namespace repay::report
