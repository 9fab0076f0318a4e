#include "crypto/crypto.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include <doctest/doctest.h>

namespace repay::crypto {
namespace {

const std::string kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

FieldCipher cipher() {
  auto c = FieldCipher::from_hex_key(kHexKey);
  REQUIRE(c.ok());
  return *c;
}

// A fresh temporary directory, removed with its files at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/repay_crypto_test_XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST_CASE("HMAC-SHA256: RFC 4231 test cases 1 and 2") {
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
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
  SUBCASE("create in a missing directory fails") {
    auto r = FieldCipher::create_key_file(dir.path + "/no/such/dir/key");
    CHECK_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace repay::crypto
