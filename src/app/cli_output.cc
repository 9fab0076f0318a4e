#include "app/cli_output.h"

#include <algorithm>
#include <cstdio>

#include "core/log.h"

namespace repay::app {

Table::Table(std::vector<std::string> columns) {
  for (auto& c : columns) {
    const bool right = !c.empty() && c.back() == '>';
    if (right) c.pop_back();
    names_.push_back(std::move(c));
    right_.push_back(right);
  }
}

void Table::row(std::vector<std::string> cells) {
  cells.resize(names_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
  // Widths in characters (UTF-8 continuation bytes do not count).
  auto width = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
  };
  std::vector<size_t> w(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) w[i] = width(names_[i]);
  for (const auto& r : rows_) {
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(w[i] - width(cells[i]), ' ');
      if (i > 0) text += "  ";
      text += right_[i] ? pad + cells[i] : cells[i] + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  line(names_);
  for (const auto& r : rows_) line(r);
}

std::string json_string(const std::string& s) { return "\"" + log::json_escape(s) + "\""; }

std::string json_time(Instant t) {
  return t == Instant{} ? "null" : json_string(format_cst_timestamp(t));
}

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

void JsonObject::key(const std::string& k) {
  if (text_.size() > 1) text_ += ",";
  text_ += json_string(k) + ":";
}

JsonObject& JsonObject::str(const std::string& k, const std::string& v) {
  key(k);
  text_ += json_string(v);
  return *this;
}
JsonObject& JsonObject::num(const std::string& k, int64_t v) {
  key(k);
  text_ += std::to_string(v);
  return *this;
}
JsonObject& JsonObject::real(const std::string& k, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  key(k);
  text_ += buf;
  return *this;
}
JsonObject& JsonObject::boolean(const std::string& k, bool v) {
  key(k);
  text_ += v ? "true" : "false";
  return *this;
}
JsonObject& JsonObject::null(const std::string& k) {
  key(k);
  text_ += "null";
  return *this;
}
JsonObject& JsonObject::time(const std::string& k, Instant t) {
  key(k);
  text_ += json_time(t);
  return *this;
}
JsonObject& JsonObject::strs(const std::string& k, const std::vector<std::string>& values) {
  std::vector<std::string> items;
  for (const auto& v : values) items.push_back(json_string(v));
  return raw(k, json_array(items));
}
JsonObject& JsonObject::raw(const std::string& k, const std::string& json) {
  key(k);
  text_ += json;
  return *this;
}

bool valid_format(const std::string& f) { return f == "table" || f == "text" || f == "json"; }

}  // namespace repay::app
