// The packed form of a batch's items (store/batch_blocks.h): what goes in comes out, in order,
// and bytes cut anywhere are an error, never a shorter list. The SQL side (unpacking by claim and
// by force-fail) is tested through the store in conformance/batch_test.cc.
#include <algorithm>

#include <doctest/doctest.h>

#include "store/batch_blocks.h"

namespace repay::store {
namespace {

batch::NewItem item(int64_t seq, std::string memo) {
  batch::NewItem i;
  i.seq = seq;
  i.item_id = "IT" + std::to_string(seq);
  i.agreement_no = "AG" + std::to_string(seq % 7);
  i.channel_id = seq % 2 ? "COLL01" : "QUICK01";
  i.amount = 100 * seq;
  i.fee = seq;
  i.cardholder_fee = seq % 3;
  i.debit_amount = 100 * seq + seq % 3;
  i.fee_rule = "R:0.10%";
  i.memo = std::move(memo);
  return i;
}

TEST_CASE("a block gives back its items in order, every field, empty and multi-byte text too") {
  std::vector<batch::NewItem> in = {item(1, ""), item(2, "还款 repayment"), item(3, std::string(300, 'm')),
                                    item(4'000'000'000LL, "x")};
  std::string block;
  for (const auto& i : in) append_block_item(block, i);
  auto out = decode_block(block);
  REQUIRE(out);
  REQUIRE(out->size() == in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    const auto& a = in[k];
    const auto& b = (*out)[k];
    CHECK(b.seq == a.seq);
    CHECK(b.item_id == a.item_id);
    CHECK(b.agreement_no == a.agreement_no);
    CHECK(b.channel_id == a.channel_id);
    CHECK(b.amount == a.amount);
    CHECK(b.fee == a.fee);
    CHECK(b.cardholder_fee == a.cardholder_fee);
    CHECK(b.debit_amount == a.debit_amount);
    CHECK(b.fee_rule == a.fee_rule);
    CHECK(b.memo == a.memo);
    CHECK(b.reject_code.empty());
  }
  auto none = decode_block("");
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("a block cut short anywhere is an error") {
  std::string block;
  std::vector<size_t> ends;  // where each item ends: cut there, the block is a shorter valid one
  for (int64_t s = 1; s <= 3; ++s) {
    append_block_item(block, item(s, "memo"));
    ends.push_back(block.size());
  }
  for (size_t cut = 1; cut < block.size(); ++cut) {
    if (std::find(ends.begin(), ends.end(), cut) != ends.end()) continue;
    CAPTURE(cut);
    auto out = decode_block(std::string_view(block).substr(0, cut));
    CHECK_FALSE(out);
  }
}

}  // namespace
}  // namespace repay::store
