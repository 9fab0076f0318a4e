#include "store/conformance/suite_store.h"

#include <cstdlib>
#include <stdexcept>

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

}  // namespace

std::string engine_under_test() {
  const char* e = std::getenv("REPAY_CONFORMANCE_ENGINE");
  return e && *e ? e : "sqlite";
}

std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& dir, int connections) {
  return open_store_under_test(dir + "/repay.db", test_cipher(), connections);
}

std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& path,
                                                      const crypto::FieldCipher& cipher,
                                                      int connections, bool group_commit) {
  auto s = try_open_store_under_test(path, cipher, connections, group_commit);
  if (!s) throw std::runtime_error(s.error().to_string());
  return std::move(*s);
}

Result<std::unique_ptr<StoreUnderTest>> try_open_store_under_test(const std::string& path,
                                                                  const crypto::FieldCipher& cipher,
                                                                  int connections,
                                                                  bool group_commit) {
  StoreUnderTest::Options o;
  o.engine = engine_under_test();
  o.connections = connections;
  o.group_commit = group_commit;
  return StoreUnderTest::open(path, cipher, o);
}

}  // namespace repay::store::conformance
