// Money is int64 fen (common.md: Money). No floating point anywhere near an amount.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace repay {

using Fen = int64_t;
constexpr Fen kMaxAmount = 99'999'999'999;  // the largest amount the wire form can hold

// Checked arithmetic: nullopt on overflow.
std::optional<Fen> checked_add(Fen a, Fen b);
std::optional<Fen> checked_sub(Fen a, Fen b);
std::optional<Fen> checked_mul(Fen a, int64_t b);

// round_half_up(amount * bp / 10000), per item, for non-negative amounts and basis points.
Fen percent_of(Fen amount, int64_t basis_points);

// files.md, Fees of refunds: the fee returned by a refund, on the running total so rounding never
// drifts. fee: the repayment's fee; principal: its amount; refunded_before: principal refunded by
// earlier refunds; this_refund: principal of this one; fee_returned_before: fee they returned.
Fen refund_fee(Fen fee, Fen principal, Fen refunded_before, Fen this_refund, Fen fee_returned_before);

// "0", "123", "-5": the wire form.
std::string format_amount(Fen f);

}  // namespace repay
