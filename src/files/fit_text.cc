// fit_text (common.md: text we put into a '|' file from elsewhere is cut to 64 characters, '|' and
// control characters become a space, and in a GBK file characters GBK cannot hold become '?').
#include <iconv.h>

#include <algorithm>
#include <cstdint>

#include "files/decoder.h"
#include "files/text.h"

namespace repay::files {
namespace {

constexpr size_t kMaxChars = 64;

bool is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Whether GBK holds the character (one UTF-8 sequence). One converter per thread, kept.
bool gbk_holds(std::string_view utf8_char) {
  struct Converter {
    iconv_t cd = iconv_open("GBK", "UTF-8");
    ~Converter() {
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    }
  };
  thread_local Converter conv;
  if (conv.cd == reinterpret_cast<iconv_t>(-1)) return false;
  char in_buf[4];
  char out_buf[8];
  for (size_t i = 0; i < utf8_char.size(); ++i) in_buf[i] = utf8_char[i];
  char* src = in_buf;
  size_t src_left = utf8_char.size();
  char* dst = out_buf;
  size_t dst_left = sizeof out_buf;
  size_t rc = iconv(conv.cd, &src, &src_left, &dst, &dst_left);
  iconv(conv.cd, nullptr, nullptr, nullptr, nullptr);
  return rc != static_cast<size_t>(-1) && src_left == 0;
}

uint32_t code_point(std::string_view c) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(c[k])); };
  switch (c.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

std::string fit_text(std::string_view utf8, Encoding enc) {
  std::string out;
  out.reserve(std::min(utf8.size(), kMaxChars * 4));
  size_t chars = 0;
  size_t i = 0;
  while (i < utf8.size() && chars < kMaxChars) {
    ++chars;
    bool incomplete = false;
    size_t len = sequence_length(static_cast<unsigned char>(utf8[i]));
    std::string_view rest = utf8.substr(i, std::min(len, utf8.size() - i));
    if (utf8_valid_prefix(rest, &incomplete) != len) {
      out += '?';  // not UTF-8 at all: one '?' per bad byte
      ++i;
      continue;
    }
    uint32_t cp = code_point(rest);
    if (cp == '|' || is_control(cp)) {
      out += ' ';
    } else if (len > 1 && enc == Encoding::kGbk && !gbk_holds(rest)) {
      out += '?';
    } else {
      out.append(rest);
    }
    i += len;
  }
  return out;
}

}  // namespace repay::files
