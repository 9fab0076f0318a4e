// A hashed map by string key, split into kShards maps so that growing it never stops the
// simulator for long. A std::unordered_map rehashes all of its entries at once when it doubles:
// with tens of thousands of transactions (or nonces) that is tens of milliseconds under the
// bank's mutex, and every call in flight was answered that much late — a bank that misbehaves
// without being asked to (docs/simulator.md). Here each shard doubles on its own, at a different
// insert, with a kShards-th of the entries.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

namespace repay::sim {

template <class V, size_t kShards = 64>
class ShardedMap {
  static_assert((kShards & (kShards - 1)) == 0, "kShards must be a power of two");

 public:
  V* find(const std::string& key) {
    auto& s = shard(key);
    auto it = s.find(key);
    return it == s.end() ? nullptr : &it->second;
  }
  const V* find(const std::string& key) const { return const_cast<ShardedMap*>(this)->find(key); }
  // Like std::unordered_map::at: std::out_of_range when the key is absent.
  V& at(const std::string& key) {
    V* v = find(key);
    if (v == nullptr) throw std::out_of_range("ShardedMap::at: no such key");
    return *v;
  }
  const V& at(const std::string& key) const { return const_cast<ShardedMap*>(this)->at(key); }
  // The value stored under `key` and whether it was inserted now (false: it was there already,
  // and `value` is dropped).
  std::pair<V*, bool> emplace(const std::string& key, V value) {
    auto [it, inserted] = shard(key).emplace(key, std::move(value));
    return {&it->second, inserted};
  }
  size_t erase(const std::string& key) { return shard(key).erase(key); }
  size_t size() const {
    size_t n = 0;
    for (const auto& s : shards_) n += s.size();
    return n;
  }
  // The entries of the fullest shard: about size() / kShards when the keys spread.
  size_t largest_shard() const {
    size_t n = 0;
    for (const auto& s : shards_) n = std::max(n, s.size());
    return n;
  }
  // Every entry, in no particular order: f(key, value).
  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : shards_) {
      for (const auto& [k, v] : s) f(k, v);
    }
  }

 private:
  using Shard = std::unordered_map<std::string, V>;
  // The top bits of a multiplicative mix of the key's hash: the shards' own buckets use the
  // hash modulo a prime, so the two choices stay independent.
  Shard& shard(const std::string& key) {
    const uint64_t h = static_cast<uint64_t>(std::hash<std::string>{}(key)) * 0x9E3779B97F4A7C15ull;
    return shards_[static_cast<size_t>(h >> (64 - kShift))];
  }
  static constexpr int shift_of(size_t n) { return n <= 1 ? 0 : 1 + shift_of(n / 2); }
  static constexpr int kShift = shift_of(kShards);
  static_assert(kShift > 0, "at least two shards");

  std::array<Shard, kShards> shards_;
};

}  // namespace repay::sim
