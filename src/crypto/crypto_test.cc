#include "crypto/crypto.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <doctest/doctest.h>

#include "support/temp_dir.h"

namespace repay::crypto {
namespace {

const std::string kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

FieldCipher cipher() {
  auto c = FieldCipher::from_hex_key(kHexKey);
  REQUIRE(c.ok());
  return *c;
}

// A fresh temporary directory, removed with its files at the end of the test.
using testing::TempDir;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), 0600);  // a key file others can read is refused
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// HMAC-SHA256 through OpenSSL's one-shot HMAC(), as crypto.cc computed it before keys were
// prepared: the reference the prepared contexts must agree with.
std::string one_shot_hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // No REQUIRE here: threads call it too (doctest's assertions are not thread-safe).
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &len) == nullptr) {
    return "HMAC() failed";
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += kDigits[out[i] >> 4];
    hex += kDigits[out[i] & 0xF];
  }
  return hex;
}

TEST_CASE("HMAC-SHA256: RFC 4231 test cases 1 to 7") {
  struct Vector {
    std::string key, data, mac;
  };
  const std::string long_key(131, '\xaa');
  const std::vector<Vector> vectors = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      // Test case 5 is truncated to 128 bits: its first 32 hex digits.
      {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {long_key,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  // Twice over: the first round prepares each key, the second reuses the prepared contexts.
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < vectors.size(); ++i) {
      CAPTURE(round);
      CAPTURE(i);
      const auto& v = vectors[i];
      CHECK(hmac_sha256_hex(v.key, v.data).substr(0, v.mac.size()) == v.mac);
      CHECK(one_shot_hex(v.key, v.data).substr(0, v.mac.size()) == v.mac);
    }
  }
}

TEST_CASE("HMAC-SHA256: an empty key and empty data") {
  const std::string expected = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  CHECK(hmac_sha256_hex("", "") == expected);
  CHECK(hmac_sha256_hex("", "") == expected);  // prepared
  CHECK(one_shot_hex("", "") == expected);
  CHECK(hmac_sha256_hex("", "x") == one_shot_hex("", "x"));
}

TEST_CASE("HMAC-SHA256: parts hash as their concatenation") {
  const std::string key = "bench-secret-0123456789abcdef";
  CHECK(hmac_sha256_hex(key, {"CC01", "\n", "20261122083000", "\n", "", "\n", "POST /x", "\n",
                              "<Request/>"}) ==
        hmac_sha256_hex(key, "CC01\n20261122083000\n\nPOST /x\n<Request/>"));
  CHECK(hmac_sha256_hex(key, std::initializer_list<std::string_view>{}) ==
        one_shot_hex(key, ""));
  CHECK(hmac_sha256_hex("Jefe", {"what do ya ", "want for nothing?"}) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256: more keys than a thread keeps prepared, in every order") {
  // 40 keys (the cache keeps 16 per thread), some prefixes of others and of different lengths:
  // every answer must be the one-shot HMAC's, whether its key was prepared, evicted or new.
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(std::string(static_cast<size_t>(1 + i % 7), 'k') + std::to_string(i));
  keys.push_back("k");
  keys.push_back("k1");  // a prefix of "k10" .. "k19"
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto& key = keys[(i * 7 + static_cast<size_t>(round) * 3) % keys.size()];
      const std::string data = "data " + std::to_string(i) + std::string(i * 5, 'd');
      REQUIRE(hmac_sha256_hex(key, data) == one_shot_hex(key, data));
      REQUIRE(hmac_sha256_hex(keys[0], data) == one_shot_hex(keys[0], data));  // a hot key
    }
  }
}

TEST_CASE("HMAC-SHA256 and FieldCipher: threads each with their own prepared contexts") {
  FieldCipher c = cipher();
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  const std::string blob = c.encrypt("6222021234567890123");
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const std::string key = "key" + std::to_string((t + i) % 5);
        const std::string data = std::to_string(t) + "/" + std::to_string(i);
        if (hmac_sha256_hex(key, data) != one_shot_hex(key, data)) ++wrong;
        auto back = c.decrypt(c.encrypt(data));
        if (!back.ok() || *back != data) ++wrong;
        auto old = c.decrypt(blob);
        if (!old.ok() || *old != "6222021234567890123") ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("SHA-256 known vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("constant_time_equal") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK_FALSE(constant_time_equal("", "a"));
}

TEST_CASE("random tokens and bytes") {
  CHECK(random_bytes(0).empty());
  CHECK(random_bytes(33).size() == 33);
  CHECK(random_token(0).empty());
  std::set<std::string> seen;
  std::set<char> chars;
  for (int i = 0; i < 200; ++i) {
    std::string t = random_token(32);
    REQUIRE(t.size() == 32);
    for (char c : t) {
      bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      REQUIRE(ok);
      chars.insert(c);
    }
    seen.insert(t);
  }
  CHECK(seen.size() == 200);
  CHECK(chars.size() == 62);  // 6400 draws reach every character of the alphabet
}

TEST_CASE("FieldCipher: round trip, fresh nonce, layout") {
  FieldCipher c = cipher();
  for (std::string plain : {std::string(), std::string("6222021234567890123"),
                            std::string("\xE5\xBC\xA0\xE4\xB8\x89"), std::string(1000, 'z')}) {
    std::string blob = c.encrypt(plain);
    CHECK(blob.size() == 1 + 12 + plain.size() + 16);
    CHECK(blob[0] == '\x01');
    auto back = c.decrypt(blob);
    REQUIRE(back.ok());
    CHECK(*back == plain);
  }
  CHECK(c.encrypt("same") != c.encrypt("same"));
}

TEST_CASE("FieldCipher: tampering and wrong keys are detected") {
  FieldCipher c = cipher();
  std::string blob = c.encrypt("6222021234567890123");
  for (size_t i = 0; i < blob.size(); ++i) {
    std::string bad = blob;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto r = c.decrypt(bad);
    CAPTURE(i);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "CRYPTO");
  }
  CHECK_FALSE(c.decrypt(blob.substr(0, blob.size() - 1)).ok());
  CHECK_FALSE(c.decrypt(blob + "x").ok());
  CHECK_FALSE(c.decrypt("").ok());
  CHECK_FALSE(c.decrypt(std::string(28, '\x01')).ok());
  // The thread's prepared context is reset by the next nonce: failures leave nothing behind.
  auto good = c.decrypt(blob);
  REQUIRE(good.ok());
  CHECK(*good == "6222021234567890123");

  std::string other_key = kHexKey;
  other_key[0] = '1';
  auto other = FieldCipher::from_hex_key(other_key);
  REQUIRE(other.ok());
  CHECK_FALSE(other->decrypt(blob).ok());
}

