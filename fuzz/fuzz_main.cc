// One libFuzzer binary per entry point of targets.h: CMake (REPAY_FUZZ) compiles this file once
// per target with REPAY_FUZZ_ENTRY set to the function's name.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return repay::fuzz::REPAY_FUZZ_ENTRY(data, size);
}
