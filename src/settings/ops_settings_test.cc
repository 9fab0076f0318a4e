// The operations keys of [processor]: log_messages and shutdown_timeout (docs/settings.md).
#include <doctest/doctest.h>

#include "settings/settings.h"

namespace repay::settings {
namespace {

bool has_error(const std::vector<Error>& errors, const std::string& field) {
  for (const auto& e : errors) {
    if (e.field == field) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("log_messages and shutdown_timeout: defaults and values") {
  Settings d;
  parse_settings("[processor]\n", "defaults.ini", &d);
  CHECK_FALSE(d.processor.log_messages);
  CHECK(d.processor.shutdown_timeout == std::chrono::seconds(30));

  Settings s;
  auto errors = parse_settings("[processor]\nlog_messages = true\nshutdown_timeout = 1m\n", "ops.ini", &s);
  CHECK_FALSE(has_error(errors, "processor.log_messages"));
  CHECK_FALSE(has_error(errors, "processor.shutdown_timeout"));
  CHECK(s.processor.log_messages);
  CHECK(s.processor.shutdown_timeout == std::chrono::minutes(1));
}

TEST_CASE("log_messages and shutdown_timeout: bad values are reported with their key") {
  Settings s;
  auto errors = parse_settings("[processor]\nlog_messages = yes\nshutdown_timeout = soon\n", "ops.ini", &s);
  CHECK(has_error(errors, "processor.log_messages"));
  CHECK(has_error(errors, "processor.shutdown_timeout"));
  for (const char* v : {"500ms", "11m"}) {
    Settings t;
    auto e = parse_settings(std::string("[processor]\nshutdown_timeout = ") + v + "\n", "ops.ini", &t);
    CHECK_MESSAGE(has_error(e, "processor.shutdown_timeout"), v);
  }
}

}  // namespace repay::settings