TEST_CASE("FieldCipher: lookup hashes") {
  FieldCipher c = cipher();
  CHECK(c.lookup_hash("6222021234567890123") == c.lookup_hash("6222021234567890123"));
  CHECK(c.lookup_hash("6222021234567890123") != c.lookup_hash("6222021234567890124"));
  CHECK(c.lookup_hash("x").size() == 64);
  // Keyed: not a plain SHA-256, and not an HMAC under the master key itself.
  CHECK(c.lookup_hash("x") != sha256_hex("x"));
  std::string master;
  for (size_t i = 0; i < 32; ++i) master += static_cast<char>(i);
  CHECK(c.lookup_hash("x") != hmac_sha256_hex(master, "x"));
  CHECK(c.lookup_hash("x") == hmac_sha256_hex(
                                  [&] {
                                    std::string k;
                                    std::string hex = hmac_sha256_hex(master, "repay-lookup-v1");
                                    for (size_t i = 0; i < hex.size(); i += 2) {
                                      k += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
                                    }
                                    return k;
                                  }(),
                                  "x"));
}

TEST_CASE("from_hex_key rejects malformed keys") {
  CHECK(FieldCipher::from_hex_key(std::string(64, 'A')).ok());  // upper-case hex is hex too
  for (std::string bad : {std::string(), std::string(63, 'a'), std::string(65, 'a'),
                          std::string(63, 'a') + "g", kHexKey + "\n"}) {
    auto r = FieldCipher::from_hex_key(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "CONFIG");
  }
}

TEST_CASE("key files") {
  TempDir dir;
  std::string path = dir.path + "/master.key";

  SUBCASE("create, then read back; never overwrite") {
    REQUIRE(FieldCipher::create_key_file(path).ok());
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(st.st_size == 65);
    auto c = FieldCipher::from_key_file(path);
    REQUIRE(c.ok());
    CHECK(*c->decrypt(c->encrypt("abc")) == "abc");
    // Same file, same keys.
    auto c2 = FieldCipher::from_key_file(path);
    REQUIRE(c2.ok());
    CHECK(*c2->decrypt(c->encrypt("abc")) == "abc");
    CHECK(c2->lookup_hash("abc") == c->lookup_hash("abc"));

    auto again = FieldCipher::create_key_file(path);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == "CONFIG");
    auto c3 = FieldCipher::from_key_file(path);
    REQUIRE(c3.ok());
    CHECK(c3->lookup_hash("abc") == c->lookup_hash("abc"));  // untouched
  }
  SUBCASE("with or without a newline") {
    write_file(path, kHexKey);
    auto a = FieldCipher::from_key_file(path);
    write_file(path, kHexKey + "\n");
    auto b = FieldCipher::from_key_file(path);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->lookup_hash("q") == b->lookup_hash("q"));
    CHECK(a->lookup_hash("q") == cipher().lookup_hash("q"));
  }
  SUBCASE("missing or malformed files name the file") {
    auto r = FieldCipher::from_key_file(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "CONFIG");
    CHECK(r.error().message.find(path) != std::string::npos);
    for (std::string text : {kHexKey + "\n\n", kHexKey + " ", " " + kHexKey, kHexKey + "\r\n",
                             kHexKey.substr(2), std::string()}) {
      write_file(path, text);
      auto m = FieldCipher::from_key_file(path);
      REQUIRE_FALSE(m.ok());
      CHECK(m.error().code == "CONFIG");
      CHECK(m.error().message.find(path) != std::string::npos);
    }
  }
  SUBCASE("a key file group or others can access is refused, naming the file and its mode") {
    REQUIRE(FieldCipher::create_key_file(path).ok());
    for (mode_t mode : {0644, 0640, 0604, 0620, 0601}) {
      REQUIRE(::chmod(path.c_str(), mode) == 0);
      auto r = FieldCipher::from_key_file(path);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == "CONFIG");
      CHECK(r.error().message.find(path) != std::string::npos);
      char m[8];
      std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode));
      CHECK(r.error().message.find(std::string("mode ") + m) != std::string::npos);
    }
    REQUIRE(::chmod(path.c_str(), 0400) == 0);
    CHECK(FieldCipher::from_key_file(path).ok());
  }
  SUBCASE("create in a missing directory fails") {
    auto r = FieldCipher::create_key_file(dir.path + "/no/such/dir/key");
    CHECK_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace repay::crypto
