// Batch file names (files.md: REPAY_<centerId>_<batchDate>_<batchNo>.txt).
#include "batch/batch_file.h"
#include "core/clock.h"
#include "core/validate.h"

namespace repay::batch {

bool is_posting_file_name(const std::string& file_name) { return file_name.rfind("POST_", 0) == 0; }

std::optional<BatchName> parse_batch_name(const std::string& file_name) {
  std::string_view s = file_name;
  constexpr std::string_view kPrefix = "REPAY_";
  constexpr std::string_view kSuffix = ".txt";
  if (!s.starts_with(kPrefix) || !s.ends_with(kSuffix)) return std::nullopt;
  s = s.substr(kPrefix.size(), s.size() - kPrefix.size() - kSuffix.size());
  // centerId and batchDate hold no '_'; batchNo may.
  size_t a = s.find('_');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = s.find('_', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  std::string_view center = s.substr(0, a);
  std::string_view date = s.substr(a + 1, b - a - 1);
  std::string_view batch_no = s.substr(b + 1);
  if (!is_party_id(center) || !parse_date(date) || !is_identifier(batch_no)) return std::nullopt;
  return BatchName{std::string(center), std::string(date), std::string(batch_no)};
}

}  // namespace repay::batch
