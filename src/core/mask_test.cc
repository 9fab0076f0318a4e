#include "core/mask.h"

#include <doctest/doctest.h>

namespace repay {
namespace {

TEST_CASE("cards: first 6, ****, last 4") {
  CHECK(mask_card("6222021234567890123") == "622202****0123");
  CHECK(mask_card("4111111111111111") == "411111****1111");
  CHECK(mask_card("123456789012") == "123456****9012");
  CHECK(mask_card("1234567890") == "****");  // would show every digit
  CHECK(mask_card("") == "****");
}

TEST_CASE("IDs: first 3, ****, last 2") {
  CHECK(mask_id("11010519491231002X") == "110****2X");
  CHECK(mask_id("E12345678") == "E12****78");
  CHECK(mask_id("12345") == "****");
  CHECK(mask_id("123456") == "123****56");
}

TEST_CASE("mobiles: first 3, ****, last 4") {
  CHECK(mask_mobile("13800138000") == "138****8000");
  CHECK(mask_mobile("1380013") == "****");
}

TEST_CASE("non-ASCII input is never cut mid-character") {
  CHECK(mask_card("\xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8\xAD") == "****");
}

}  // namespace
}  // namespace repay
