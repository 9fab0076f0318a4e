// The simulated bank's cardholders ("the book"): generated deterministically from a seed, or
// loaded from a book file, and written back in the same format:
//   H|book|<count>
//   D|<name>|<idType>|<idNo>|<debitCard>|<mobile>|<balanceFen>|<limitFen>|<state>|<creditCard>
// Pure: no I/O beyond strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"

namespace repay::sim {

enum class CardState { kNormal, kFrozen, kClosed };
std::string_view to_string(CardState s);

struct Cardholder {
  std::string name;         // UTF-8 Chinese name
  std::string id_type = "01";
  std::string id_no;        // GB 11643 resident ID (18 characters)
  std::string debit_card;   // 16-19 digits, Luhn-valid: the card the bank debits
  std::string mobile;       // 1[3-9]xxxxxxxxx
  Fen balance = 0;
  Fen limit = 0;            // per-transaction limit
  CardState state = CardState::kNormal;
  std::string credit_card;  // Luhn-valid, for the card center's side of demos
};

// Same seed, same size: the same book, on every platform (std::mt19937_64 and our own draws).
// About 5% FROZEN, 3% CLOSED, 5% NORMAL with a low balance (under 50 yuan).
std::vector<Cardholder> generate_book(uint64_t seed, size_t count);

std::string format_book(const std::vector<Cardholder>& book);
// Errors: code "BOOK" with the line number for a bad header, count, or field.
Result<std::vector<Cardholder>> parse_book(std::string_view text);

// Check characters, exposed for tests: the Luhn digit to append to `digits`, and the GB 11643
// check character of 17 digits.
char luhn_check_digit(std::string_view digits);
char gb11643_check_char(std::string_view first17);

}  // namespace repay::sim
