// What the CLI steps print: tables whose columns are as wide as their widest value (so long
// values never run into the next column), and JSON for scripts (`--format json`: one document
// on stdout, fields documented in docs/cli.md).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"

namespace repay::app {

class Table {
 public:
  // A column name ending in '>' is right-aligned (numbers); the '>' is not printed.
  explicit Table(std::vector<std::string> columns);
  void row(std::vector<std::string> cells);
  // Header, then the rows; two spaces between columns, no trailing spaces.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> names_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// A JSON object built field by field (strings escaped, keys in the order added).
class JsonObject {
 public:
  JsonObject& str(const std::string& key, const std::string& value);
  JsonObject& num(const std::string& key, int64_t value);
  JsonObject& real(const std::string& key, double value);
  JsonObject& boolean(const std::string& key, bool value);
  JsonObject& null(const std::string& key);
  // A CST time "yyyyMMddHHmmss" (common.md's form), null when unset (the epoch).
  JsonObject& time(const std::string& key, Instant t);
  JsonObject& strs(const std::string& key, const std::vector<std::string>& values);
  JsonObject& raw(const std::string& key, const std::string& json);  // already JSON
  std::string done() const { return text_ + "}"; }

 private:
  void key(const std::string& k);
  std::string text_ = "{";
};

std::string json_array(const std::vector<std::string>& items);  // items already JSON
std::string json_string(const std::string& s);
std::string json_time(Instant t);  // as JsonObject::time

// "--format" values: "table" (or "text") and "json". False for anything else.
bool valid_format(const std::string& f);

}  // namespace repay::app
