// lessons.md (moov-io keeps testdata/crashers/): every input that once crashed a parser is kept in
// fixtures/crashers/ and replayed here through every fuzz entry point, in the normal build (and
// under the sanitizers when the suite runs with REPAY_SANITIZE). The seeds are replayed too, so
// the entry points themselves are tested without clang.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() != ".md") out.push_back(e.path());
  }
  return out;
}

std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int replay(const std::vector<fs::path>& inputs) {
  int runs = 0;
  for (const auto& p : inputs) {
    const std::string bytes = contents(p);
    for (const auto& t : repay::fuzz::kTargets) {
      CAPTURE(p.string());
      CAPTURE(t.name);
      CHECK(t.entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == 0);
      ++runs;
    }
  }
  return runs;
}

}  // namespace

TEST_CASE("fuzz: every crasher in fixtures/crashers through every entry point") {
  const auto inputs = files_under(fs::path(REPAY_SOURCE_DIR) / "fixtures" / "crashers");
  MESSAGE(inputs.size() << " crashers, " << replay(inputs) << " runs");
}

TEST_CASE("fuzz: the seeds through every entry point") {
  std::vector<fs::path> inputs = files_under(fs::path(REPAY_SOURCE_DIR) / "fuzz" / "seeds");
  const auto batch = files_under(fs::path(REPAY_SOURCE_DIR) / "fixtures" / "batch");
  inputs.insert(inputs.end(), batch.begin(), batch.end());
  REQUIRE(inputs.size() > 40);  // the seeds are there: this test cannot pass on nothing
  // An empty input, and one long line without a newline.
  CHECK(replay({}) == 0);
  for (const auto& t : repay::fuzz::kTargets) {
    CHECK(t.entry(nullptr, 0) == 0);
    const std::string line(3 << 20, 'D');
    CHECK(t.entry(reinterpret_cast<const uint8_t*>(line.data()), line.size()) == 0);
  }
  MESSAGE(inputs.size() << " seeds, " << replay(inputs) << " runs");
}
