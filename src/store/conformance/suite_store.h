// The store the conformance suite runs against, seen only through its ports. One function opens
// it: pointing the suite at another engine (issue 17: a setting, the store factory) changes that
// function and no test.
#pragma once

#include <memory>
#include <string>

#include "batch/ports.h"
#include "realtime/outbox.h"
#include "realtime/ports.h"
#include "settlement/center_files_ports.h"
#include "settlement/ports.h"
#include "signing/ports.h"
#include "core/audit.h"

namespace repay::store::conformance {

class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual signing::SigningStore& signing() = 0;
  virtual batch::BatchStore& batches() = 0;
  virtual realtime::RealtimeStore& realtime() = 0;
  virtual realtime::NotificationOutbox& outbox() = 0;
  virtual settlement::CenterFilesStore& center_files() = 0;
  virtual settlement::ReconStore& recon() = 0;
  virtual AuditLog& audit() = 0;
};

// A fresh, empty store in the folder `dir` (created by the caller), whose every call borrows one
// of `connections` connections: threads calling it at once use connections of their own.
std::unique_ptr<StoreUnderTest> open_store_under_test(const std::string& dir, int connections);

}  // namespace repay::store::conformance
