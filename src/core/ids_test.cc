#include "core/ids.h"

#include <doctest/doctest.h>

namespace repay {
namespace {

const Instant kAt = *parse_cst_timestamp("20260302073000");

TEST_CASE("ReqSn: RS and 14 digits, zero-padded") {
  CHECK(ids::req_sn(1) == "RS00000000000001");
  CHECK(ids::req_sn(12345678901234) == "RS12345678901234");
  CHECK(ids::req_sn(42).size() == 16);
}

TEST_CASE("TxnNo, RefundNo, AgreementNo: prefix, CST date, 10 digits") {
  CHECK(ids::txn_no(kAt, 7) == "T202603020000000007");
  CHECK(ids::refund_no(kAt, 7) == "RF202603020000000007");
  CHECK(ids::agreement_no(kAt, 1234567890) == "AG202603021234567890");
}

TEST_CASE("the date is CST's, not UTC's") {
  const Instant utc_evening = *parse_cst_timestamp("20260302000500");  // 2026-03-01 16:05 UTC
  CHECK(ids::txn_no(utc_evening, 1) == "T202603020000000001");
  CHECK(ids::txn_no(utc_evening - std::chrono::minutes(10), 1) == "T202603010000000001");
}

TEST_CASE("a batch item's reference: center, batchNo and seq, colon-separated") {
  CHECK(ids::batch_item_ref("CC01", "B20261207001", 42) == "CC01:B20261207001:42");
}

}  // namespace
}  // namespace repay
