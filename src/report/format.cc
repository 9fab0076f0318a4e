#include "report/format.h"

namespace repay::report {

std::string format_yuan(Fen f) {
  std::string sign = f < 0 ? "-" : "";
  uint64_t v = f < 0 ? static_cast<uint64_t>(-(f + 1)) + 1 : static_cast<uint64_t>(f);
  std::string cents = std::to_string(v % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(v / 100) + "." + cents;
}

std::string tally_text(const Tally& t) { return std::to_string(t.count) + " / " + format_yuan(t.amount); }

std::string format_instant(Instant t) {
  if (t == Instant{}) return "-";
  std::string s = format_cst_timestamp(t);  // yyyyMMddHHmmss
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + " " + s.substr(8, 2) + ":" +
         s.substr(10, 2);
}

std::string format_hhmm(Instant t) {
  std::string s = format_cst_timestamp(t);
  return s.substr(8, 2) + ":" + s.substr(10, 2);
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace repay::report
