#include "simulator/sharded_map.h"

#include <doctest/doctest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace repay::sim {

TEST_CASE("sharded map: find, emplace, at, erase and size behave like one map") {
  ShardedMap<int, 8> m;
  CHECK(m.size() == 0);
  CHECK(m.find("RS1") == nullptr);
  auto [v, inserted] = m.emplace("RS1", 10);
  REQUIRE(v != nullptr);
  CHECK(inserted);
  CHECK(*v == 10);
  auto [again, inserted_again] = m.emplace("RS1", 99);  // present: kept, the new value dropped
  CHECK_FALSE(inserted_again);
  CHECK(again == v);
  CHECK(*again == 10);
  *m.find("RS1") += 1;
  CHECK(m.at("RS1") == 11);
  CHECK_THROWS_AS(m.at("RS2"), std::out_of_range);
  const ShardedMap<int, 8>& cm = m;
  CHECK(cm.find("RS1") != nullptr);
  CHECK(cm.at("RS1") == 11);
  CHECK(m.erase("RS2") == 0);
  CHECK(m.erase("RS1") == 1);
  CHECK(m.find("RS1") == nullptr);
  CHECK(m.size() == 0);
}

TEST_CASE("sharded map: many keys spread over the shards, each found, each listed once") {
  ShardedMap<int> m;
  std::map<std::string, int> expected;
  for (int i = 0; i < 20000; ++i) {
    std::string key = "RS" + std::to_string(10000000 + i);  // ReqSn-like: long shared prefix
    m.emplace(key, i);
    expected[key] = i;
  }
  CHECK(m.size() == expected.size());
  // Spread: no shard holds much more than its 64th (312 here); one growing map would hold all.
  CHECK(m.largest_shard() < 2 * 20000 / 64);
  for (const auto& [k, v] : expected) {
    const int* got = m.find(k);
    REQUIRE(got != nullptr);
    CHECK(*got == v);
  }
  std::map<std::string, int> listed;
  m.for_each([&](const std::string& k, const int& v) { CHECK(listed.emplace(k, v).second); });
  CHECK(listed == expected);
  for (int i = 0; i < 20000; i += 2) CHECK(m.erase("RS" + std::to_string(10000000 + i)) == 1);
  CHECK(m.size() == 10000);
  CHECK(m.find("RS10000000") == nullptr);
  CHECK(m.find("RS10000001") != nullptr);
}

}  // namespace repay::sim
