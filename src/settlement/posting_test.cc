// Posting files of mode 2 (files.md, "Posting file, mode 2"): the strict checker (every problem
// with file, line, field and value), GBK decoded before it is split, matching classes, grace days.
#include "settlement/posting.h"

#include <doctest/doctest.h>

#include <set>

#include "settlement/center_files_test_util.h"
#include "settlement/posting_apply.h"

namespace repay::settlement {
namespace {

using testing::FakeCenterFilesStore;
using testing::TempDir;

const std::string kName = "POST_CC01_20261121.txt";
const std::string kGood =
    "H|CC01|20261121|2|10500\n"
    "D|T2026112100000001|ITEM1|10000|20261121180000\n"
    "D|T2026112100000002|REQ9|500|20261121180001\n";

PostingCheck check(const std::string& bytes, const std::string& name = kName,
                   files::Encoding enc = files::Encoding::kUtf8) {
  TempDir dir;
  return check_posting_file(dir.file("f.txt", bytes), name, "CC01", enc);
}

// "<code> <where> <field>" of every problem.
std::vector<std::string> problems(const PostingCheck& c) {
  std::vector<std::string> out;
  for (const auto& e : c.errors) out.push_back(e.code + " " + e.where + " " + e.field);
  return out;
}
using Lines = std::vector<std::string>;

TEST_CASE("posting name") {
  auto n = parse_posting_name("POST_CC01_20261121.txt");
  REQUIRE(n);
  CHECK(n->center_id == "CC01");
  CHECK(n->date == Date(2026, 11, 21));
  CHECK(posting_file_name("CC01", Date(2026, 11, 21)) == "POST_CC01_20261121.txt");
  CHECK_FALSE(parse_posting_name("POST_CC01_20261131.txt"));
  CHECK_FALSE(parse_posting_name("POST_cc01_20261121.txt"));
  CHECK_FALSE(parse_posting_name("RECON_CC01_20261121.txt"));
  CHECK_FALSE(parse_posting_name("POST_CC01_20261121.txt.ok"));
}

TEST_CASE("a good posting file passes, with its header and sums") {
  auto c = check(kGood);
  CHECK(problems(c) == Lines{});
  CHECK(c.header.count == 2);
  CHECK(c.header.amount == 10500);
  CHECK(c.detail_count == 2);
  CHECK(c.detail_amount == 10500);
  // The last line without its terminator and \r\n line ends are fine (common.md).
  CHECK(check("H|CC01|20261121|1|5\r\nD|T1|R1|5|20261121180000").ok());
  // A day without credits: a header with zero counts.
  CHECK(check("H|CC01|20261121|0|0\n").ok());
}

TEST_CASE("form errors name line, field and value; every one is reported") {
  auto c = check(
      "H|CC01|20261121|3|10500\n"
      "D|T1|ITEM1|01|20261121180000\n"              // amount with a leading zero
      "D|T 2|ITEM1|5|20261121180000\n"              // a space in txnNo
      "D|T3|ITEM1|5|20261121250000\n"               // no such time
      "D|T4|ITEM1|5|20261121180000|x\n");           // one field too many
  CHECK(problems(c) == Lines{"F1 " + kName + " line 2 amount", "F1 " + kName + " line 3 txnNo",
                             "F1 " + kName + " line 4 postTime", "F1 " + kName + " line 5 fields"});
  CHECK(c.errors[0].value == "01");
  CHECK(c.errors[1].value == "T 2");
  CHECK(c.errors[3].value == "6");
  CHECK_FALSE(c.ok());
}

TEST_CASE("header problems: form, centerId, name, empty file, empty lines, BOM") {
  CHECK(problems(check("D|T1|R|5|20261121180000\n")) == Lines{"F1 " + kName + " line 1 header.recordType"});
  CHECK(problems(check("H|CC01|20261121|1\n")) == Lines{"F1 " + kName + " line 1 header"});
  CHECK(problems(check("H|CC01|20261121|x|0\n")) == Lines{"F1 " + kName + " line 1 header.count"});
  CHECK(problems(check("H|CC02|20261121|0|0\n", "POST_CC02_20261121.txt")) ==
        Lines{"F1 POST_CC02_20261121.txt line 1 header.centerId"});
  CHECK(problems(check("H|CC01|20261122|0|0\n")) == Lines{"F1 " + kName + " line 1 header.date"});
  CHECK(problems(check("H|CC01|20261121|0|0\n", "post.txt")) == Lines{"F1 post.txt fileName"});
  CHECK(problems(check("")) == Lines{"F1 " + kName + " line 1 header"});
  CHECK(problems(check("H|CC01|20261121|0|0\n\n")) == Lines{"F1 " + kName + " line 2 "});
  CHECK(check("\xEF\xBB\xBFH|CC01|20261121|0|0\n").errors.at(0).code == "F1");
}

TEST_CASE("counts and sums must match the lines (F2)") {
  auto c = check("H|CC01|20261121|3|10500\nD|T1|R|10000|20261121180000\nD|T2|R|500|20261121180000\n");
  CHECK(problems(c) == Lines{"F2 " + kName + " line 1 header.count"});
  CHECK(c.errors[0].value == "3");
  c = check("H|CC01|20261121|2|10501\nD|T1|R|10000|20261121180000\nD|T2|R|500|20261121180000\n");
  CHECK(problems(c) == Lines{"F2 " + kName + " line 1 header.amount"});
}

TEST_CASE("GBK: decoded before it is split; invalid bytes reject the file (F4 first)") {
  // 億 is 83 7C in GBK: its second byte is '|', yet the line keeps its 5 fields; the ref is then
  // not of the identifier form.
  auto c = check("H|CC01|20261121|1|5\nD|T1|\x83\x7C|5|20261121180000\n", kName, files::Encoding::kGbk);
  CHECK(problems(c) == Lines{"F1 " + kName + " line 2 ref"});
  CHECK(c.errors[0].value == "\xE5\x84\x84");  // shown decoded (UTF-8)
  c = check("H|CC01|20261121|1|5\nD|T 1|R|5|20261121180000\nD|\xFF\xFF\n", kName,
            files::Encoding::kGbk);
  REQUIRE(c.errors.size() == 2);
  CHECK(c.errors[0].code == "F4");
  CHECK(c.errors[0].where == kName + " line 3");
  CHECK(c.errors[1].code == "F1");
  CHECK(check(kGood, kName, files::Encoding::kGbk).ok());
}

TEST_CASE("read_posting_lines gives every detail line with its line number") {
  TempDir dir;
  std::vector<PostingLine> got;
  REQUIRE(read_posting_lines(dir.file("f.txt", kGood), files::Encoding::kUtf8,
                             [&](const PostingLine& l) {
                               got.push_back(l);
                               return ok_status();
                             })
              .ok());
  REQUIRE(got.size() == 2);
  CHECK(got[0].line_no == 2);
  CHECK(got[0].txn_no == "T2026112100000001");
  CHECK(got[0].ref == "ITEM1");
  CHECK(got[1].amount == 500);
  CHECK(got[1].post_time == "20261121180001");
}

TEST_CASE("matching classes") {
  PostingLine l;
  l.txn_no = "T1";
  l.amount = 10000;
  CHECK(classify_posting_line(l, std::nullopt, false) == PostingClass::kNotOurs);
  CHECK(classify_posting_line(l, OurSuccess{10000, false}, false) == PostingClass::kMatched);
  CHECK(classify_posting_line(l, OurSuccess{10000, false}, true) == PostingClass::kDuplicate);
  CHECK(classify_posting_line(l, OurSuccess{9999, false}, false) == PostingClass::kAmountDiffers);
  CHECK(classify_posting_line(l, OurSuccess{10000, true}, false) == PostingClass::kAfterOneSided);
  // A repeated line is a duplicate whatever its amount.
  CHECK(classify_posting_line(l, OurSuccess{1, false}, true) == PostingClass::kDuplicate);
  CHECK(std::string(posting_class_name(PostingClass::kAmountDiffers)) == "AMOUNT_DIFFERS");
}

TEST_CASE("grace days: day T is decided once the files of T .. T+grace are all used") {
  const Date t(2026, 11, 21);
  std::set<Date> have;
  auto has = [&](Date d) { return have.count(d) > 0; };
  CHECK_FALSE(one_sided_due(t, 2, has));
  have = {t, t + boost::gregorian::days(1)};
  CHECK_FALSE(one_sided_due(t, 2, has));
  have.insert(t + boost::gregorian::days(3));  // a later file does not stand in for T+2
  CHECK_FALSE(one_sided_due(t, 2, has));
  have.insert(t + boost::gregorian::days(2));
  CHECK(one_sided_due(t, 2, has));
  CHECK(one_sided_due(t, 0, [&](Date d) { return d == t; }));
  CHECK(days_completed_by(Date(2026, 11, 23), 2) ==
        std::vector<Date>{Date(2026, 11, 21), Date(2026, 11, 22), Date(2026, 11, 23)});
}

TEST_CASE("apply_posting_file: a bad file is not used, its rejection recorded once; a good one stored") {
  TempDir dir;
  FakeCenterFilesStore store;
  const Instant now = cst_time_on(Date(2026, 11, 22), 9 * 60);
  auto bad = apply_posting_file(store, "CC01",
                                dir.file(kName, "H|CC01|20261121|2|1\nD|T1|R|x|20261121180000\n"),
                                files::Encoding::kUtf8, 2, now);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "F1");
  CHECK(bad.error().where == kName + " line 2");
  CHECK(bad.error().field == "amount");
  CHECK(bad.error().value == "x");
  CHECK(store.rejections == 1);
  CHECK(store.stored_lines.empty());

  auto good = apply_posting_file(store, "CC01", dir.file(kName, kGood), files::Encoding::kUtf8, 2, now);
  REQUIRE(good.ok());
  CHECK(good->day == Date(2026, 11, 21));
  CHECK(store.stored_lines.size() == 2);
  CHECK(good->days_decided.empty());  // the fake has no used files: nothing is due
}

}  // namespace
}  // namespace repay::settlement
