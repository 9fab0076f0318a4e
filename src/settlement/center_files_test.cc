// RECON files (files.md, Reconciliation file mode 1) and SETTLE files (files.md, Settlement file):
// names, lines, header figures, negative net, GBK, versions.
#include "settlement/center_files.h"

#include <doctest/doctest.h>

#include <cstdint>

#include "settlement/center_files_test_util.h"
#include "settlement/settle_file.h"

namespace repay::settlement {
namespace {

using testing::FakeCenterFilesStore;
using testing::TempDir;

const Date kDay(2026, 11, 21);
const Instant kAt = cst_time_on(kDay, 10 * 60 + 30);  // 10:30 CST

ReconLine repay_b(std::string txn, Fen amount, Fen fee) {
  return ReconLine{std::move(txn), false, "B", "B001", "ITEM1", amount, fee, amount + fee, kAt};
}
ReconLine repay_r(std::string txn, Fen amount) {
  return ReconLine{std::move(txn), false, "R", "", "REQ9", amount, 0, amount, kAt};
}
ReconLine refund(std::string txn, Fen amount, Fen fee) {
  return ReconLine{std::move(txn), true, "B", "B001", "RF2026112100000001", amount, fee,
                   amount + fee, kAt};
}

TEST_CASE("RECON name and lines") {
  CHECK(recon_file_name("CC01", kDay) == "RECON_CC01_20261121.txt");
  CHECK(*format_recon_line(repay_b("T1", 10000, 200)) ==
        "D|T1|REPAY|B|B001|ITEM1|10000|200|10200|20261121103000");
  // files.md: batchNo is empty for R.
  ReconLine r = repay_r("T2", 500);
  r.batch_no = "leftover";
  CHECK(*format_recon_line(r) == "D|T2|REPAY|R||REQ9|500|0|500|20261121103000");
  CHECK(*format_recon_line(refund("T1", 3000, 60)) ==
        "D|T1|REFUND|B|B001|RF2026112100000001|3000|60|3060|20261121103000");
}

TEST_CASE("RECON values that do not fit are refused, never written") {
  ReconLine l = repay_b("T1", 0, 0);
  CHECK(format_recon_line(l).error().field == "amount");
  l = repay_b("T1", kMaxAmount + 1, 0);
  CHECK(format_recon_line(l).error().code == "RANGE");
  l = repay_b("T1", 100, -1);
  CHECK(format_recon_line(l).error().field == "fee");
  l.fee = 0;
  l.source = "X";
  CHECK(format_recon_line(l).error().field == "source");
}

TEST_CASE("RECON header: netAmount = repayAmount - refundAmount, may be negative") {
  CHECK(*format_recon_header("CC01", kDay, ReconTotals{2, 10500, 1, 3000}) ==
        "H|CC01|20261121|2|10500|1|3000|7500");
  CHECK(*format_recon_header("CC01", kDay, ReconTotals{0, 0, 1, 3000}) ==
        "H|CC01|20261121|0|0|1|3000|-3000");
  CHECK(*format_recon_header("CC01", kDay, ReconTotals{}) == "H|CC01|20261121|0|0|0|0|0");
}

TEST_CASE("write_recon_file streams header and lines; a zero-count file on a quiet day") {
  TempDir dir;
  FakeCenterFilesStore store;
  auto quiet = write_recon_file(store, "CC01", kDay, files::Encoding::kUtf8, dir.path() + "/q.txt", kAt);
  REQUIRE(quiet.ok());
  CHECK(quiet->created);
  CHECK(TempDir::read(dir.path() + "/q.txt") == "H|CC01|20261121|0|0|0|0|0\n");

  store.recorded.reset();  // another day's store
  store.lines = {repay_b("T1", 10000, 200), repay_r("T2", 500), refund("T1", 3000, 60)};
  auto w = write_recon_file(store, "CC01", kDay, files::Encoding::kUtf8, dir.path() + "/r.txt", kAt);
  REQUIRE(w.ok());
  const std::string text = TempDir::read(dir.path() + "/r.txt");
  CHECK(text ==
        "H|CC01|20261121|2|10500|1|3000|7500\n"
        "D|T1|REPAY|B|B001|ITEM1|10000|200|10200|20261121103000\n"
        "D|T2|REPAY|R||REQ9|500|0|500|20261121103000\n"
        "D|T1|REFUND|B|B001|RF2026112100000001|3000|60|3060|20261121103000\n");
  CHECK(w->done.size == text.size());
  CHECK(w->totals == ReconTotals{2, 10500, 1, 3000});

  // GBK: the same ASCII bytes (decode-first readers see the same text).
  auto g = write_recon_file(store, "CC01", kDay, files::Encoding::kGbk, dir.path() + "/g.txt", kAt);
  REQUIRE(g.ok());
  CHECK_FALSE(g->created);  // built before: the same figures
  CHECK(TempDir::read(dir.path() + "/g.txt") == text);
  CHECK(g->done.sha256 == w->done.sha256);
}

TEST_CASE("write_recon_file: once built, the figures are the file's for good") {
  TempDir dir;
  FakeCenterFilesStore store;
  store.lines = {repay_b("T1", 10000, 0)};
  auto first = write_recon_file(store, "CC01", kDay, files::Encoding::kUtf8, dir.path() + "/a.txt", kAt);
  REQUIRE(first.ok());
  // Day T's transactions are not what they were when its file was built: nothing is published
  // in place of the first file.
  store.lines.push_back(repay_r("T2", 500));
  auto second = write_recon_file(store, "CC01", kDay, files::Encoding::kUtf8, dir.path() + "/b.txt", kAt);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == "RECON");
  CHECK(store.recorded == ReconTotals{1, 10000, 0, 0});
}

TEST_CASE("write_recon_file refuses lines that disagree with the header") {
  TempDir dir;
  FakeCenterFilesStore store;
  store.lines = {repay_b("T1", 10000, 0)};
  store.totals_from_lines = false;
  store.totals = ReconTotals{1, 9999, 0, 0};
  auto w = write_recon_file(store, "CC01", kDay, files::Encoding::kUtf8, dir.path() + "/r.txt", kAt);
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().code == "RECON");
}

