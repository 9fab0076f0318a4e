// common.md, Sensitive data: cards first 6 + **** + last 4, IDs first 3 + **** + last 2,
// mobiles first 3 + **** + last 4.
#include "core/mask.h"

namespace repay {
namespace {

constexpr std::string_view kStars = "****";

// Keeps `head` leading and `tail` trailing characters. A value that would show everything (or
// more), or that is not plain ASCII (a malformed value may be any bytes, and cutting them could
// split a character), shows only the stars.
std::string keep_ends(std::string_view s, size_t head, size_t tail) {
  if (s.size() <= head + tail) return std::string(kStars);
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return std::string(kStars);
  }
  std::string out(s.substr(0, head));
  out += kStars;
  out += s.substr(s.size() - tail);
  return out;
}

}  // namespace

std::string mask_card(std::string_view card) { return keep_ends(card, 6, 4); }
std::string mask_id(std::string_view id_no) { return keep_ends(id_no, 3, 2); }
std::string mask_mobile(std::string_view mobile) { return keep_ends(mobile, 3, 4); }

}  // namespace repay
