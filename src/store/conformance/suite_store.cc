#include "store/conformance/suite_store.h"

#include <stdexcept>

#include "crypto/crypto.h"
#include "store/sqlite_store.h"

namespace repay::store::conformance {
namespace {

// A test key: the suite's data is synthetic.
const char* kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

crypto::FieldCipher test_cipher() {
  auto c = crypto::FieldCipher::from_hex_key(kKey);
  if (!c) throw std::runtime_error(c.error().to_string());
  return *c;
}

class SqliteUnderTest final : public StoreUnderTest {
 public:
  SqliteUnderTest(const std::string& dir, int connections) : cipher_(test_cipher()) {
    auto s = SqliteStore::open(dir + "/repay.db", cipher_, connections);
    if (!s) throw std::runtime_error(s.error().to_string());
    store_ = std::move(*s);
  }
  signing::SigningStore& signing() override { return store_->signing(); }
  batch::BatchStore& batches() override { return store_->batches(); }
  realtime::RealtimeStore& realtime() override { return store_->realtime(); }
  realtime::NotificationOutbox& outbox() override { return store_->outbox(); }
  settlement::CenterFilesStore& center_files() override { return store_->center_files(); }
  settlement::ReconStore& recon() override { return store_->recon(); }
  AuditLog& audit() override { return store_->audit(); }

 private:
  crypto::FieldCipher cipher_;  // outlives the store, which keeps a reference to it
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace

std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& dir, int connections) {
  return std::make_unique<SqliteUnderTest>(dir, connections);
}

}  // namespace repay::store::conformance
