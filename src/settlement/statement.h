// The channel's statement (files.md, "Statement"): STMT_<channelId>_<date>.txt, the channel's
// successful debits and refunds whose SettleDate is `date`.
//   H|<channelId>|<date>|<count>|<debitAmount>|<refundAmount>
//   D|<channelTxnNo>|<reqSn>|<type>|<amount>|<txnTime>
// Pure: reads through a files::LineReader (decode first, then split; UTF-8). A bad field rejects
// the statement with its file, line, field and value — it never becomes a default (lessons.md,
// Blnk). A reqSn listed twice is not a parse error: reconciliation reports it (DUPLICATE_LINE).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "files/text.h"

namespace repay::settlement {

enum class TxnType : uint8_t { kDebit, kRefund };
const char* txn_type_name(TxnType t);  // "DEBIT", "REFUND"

// One D line. The views point into the Statement that holds the line (valid while it lives,
// moves included).
struct StatementLine {
  std::string_view req_sn;
  std::string_view channel_txn_no;
  Fen amount = 0;
  uint32_t line_no = 0;  // 1-based line of the file (the header is line 1)
  TxnType type = TxnType::kDebit;
};

// Text copied into chunks that never move: views into it stay valid while the arena lives.
class TextArena {
 public:
  std::string_view keep(std::string_view s);

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t used_ = 0;
  size_t cap_ = 0;
};

class Statement {
 public:
  Statement() = default;
  Statement(Statement&&) = default;
  Statement& operator=(Statement&&) = default;

  std::string channel_id;
  Date date;
  int64_t count = 0;
  Fen debit_amount = 0;
  Fen refund_amount = 0;
  std::vector<StatementLine> lines;

  // Copies `s` into storage owned by this statement; the view stays valid while it lives.
  std::string_view keep(std::string_view s) { return text_.keep(s); }

 private:
  TextArena text_;
};

// "STMT_<channelId>_<yyyyMMdd>.txt"
std::string statement_file_name(const std::string& channel_id, Date date);

// Reads a whole statement. `file_name` names it in errors; the header must be for `channel_id`
// and `date`. Returns every error found (at most `max_errors`, then one saying more were cut),
// each with where ("file <name> line <n>"), field and value; empty when the statement is good,
// and then *out holds it. Codes: "F4" text not valid UTF-8, "F1" a badly formed line or field
// (wrong field count, BOM, empty line, unknown type, amount 0, bad timestamp), "F2" count or sums
// not matching the details, "IO". After F4 or IO reading stops.
std::vector<Error> read_statement(files::LineReader& in, const std::string& file_name,
                                  const std::string& channel_id, Date date, Statement* out,
                                  size_t max_errors = 100);

}  // namespace repay::settlement