TEST_CASE("SETTLE name: one per center and day") {
  CHECK(settle_file_name("CC01", kDay) == "SETTLE_CC01_20261121.txt");
}

TEST_CASE("SETTLE header: net = repay - refund - held + released, may be negative") {
  SettleFigures f;
  f.center_id = "CC01";
  f.day = kDay;
  f.mode = 1;
  f.repay_count = 3;
  f.repay_amount = 30000;
  f.refund_count = 1;
  f.refund_amount = 1000;
  f.pending_review = 2;
  f.exceptions = 1;
  f.held = HeldFigures{1, 5000, 2, 700};
  CHECK(*settle_net_amount(f) == 30000 - 1000 - 5000 + 700);
  CHECK(*format_settle_header(f) == "H|CC01|20261121|1|3|30000|1|1000|24700|2|1|1|5000|2|700");
  f.repay_amount = 0;
  f.repay_count = 0;
  f.held = HeldFigures{};
  CHECK(*format_settle_header(f) == "H|CC01|20261121|1|0|0|1|1000|-1000|2|1|0|0|0|0");
  f.mode = 3;
  CHECK(format_settle_header(f).error().field == "mode");
  f.mode = 2;
  f.repay_amount = INT64_MAX;  // checked arithmetic: an overflow is refused, never wrapped
  f.refund_amount = 0;
  f.held.released_amount = 1;
  CHECK(format_settle_header(f).error().field == "netAmount");
}

TEST_CASE("write_settle_file: mode 1 from the RECON file's recorded figures; once per day") {
  TempDir dir;
  FakeCenterFilesStore store;
  store.lines = {repay_b("T1", 10000, 200), refund("T1", 3000, 60)};
  store.review = ReviewCounts{1, 4};
  // Not before the RECON file of the day was built.
  auto early = write_settle_file(store, "CC01", kDay, 1, HeldFigures{}, files::Encoding::kUtf8,
                                 dir.path(), kAt);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().code == "NOT_READY");
  REQUIRE(write_recon_file(store, "CC01", kDay, files::Encoding::kUtf8, dir.path() + "/r.txt", kAt).ok());
  // The store's live figures moved on after the RECON file: SETTLE takes the file's.
  store.lines.push_back(repay_r("T9", 777));
  auto a = write_settle_file(store, "CC01", kDay, 1, HeldFigures{}, files::Encoding::kUtf8,
                             dir.path(), kAt);
  REQUIRE(a.ok());
  CHECK(a->name == "SETTLE_CC01_20261121.txt");
  CHECK(a->created);
  CHECK(TempDir::read(dir.path() + "/" + a->name) ==
        "H|CC01|20261121|1|1|10000|1|3000|7000|1|4|0|0|0|0\n");
  // Figures that change later (a held success, the backlog): no second file, the same bytes.
  store.review = ReviewCounts{0, 0};
  auto again = write_settle_file(store, "CC01", kDay, 1, HeldFigures{1, 10000, 0, 0},
                                 files::Encoding::kUtf8, dir.path(), kAt);
  REQUIRE(again.ok());
  CHECK(again->name == a->name);
  CHECK_FALSE(again->created);
  CHECK(store.versions.size() == 1);
  CHECK(TempDir::read(dir.path() + "/" + a->name) ==
        "H|CC01|20261121|1|1|10000|1|3000|7000|1|4|0|0|0|0\n");
}

TEST_CASE("write_settle_file: mode 2 from the posting file, not before it is used") {
  TempDir dir;
  FakeCenterFilesStore store;
  store.lines = {repay_b("T1", 10000, 200), repay_r("T2", 500), refund("T1", 3000, 60)};
  store.posted = RepayFigures{1, 10000};
  auto early = write_settle_file(store, "CC01", kDay, 2, HeldFigures{}, files::Encoding::kUtf8,
                                 dir.path(), kAt);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().code == "NOT_READY");
  CHECK(store.versions.empty());
  store.used_posting = true;
  auto s = write_settle_file(store, "CC01", kDay, 2, HeldFigures{}, files::Encoding::kGbk,
                             dir.path(), kAt);
  REQUIRE(s.ok());
  // Repay figures: the posting file's matched lines (1, 10000), not our 2 successes.
  CHECK(s->header == "H|CC01|20261121|2|1|10000|1|3000|7000|0|0|0|0|0|0");
}

}  // namespace
}  // namespace repay::settlement
