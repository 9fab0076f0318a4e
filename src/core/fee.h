// Fees (domain.md, flow 5; files.md, Fees of refunds): a fixed amount per item or a percentage in
// basis points (rounded half up per item, then bounded by a minimum and maximum), per channel
// kind, paid by the card center or by the cardholder (then added to the debit).
#pragma once

#include <string>

#include "core/money.h"
#include "core/result.h"

namespace repay {

struct FeeRule {
  std::string kind = "NONE";     // NONE, FIXED, PERCENT
  Fen fixed = 0;                 // FIXED: fen per item
  int64_t basis_points = 0;      // PERCENT
  Fen min = 0;                   // PERCENT: bounds after rounding (max 0: none)
  Fen max = 0;
  std::string payer = "CENTER";  // CENTER or CARDHOLDER

  bool cardholder_pays() const { return payer == "CARDHOLDER"; }
  // The rule as stored on each transaction: "FIXED:200/CENTER", "PERCENT:15:min=100:max=0/CARDHOLDER".
  std::string to_string() const;
  static Result<FeeRule> parse(const std::string& text);
};

struct FeeSplit {
  Fen fee = 0;           // the fee of the item, whoever pays it
  Fen cardholder_fee = 0;  // the part added to the debit (fee when the cardholder pays, else 0)
  Fen debit_amount = 0;  // amount + cardholder_fee
};

// Error "2005" when the debit amount would not fit the amount form.
Result<FeeSplit> fee_for(const FeeRule& rule, Fen amount);

}  // namespace repay
