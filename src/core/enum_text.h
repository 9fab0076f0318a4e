// A state's text, at the edges only (docs/decisions.md, States as enum class): each state type
// keeps one table of its values and their texts (the SQL column values and what the wire,
// console and reports show), and its pair of functions text<->enum reads that table. Parsing
// never guesses: a text not in the table is an error that names it.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace repay {

template <class E>
struct EnumText {
  E value;
  const char* text;
};

// The text of `e` in `table` ("" if absent, which a complete table never is).
template <class E, std::size_t N>
constexpr const char* text_in(const std::array<EnumText<E>, N>& table, E e) {
  for (const auto& t : table) {
    if (t.value == e) return t.text;
  }
  return "";
}

// The value whose text is `text`, or an error ("STATE_TEXT") naming `what` and the text.
template <class E, std::size_t N>
Result<E> parse_in(const std::array<EnumText<E>, N>& table, std::string_view text, const char* what) {
  for (const auto& t : table) {
    if (text == t.text) return t.value;
  }
  return make_error("STATE_TEXT", std::string("not a ") + what, what, std::string(text));
}

}  // namespace repay
