// The intake's writer thread (batch/intake_writer.h) against a recording ItemLoader: order kept,
// 2006 decided by the writer and winning over the reading thread's result, an error stopping both
// threads, and an abandoned writer storing nothing more.
#include <doctest/doctest.h>

#include <atomic>
#include <set>

#include "batch/intake_writer.h"
#include "core/codes.h"

namespace repay::batch {
namespace {

class RecordingLoader final : public ItemLoader {
 public:
  std::set<std::string> used;
  std::vector<NewItem> added;
  int64_t fail_at_seq = -1;  // add() of this seq fails

  Result<bool> use_item_id(const std::string& item_id, int64_t) override {
    return used.insert(item_id).second;
  }
  Result<std::shared_ptr<LoadedAgreement>> agreement(const std::string&) override {
    return std::shared_ptr<LoadedAgreement>();
  }
  Status add(const NewItem& item) override {
    if (item.seq == fail_at_seq) return make_error("DB", "disk full");
    added.push_back(item);
    return ok_status();
  }
  Status suspend() override { return ok_status(); }
  Status finish(const FileRecord&) override { return ok_status(); }
};

NewItem sendable(int64_t seq, std::string item_id) {
  NewItem i;
  i.seq = seq;
  i.item_id = std::move(item_id);
  i.agreement_no = "AG1";
  i.channel_id = "CB1";
  i.amount = 100;
  i.fee = 1;
  i.debit_amount = 101;
  i.fee_rule = "FIXED:1/CARDHOLDER";
  return i;
}

TEST_CASE("the writer stores every item in order; a used itemId is 2006 whatever else was found") {
  RecordingLoader loader;
  const int64_t n = 3 * static_cast<int64_t>(IntakeWriter::kGroupItems) + 7;  // groups and a rest
  {
    IntakeWriter w(loader);
    for (int64_t seq = 1; seq <= n; ++seq) {
      NewItem i = sendable(seq, "IT" + std::to_string(seq));
      if (seq == 10) i.item_id = "IT3";                                // repeats seq 3's
      if (seq == 11) { i = sendable(seq, "IT5"); i.reject_code = codes::kInvalidCard; }  // 2003 and a repeat
      if (seq == 12) i.reject_code = codes::kInvalidId;                // 2004 only
      REQUIRE(w.add(std::move(i)));
    }
    auto rejected = w.finish();
    REQUIRE(rejected);
    CHECK(*rejected == 3);
  }
  REQUIRE(static_cast<int64_t>(loader.added.size()) == n);
  for (int64_t k = 0; k < n; ++k) CHECK(loader.added[static_cast<size_t>(k)].seq == k + 1);
  const NewItem& dup = loader.added[9];
  CHECK(dup.reject_code == codes::kDuplicate);
  CHECK(dup.item_id == "IT3");
  CHECK(dup.channel_id.empty());  // a rejected item is sent nowhere and carries no fee
  CHECK(dup.fee == 0);
  CHECK(dup.debit_amount == 0);
  CHECK(dup.fee_rule.empty());
  CHECK(dup.amount == 100);
  CHECK(loader.added[10].reject_code == codes::kDuplicate);  // 2006 comes first
  CHECK(loader.added[11].reject_code == codes::kInvalidId);
  CHECK(loader.added[2].reject_code.empty());  // the original
}

TEST_CASE("an error of the writer stops the reading thread and is what finish() returns") {
  RecordingLoader loader;
  loader.fail_at_seq = 5;
  IntakeWriter w(loader);
  int64_t seq = 0;
  bool stopped = false;
  while (seq < 100'000) {
    ++seq;
    if (!w.add(sendable(seq, "IT" + std::to_string(seq)))) {
      stopped = true;
      break;
    }
  }
  CHECK(stopped);  // the hand-off holds a few groups: reading stops long before the end
  CHECK(seq < 100'000);
  auto r = w.finish();
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "disk full");
  CHECK(loader.added.size() == 4);
}

TEST_CASE("a writer abandoned without finish() stores nothing after its current group") {
  RecordingLoader loader;
  {
    IntakeWriter w(loader);
    for (int64_t seq = 1; seq <= 10; ++seq) REQUIRE(w.add(sendable(seq, "IT" + std::to_string(seq))));
    // less than a group: never handed over
  }
  CHECK(loader.added.empty());
}

TEST_CASE("the hand-off: bounded, closed after the last group, stopped at once") {
  ItemHandoff h(2);
  REQUIRE(h.push({sendable(1, "A")}));
  REQUIRE(h.push({sendable(2, "B")}));
  std::atomic<bool> third{false};
  std::thread producer([&] {
    third = h.push({sendable(3, "C")});  // waits for room
  });
  auto g = h.pop();
  REQUIRE(g);
  CHECK((*g)[0].item_id == "A");
  producer.join();
  CHECK(third);
  h.close();
  CHECK((*h.pop())[0].item_id == "B");
  CHECK((*h.pop())[0].item_id == "C");
  CHECK_FALSE(h.pop());  // closed and drained

  ItemHandoff s(1);
  REQUIRE(s.push({sendable(1, "A")}));
  s.stop();
  CHECK_FALSE(s.pop());          // what was queued is dropped
  CHECK_FALSE(s.push({sendable(2, "B")}));
}

}  // namespace
}  // namespace repay::batch
