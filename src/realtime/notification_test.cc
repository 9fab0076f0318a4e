#include "realtime/notification.h"

#include <doctest/doctest.h>

namespace repay::realtime {
namespace {

using namespace std::chrono_literals;

const Instant kFirst = from_unix_ms(1'700'000'000'000);
const std::vector<std::chrono::seconds> kSpec = {15s, 1min, 5min, 15min, 1h, 2h, 6h, 15h};

TEST_CASE("next_try follows center-api.md's schedule from the first try") {
  CHECK(next_try(kFirst, 1, kSpec) == kFirst + 15s);
  CHECK(next_try(kFirst, 2, kSpec) == kFirst + 1min);
  CHECK(next_try(kFirst, 5, kSpec) == kFirst + 1h);
  CHECK(next_try(kFirst, 8, kSpec) == kFirst + 15h);
}

TEST_CASE("next_try gives up after the last retry has failed") {
  CHECK_FALSE(next_try(kFirst, 9, kSpec).has_value());
  CHECK_FALSE(next_try(kFirst, 100, kSpec).has_value());
}

TEST_CASE("next_try before any failed try is the first try itself") {
  CHECK(next_try(kFirst, 0, kSpec) == kFirst);
}

TEST_CASE("next_try with an empty schedule gives up after the first failure") {
  CHECK(next_try(kFirst, 0, {}) == kFirst);
  CHECK_FALSE(next_try(kFirst, 1, {}).has_value());
}

TEST_CASE("next_try takes a center's own schedule") {
  const std::vector<std::chrono::seconds> two = {30s, 2min};
  CHECK(next_try(kFirst, 1, two) == kFirst + 30s);
  CHECK(next_try(kFirst, 2, two) == kFirst + 2min);
  CHECK_FALSE(next_try(kFirst, 3, two).has_value());
}

}  // namespace
}  // namespace repay::realtime
