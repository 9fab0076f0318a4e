#include "core/money.h"

#include <limits>

#include <doctest/doctest.h>

namespace repay {
namespace {

constexpr Fen kMax = std::numeric_limits<Fen>::max();
constexpr Fen kMin = std::numeric_limits<Fen>::min();

TEST_CASE("checked arithmetic") {
  CHECK(checked_add(1, 2) == 3);
  CHECK(checked_add(kMax - 1, 1) == kMax);
  CHECK_FALSE(checked_add(kMax, 1));
  CHECK_FALSE(checked_add(kMin, -1));
  CHECK(checked_sub(5, 7) == -2);
  CHECK_FALSE(checked_sub(kMin, 1));
  CHECK_FALSE(checked_sub(0, kMin));
  CHECK(checked_mul(kMaxAmount, 1000) == kMaxAmount * 1000);
  CHECK_FALSE(checked_mul(kMax / 2 + 1, 2));
  CHECK_FALSE(checked_mul(kMin, -1));
}

TEST_CASE("percent_of rounds half up per item") {
  CHECK(percent_of(10000, 60) == 60);   // 0.6% of 100.00 yuan
  CHECK(percent_of(100, 50) == 1);      // 0.5 -> 1
  CHECK(percent_of(100, 49) == 0);      // 0.49 -> 0
  CHECK(percent_of(1, 5000) == 1);      // 0.5 -> 1
  CHECK(percent_of(1, 4999) == 0);
  CHECK(percent_of(0, 60) == 0);
  CHECK(percent_of(12345, 0) == 0);
  CHECK(percent_of(12345, 10000) == 12345);
  CHECK(percent_of(kMaxAmount, 10000) == kMaxAmount);  // no overflow in the product
  CHECK(percent_of(kMaxAmount, 60) == 600'000'000);  // 599999999.9994 -> 600000000
}

TEST_CASE("refund fees on the running total never drift") {
  SUBCASE("fee 3, principal 100, refunds 33/33/34") {
    Fen r1 = refund_fee(3, 100, 0, 33, 0);
    Fen r2 = refund_fee(3, 100, 33, 33, r1);
    Fen r3 = refund_fee(3, 100, 66, 34, r1 + r2);
    CHECK(r1 == 1);
    CHECK(r2 == 1);
    CHECK(r3 == 1);
    CHECK(r1 + r2 + r3 == 3);
  }
  SUBCASE("fee 1, principal 3, refunds 1/1/1") {
    Fen r1 = refund_fee(1, 3, 0, 1, 0);
    Fen r2 = refund_fee(1, 3, 1, 1, r1);
    Fen r3 = refund_fee(1, 3, 2, 1, r1 + r2);
    CHECK(r1 == 0);  // 0.33 -> 0
    CHECK(r2 == 1);  // 0.67 -> 1
    CHECK(r3 == 0);
    CHECK(r1 + r2 + r3 == 1);
  }
  SUBCASE("one full refund returns the whole fee") {
    CHECK(refund_fee(60, 10000, 0, 10000, 0) == 60);
  }
  SUBCASE("half up at exactly one half") {
    CHECK(refund_fee(1, 2, 0, 1, 0) == 1);
    CHECK(refund_fee(1, 2, 1, 1, 1) == 0);
  }
  SUBCASE("many one-fen refunds add up to the fee") {
    Fen principal = 997, fee = 61, returned = 0;
    for (Fen refunded = 0; refunded < principal; ++refunded) {
      Fen r = refund_fee(fee, principal, refunded, 1, returned);
      CHECK(r >= 0);
      returned += r;
    }
    CHECK(returned == fee);
  }
  SUBCASE("largest amounts do not overflow") {
    Fen fee = percent_of(kMaxAmount, 10000);
    Fen r1 = refund_fee(fee, kMaxAmount, 0, kMaxAmount / 3, 0);
    Fen r2 = refund_fee(fee, kMaxAmount, kMaxAmount / 3, kMaxAmount - kMaxAmount / 3, r1);
    CHECK(r1 == kMaxAmount / 3);
    CHECK(r1 + r2 == fee);
  }
  SUBCASE("zero fee or zero principal") {
    CHECK(refund_fee(0, 100, 0, 50, 0) == 0);
    CHECK(refund_fee(5, 0, 0, 0, 0) == 0);
  }
}

TEST_CASE("format_amount") {
  CHECK(format_amount(0) == "0");
  CHECK(format_amount(123) == "123");
  CHECK(format_amount(-5) == "-5");
  CHECK(format_amount(kMaxAmount) == "99999999999");
}

}  // namespace
}  // namespace repay
