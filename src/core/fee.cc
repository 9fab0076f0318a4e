#include "core/fee.h"

#include <algorithm>
#include <sstream>

#include "core/codes.h"

namespace repay {

std::string FeeRule::to_string() const {
  std::string s;
  if (kind == "FIXED") {
    s = "FIXED:" + std::to_string(fixed);
  } else if (kind == "PERCENT") {
    s = "PERCENT:" + std::to_string(basis_points) + ":min=" + std::to_string(min) +
        ":max=" + std::to_string(max);
  } else {
    s = "NONE";
  }
  return s + "/" + payer;
}

Result<FeeRule> FeeRule::parse(const std::string& text) {
  FeeRule r;
  auto slash = text.rfind('/');
  if (slash == std::string::npos) return make_error("FEE", "fee rule without payer", "", text);
  r.payer = text.substr(slash + 1);
  std::string body = text.substr(0, slash);
  try {
    if (body == "NONE") {
      r.kind = "NONE";
    } else if (body.rfind("FIXED:", 0) == 0) {
      r.kind = "FIXED";
      r.fixed = std::stoll(body.substr(6));
    } else if (body.rfind("PERCENT:", 0) == 0) {
      r.kind = "PERCENT";
      std::istringstream in(body.substr(8));
      std::string part;
      std::getline(in, part, ':');
      r.basis_points = std::stoll(part);
      while (std::getline(in, part, ':')) {
        if (part.rfind("min=", 0) == 0) r.min = std::stoll(part.substr(4));
        else if (part.rfind("max=", 0) == 0) r.max = std::stoll(part.substr(4));
      }
    } else {
      return make_error("FEE", "unknown fee rule", "", text);
    }
  } catch (const std::exception&) {
    return make_error("FEE", "malformed fee rule", "", text);
  }
  if (r.payer != "CENTER" && r.payer != "CARDHOLDER") return make_error("FEE", "unknown payer", "", text);
  return r;
}

Result<FeeSplit> fee_for(const FeeRule& rule, Fen amount) {
  FeeSplit f;
  if (rule.kind == "FIXED") {
    f.fee = rule.fixed;
  } else if (rule.kind == "PERCENT") {
    f.fee = percent_of(amount, rule.basis_points);  // half up, per item (common.md)
    f.fee = std::max(f.fee, rule.min);
    if (rule.max > 0) f.fee = std::min(f.fee, rule.max);
  }
  f.cardholder_fee = rule.cardholder_pays() ? f.fee : 0;
  auto debit = checked_add(amount, f.cardholder_fee);
  if (!debit || *debit > kMaxAmount) {
    return make_error(codes::kInvalidAmount, "amount plus fee exceeds the largest amount", "amount");
  }
  f.debit_amount = *debit;
  return f;
}

}  // namespace repay
