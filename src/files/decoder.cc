// UTF-8 validation and GB18030 decoding for LineReader.
#include "files/decoder.h"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace repay::files {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

class Utf8Decoder final : public Decoder {
 public:
  size_t decode(std::string_view in, std::string* out, bool* invalid) override {
    bool incomplete = false;
    size_t n = utf8_valid_prefix(in, &incomplete);
    out->append(in.data(), n);
    *invalid = n < in.size() && !incomplete;
    return n;
  }
};

class Gb18030Decoder final : public Decoder {
 public:
  explicit Gb18030Decoder(iconv_t cd) : cd_(cd) {}
  ~Gb18030Decoder() override { iconv_close(cd_); }
  Gb18030Decoder(const Gb18030Decoder&) = delete;
  Gb18030Decoder& operator=(const Gb18030Decoder&) = delete;

  size_t decode(std::string_view in, std::string* out, bool* invalid) override {
    *invalid = false;
    char* src = const_cast<char*>(in.data());  // iconv's signature; it does not write
    size_t src_left = in.size();
    while (src_left > 0) {
      // Two GB18030 bytes give at most three of UTF-8, four give four.
      size_t old = out->size();
      size_t room = src_left + src_left / 2 + 8;
      out->resize(old + room);
      char* dst = out->data() + old;
      size_t dst_left = room;
      size_t rc = iconv(cd_, &src, &src_left, &dst, &dst_left);
      int err = errno;
      out->resize(old + (room - dst_left));
      if (rc != static_cast<size_t>(-1)) break;
      if (err == E2BIG) continue;
      if (err == EILSEQ) *invalid = true;
      break;  // EINVAL: an incomplete sequence at the end, kept for the next block
    }
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);  // stateless, but reset to be sure
    return in.size() - src_left;
  }

 private:
  iconv_t cd_;
};

}  // namespace

size_t utf8_valid_prefix(std::string_view s, bool* incomplete) {
  *incomplete = false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & kHighBits) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;  // a continuation byte, C0, C1 or F5..FF
    }
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= n) {
        *incomplete = true;
        return i;
      }
      unsigned char b = p[i + k];
      unsigned char min = k == 1 ? lo : 0x80;
      unsigned char max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) return i;
    }
    i += len;
  }
  return i;
}

std::unique_ptr<Decoder> make_decoder(Encoding enc) {
  if (enc == Encoding::kUtf8) return std::make_unique<Utf8Decoder>();
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return nullptr;
  return std::make_unique<Gb18030Decoder>(cd);
}

}  // namespace repay::files
