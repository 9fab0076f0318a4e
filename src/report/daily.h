// The daily report per card center and day (issue 7): counts, amounts, success rate, force-failed
// items, refunds and exceptions, and per batch the throughput and success rate over the day with
// the force-fail time. Pure: the records come from a ReportStore (store/ops_sql.cc), the text and
// the HTML page with SVG charts are built here (daily_text.cc, daily_html.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"

namespace repay::report {

// A batch of the day (batchDate = the day).
struct BatchRecord {
  std::string center_id;
  std::string batch_no;
  std::string state;          // LOADING, OPEN, CLOSED, RETURNED
  int64_t total_count = 0;
  Fen total_amount = 0;
  Instant received_at{};
  Instant force_fail_at{};
  Instant returned_at{};      // zero until returned
};

// A repayment of the day: a batch item of a batch of the day, or a real-time repayment created
// on the day (CST).
struct ItemRecord {
  std::string center_id;
  char source = 'B';          // 'B' batch item, 'R' real time
  std::string batch_no;       // batch items only
  std::string state;          // REJECTED, PENDING, SENDING, UNKNOWN, SUCCESS, FAILED
  std::string resp_code;
  Fen amount = 0;             // principal
  Fen fee = 0;
  Fen debit_amount = 0;
  bool forced = false;        // force-failed at the deadline
  Instant finished_at{};      // zero while not final (REJECTED items: when they were read)
};

// A refund created on the day.
struct RefundRecord {
  std::string center_id;
  std::string origin;         // CENTER or US
  std::string state;
  Fen amount = 0;
};

// An exception (a discrepancy for staff) created on the day.
struct ExceptionRecord {
  std::string center_id;      // "" when it belongs to a channel only
  std::string kind;
};

struct DayRecords {
  std::vector<BatchRecord> batches;
  std::vector<ItemRecord> items;
  std::vector<RefundRecord> refunds;
  std::vector<ExceptionRecord> exceptions;
};

class ReportStore {
 public:
  virtual ~ReportStore() = default;
  // Everything of the CST day `day`; `center` "" for every card center.
  virtual Result<DayRecords> day_records(Date day, const std::string& center) = 0;
};

struct Tally {
  int64_t count = 0;
  Fen amount = 0;
  void add(Fen a) { ++count; amount += a; }
};

// Items finished in one slice of the chart's time axis.
struct Slice {
  Instant start{};
  int64_t finished = 0;
  int64_t success = 0;
};

struct Series {
  std::string title;          // "batch B001" or "real time"
  Instant from{}, to{};       // the axis
  std::chrono::minutes slice{60};
  std::vector<Slice> slices;
  Instant force_fail_at{};    // zero for real time
};

struct BatchSummary {
  std::string batch_no;
  std::string state;
  int64_t items = 0;
  Tally success, failed, forced, rejected, open;
  Instant force_fail_at{}, returned_at{};
};

struct CenterDay {
  std::string center_id;
  // Every repayment of the day (batch items and real time).
  Tally all, success, failed, open;  // open: not final yet
  Tally batch_items, realtime;
  Tally forced;                      // force-failed batch items (F 3001/3002)
  Tally rejected;                    // items refused by their checks
  Fen fees = 0;                      // fees of the successes
  std::map<std::string, int64_t> failures_by_code;
  std::vector<BatchSummary> batches;
  std::map<std::string, Tally> refunds;  // "origin state" -> tally
  std::map<std::string, int64_t> exceptions;  // kind -> count
  std::vector<Series> charts;        // one per batch, then real time
};

struct DailyReport {
  Date day;
  std::vector<CenterDay> centers;    // by center id
};

// Success rate in tenths of a percent: successes over final items (rejected ones included as
// failures: they are F in the return file); -1 when nothing is final.
int success_permille(const CenterDay& c);
std::string format_rate(int permille);  // "97.5%", "-" for -1

DailyReport compute_daily(Date day, const DayRecords& records);
std::string render_text(const DailyReport& r);
std::string render_html(const DailyReport& r);
// One chart as SVG: bars of items finished per slice, the success rate per slice as a line
// (0–100 %), the force-fail time as a dashed red line.
std::string render_svg(const Series& s);

}  // namespace repay::report
