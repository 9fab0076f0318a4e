#include "simulator/book.h"

#include <doctest/doctest.h>

#include <set>

#include "core/validate.h"

namespace repay::sim {

TEST_CASE("book: the same seed gives the same book, another seed another") {
  CHECK(format_book(generate_book(7, 50)) == format_book(generate_book(7, 50)));
  CHECK(format_book(generate_book(7, 50)) != format_book(generate_book(8, 50)));
}

TEST_CASE("book: every generated ID, card and mobile validates and is unique") {
  auto book = generate_book(1, 500);
  REQUIRE(book.size() == 500);
  std::set<std::string> cards, ids, mobiles;
  int frozen = 0, closed = 0, low = 0;
  for (const Cardholder& c : book) {
    CHECK(is_name(c.name));
    CHECK(id_value_ok("01", c.id_no));
    CHECK(c.id_no.size() == 18);
    CHECK(is_card_form(c.debit_card));
    CHECK(c.debit_card.size() >= 16);
    CHECK(luhn_ok(c.debit_card));
    CHECK(luhn_ok(c.credit_card));
    CHECK(is_mobile(c.mobile));
    CHECK(c.mobile[1] >= '3');
    CHECK(c.limit > 0);
    cards.insert(c.debit_card);
    ids.insert(c.id_no);
    mobiles.insert(c.mobile);
    frozen += c.state == CardState::kFrozen;
    closed += c.state == CardState::kClosed;
    low += c.state == CardState::kNormal && c.balance < 5001;
  }
  CHECK(cards.size() == 500);
  CHECK(ids.size() == 500);
  CHECK(mobiles.size() == 500);
  CHECK(frozen > 5);
  CHECK(closed > 3);
  CHECK(low > 5);
}

TEST_CASE("book: check characters") {
  CHECK(luhn_check_digit("7992739871") == '3');
  // The GB 11643 example number 11010519491231002X.
  CHECK(gb11643_check_char("11010519491231002") == 'X');
}

TEST_CASE("book: the file round-trips and bad files are rejected") {
  auto book = generate_book(3, 20);
  std::string text = format_book(book);
  auto parsed = parse_book(text);
  REQUIRE(parsed.ok());
  CHECK(format_book(*parsed) == text);
  CHECK_FALSE(parse_book("H|book|2\n" + text.substr(text.find('\n') + 1)).ok());
  CHECK_FALSE(parse_book("H|book|1\nD|x|01|1|2|3|4|5|NORMAL|6\n").ok());
  CHECK_FALSE(parse_book("").ok());
}

}  // namespace repay::sim
