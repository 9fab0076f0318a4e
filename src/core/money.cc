#include "core/money.h"

#include <cassert>

namespace repay {
namespace {
// 128-bit products: fee x amount can pass 2^63 only in theory, but checking is cheaper than
// proving. __extension__ keeps -Wpedantic quiet about the GCC/Clang type.
__extension__ using Wide = __int128;
}  // namespace

std::optional<Fen> checked_add(Fen a, Fen b) {
  Fen r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<Fen> checked_sub(Fen a, Fen b) {
  Fen r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<Fen> checked_mul(Fen a, int64_t b) {
  Fen r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

Fen percent_of(Fen amount, int64_t basis_points) {
  assert(amount >= 0 && basis_points >= 0);
  // common.md, Money: rounded half up to the fen. The product is taken in 128 bits so no
  // amount the wire can carry overflows.
  Wide p = static_cast<Wide>(amount) * basis_points;
  return static_cast<Fen>((p + 5000) / 10000);
}

Fen refund_fee(Fen fee, Fen principal, Fen refunded_before, Fen this_refund,
               Fen fee_returned_before) {
  assert(fee >= 0 && refunded_before >= 0 && this_refund >= 0 && fee_returned_before >= 0);
  if (principal <= 0) return 0;
  // files.md, Fees of refunds: round_half_up(fee * refunded so far / principal) minus the fee
  // already returned. Refunds never pass the principal (2008), but the running total is capped
  // anyway so the fee returned in total can never exceed the fee.
  Wide so_far = static_cast<Wide>(refunded_before) + this_refund;
  if (so_far > principal) so_far = principal;
  // Half up for non-negative values: floor((2 * fee * so_far + principal) / (2 * principal)).
  Wide total = (2 * static_cast<Wide>(fee) * so_far + principal) /
                   (2 * static_cast<Wide>(principal));
  return static_cast<Fen>(total - fee_returned_before);
}

std::string format_amount(Fen f) { return std::to_string(f); }

}  // namespace repay
