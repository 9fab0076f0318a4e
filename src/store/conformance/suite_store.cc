#include "store/conformance/suite_store.h"

#include <cstdlib>
#include <stdexcept>

#include "crypto/crypto.h"

namespace repay::store::conformance {
namespace {

// A test key: the suite's data is synthetic. One cipher for the whole run: it outlives every store
// opened with it.
const crypto::FieldCipher& test_cipher() {
  static const crypto::FieldCipher cipher = [] {
    auto c = crypto::FieldCipher::from_hex_key(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    if (!c) throw std::runtime_error(c.error().to_string());
    return *c;
  }();
  return cipher;
}

// The engine the suite runs on: REPAY_CONFORMANCE_ENGINE (database.engine's values), default sqlite.
std::string engine_under_test() {
  const char* e = std::getenv("REPAY_CONFORMANCE_ENGINE");
  return e && *e ? e : "sqlite";
}

}  // namespace

std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& dir, int connections) {
  StoreOptions o;
  o.engine = engine_under_test();
  o.path = dir + "/repay.db";
  o.connections = connections;
  auto s = open_stores(o, test_cipher());
  if (!s) throw std::runtime_error(s.error().to_string());
  return std::move(*s);
}

}  // namespace repay::store::conformance
