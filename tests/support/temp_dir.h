// A fresh folder under the system's temporary directory for one test, removed with everything
// in it when the test ends. For the unit tests beside the code (tests/ is on their include path).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace repay::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "repay_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a folder like " + tmpl);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;  // a test's leftovers must not fail it
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path;
};

}  // namespace repay::testing
