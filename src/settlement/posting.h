// The posting file of mode 2 (files.md, "Posting file, mode 2"): what the card center credited to
// cardholders for day T. Pure: its name, a strict checker (form, counts, sums, encoding — every
// problem with file, line, field and value), a reader of its lines, how a line matches our
// successes, and when a day's unmatched successes become one-sided.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"
#include "files/text.h"

namespace repay::settlement {

// POST_<centerId>_<date>.txt; nullopt when the name has another form.
struct PostingName {
  std::string center_id;
  Date date;
};
std::optional<PostingName> parse_posting_name(const std::string& file_name);
std::string posting_file_name(const std::string& center, Date date);

struct PostingHeader {
  std::string center_id;
  Date date;
  int64_t count = 0;
  Fen amount = 0;
};

// D|txnNo|ref|amount|postTime
struct PostingLine {
  int64_t line_no = 0;       // in the file, 1-based (the header is line 1)
  std::string txn_no;
  std::string ref;
  Fen amount = 0;
  std::string post_time;     // yyyyMMddHHmmss as written
};

struct PostingCheck {
  // Every problem found (at most kMaxErrors), in file order: code "F4" (not valid in the encoding;
  // reading stops there), "F1" (form: name, header, a line, a field, the field count, a BOM, an
  // empty line, centerId not this account's, name and header disagreeing), "F2" (count or amount
  // differ from the details), "IO" (could not read: not a rejection, try again). Error.where is
  // "<file name> line N", field the field's name, value the offending value.
  std::vector<Error> errors;
  bool header_readable = false;
  PostingHeader header;
  int64_t detail_count = 0;
  Fen detail_amount = 0;
  bool ok() const { return errors.empty(); }
  bool io_failed() const { return !errors.empty() && errors.front().code == "IO"; }
};
inline constexpr size_t kMaxPostingErrors = 100;

// Pass 1: checks the whole file, streaming. `file_name` is the name it was received under.
PostingCheck check_posting_file(const std::string& path, const std::string& file_name,
                                const std::string& expected_center, files::Encoding enc);

// Pass 2, for a file that passed pass 1: each detail line in order. Stops at on_line's first error.
Status read_posting_lines(const std::string& path, files::Encoding enc,
                          const std::function<Status(const PostingLine&)>& on_line);

// A success of ours as a posting line sees it.
struct OurSuccess {
  Fen amount = 0;                  // principal
  bool one_sided_proposed = false; // a ONE_SIDED refund has already been proposed for it
};

// How a posting line matches (files.md: matching is by txnNo, across days).
enum class PostingClass {
  kMatched,         // a success of ours, first time its TxnNo is posted, same amount
  kAmountDiffers,   // exception: a success of ours, but the amount differs from ours
  kDuplicate,       // exception: the TxnNo was posted before (this file or an earlier one)
  kNotOurs,         // exception: not a success of ours (unknown, failed, force-failed, another center's)
  kAfterOneSided,   // exception: posted after its grace days, when a ONE_SIDED refund was proposed
};
// `taken`: an earlier posting line already took this TxnNo. Only kMatched counts for settlement;
// every other class is an exception for staff.
PostingClass classify_posting_line(const PostingLine& line, const std::optional<OurSuccess>& ours,
                                   bool taken);
const char* posting_class_name(PostingClass c);  // MATCHED, AMOUNT_DIFFERS, ...

// files.md: a success of day T that is in neither the posting file of T nor those of the next
// `grace_days` is one-sided. That is decided once all those files have been used: true when
// `have_file` holds for every day T .. T+grace_days.
bool one_sided_due(Date day_t, int grace_days, const std::function<bool(Date)>& have_file);
// The days T whose decision a newly used posting file of `file_day` may complete:
// file_day - grace_days .. file_day, oldest first.
std::vector<Date> days_completed_by(Date file_day, int grace_days);

}  // namespace repay::settlement
