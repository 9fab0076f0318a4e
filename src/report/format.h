// Small text forms shared by the report's renderings.
#pragma once

#include <string>

#include "core/clock.h"
#include "report/daily.h"

namespace repay::report {

// Yuan with two decimals from fen: 123456 -> "1234.56", -5 -> "-0.05".
std::string format_yuan(Fen f);
// "12 / 1234.56": count and amount in yuan.
std::string tally_text(const Tally& t);
// "yyyy-MM-dd HH:MM" in CST; "-" for a zero instant.
std::string format_instant(Instant t);
// "HH:MM" in CST.
std::string format_hhmm(Instant t);
// Text for HTML: & < > " escaped.
std::string html_escape(const std::string& s);

}  // namespace repay::report
