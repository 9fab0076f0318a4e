// Turns the bytes of a file into UTF-8, a block at a time (common.md: decode first, then split).
// Internal to src/files.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "files/text.h"

namespace repay::files {

// Length of the longest prefix of `s` that is strict UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF). *incomplete is set when the rest is only the start of a sequence that
// more bytes could complete (so the caller keeps it for the next block).
size_t utf8_valid_prefix(std::string_view s, bool* incomplete);

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Appends the UTF-8 of as much of `in` as can be decoded to *out and returns how many bytes of
  // `in` it used. The bytes not used are either an incomplete sequence at the end (*invalid
  // false: pass them again with the next block; at the end of the file they are invalid) or start
  // with an invalid sequence (*invalid true).
  virtual size_t decode(std::string_view in, std::string* out, bool* invalid) = 0;
};

// UTF-8: validates and copies. GBK: GB18030 (a superset of GBK) through iconv.
// nullptr when iconv lacks GB18030.
std::unique_ptr<Decoder> make_decoder(Encoding enc);

}  // namespace repay::files
