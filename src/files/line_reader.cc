// LineReader over a file: reads 64 KiB blocks, decodes them (decoder.h), then splits lines
// (common.md: decode first, then split).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "files/decoder.h"
#include "files/text.h"

namespace repay::files {
namespace {

constexpr size_t kBlock = 64 * 1024;
// No line of any of our files comes near this; a longer one is a format error, and the limit
// keeps memory bounded whatever the file holds.
constexpr size_t kMaxLine = 1024 * 1024;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string line_where(int64_t n) { return "line " + std::to_string(n); }

class FileLineReader final : public LineReader {
 public:
  FileLineReader(int fd, std::unique_ptr<Decoder> dec, Encoding enc)
      : fd_(fd), dec_(std::move(dec)), enc_(enc), raw_(kBlock + 8, '\0') {}
  ~FileLineReader() override { ::close(fd_); }
  FileLineReader(const FileLineReader&) = delete;
  FileLineReader& operator=(const FileLineReader&) = delete;

  Result<bool> next(std::string* line) override {
    if (!started_) {
      started_ = true;
      fill(/*first=*/true);
      if (bom_) {
        reported_ = 1;
        return make_error("F1", "byte order mark at the start of the file", "", "", line_where(1));
      }
    }
    while (true) {
      const char* base = text_.data();
      size_t avail = text_.size() - pos_;
      const void* nl = avail ? std::memchr(base + pos_, '\n', avail) : nullptr;
      if (skipping_) {  // the rest of a line reported too long
        if (nl) {
          pos_ = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
          skipping_ = false;
          continue;
        }
        text_.clear();
        pos_ = 0;
        if (fatal_) return fatal();
        if (eof_) return false;
        fill(false);
        continue;
      }
      if (nl) {
        size_t end = static_cast<size_t>(static_cast<const char*>(nl) - base);
        size_t len = end - pos_;
        if (len > 0 && base[end - 1] == '\r') --len;  // "\r\n"
        size_t start = pos_;
        pos_ = end + 1;
        reported_ = ++lines_;
        if (len == 0) return make_error("F1", "empty line", "", "", line_where(lines_));
        if (len > kMaxLine) return too_long();
        line->assign(base + start, len);
        return true;
      }
      if (fatal_) return fatal();
      if (eof_) {
        if (avail == 0) return false;
        reported_ = ++lines_;  // the last line, without a terminator
        line->assign(base + pos_, avail);
        pos_ = text_.size();
        return true;
      }
      if (avail > kMaxLine) {
        reported_ = ++lines_;
        skipping_ = true;
        text_.clear();
        pos_ = 0;
        return too_long();
      }
      text_.erase(0, pos_);
      pos_ = 0;
      fill(false);
    }
  }

  int64_t line_no() const override { return reported_; }
  uint64_t bytes_read() const override { return bytes_; }

 private:
  Error too_long() const {
    return make_error("F1", "line longer than " + std::to_string(kMaxLine) + " bytes", "", "",
                      line_where(lines_));
  }

  Error fatal() {
    reported_ = fatal_line_;
    return *fatal_;
  }

  void set_fatal(std::string code, std::string message, int64_t line) {
    fatal_line_ = line;
    fatal_ = make_error(std::move(code), std::move(message), "", "", line ? line_where(line) : "");
  }

  // Reads up to a block after the `carry_` bytes kept from the last one, and decodes it.
  void fill(bool first) {
    size_t got = carry_;
    while (got < kBlock + carry_) {
      ssize_t n = ::read(fd_, raw_.data() + got, kBlock + carry_ - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        set_fatal("IO", std::string("read failed: ") + std::strerror(errno), 0);
        return;
      }
      if (n == 0) {
        eof_ = true;
        break;
      }
      got += static_cast<size_t>(n);
      bytes_ += static_cast<uint64_t>(n);
    }
    std::string_view in(raw_.data(), got);
    if (first && enc_ == Encoding::kGbk && in.starts_with(kBom)) {
      bom_ = true;  // a UTF-8 BOM in a GBK file: skipped, then the rest is read as GBK
      in.remove_prefix(kBom.size());
    }
    size_t old = text_.size();
    bool invalid = false;
    size_t used = dec_->decode(in, &text_, &invalid);
    if (first && std::string_view(text_).substr(old).starts_with(kBom)) {
      bom_ = true;  // U+FEFF first, in either encoding
      text_.erase(old, kBom.size());
    }
    decoded_newlines_ +=
        std::count(text_.begin() + static_cast<std::ptrdiff_t>(old), text_.end(), '\n');
    size_t rest = in.size() - used;
    if (invalid || (eof_ && rest > 0)) {
      set_fatal("F4", enc_ == Encoding::kUtf8 ? "not valid UTF-8" : "not valid GBK/GB18030",
                decoded_newlines_ + 1);
      carry_ = 0;
      return;
    }
    std::memmove(raw_.data(), in.data() + used, rest);  // an incomplete sequence (at most 3 bytes)
    carry_ = rest;
  }

  int fd_;
  std::unique_ptr<Decoder> dec_;
  Encoding enc_;
  std::string raw_;  // the raw block; its first carry_ bytes are kept from the last block
  size_t carry_ = 0;
  std::string text_;  // decoded text not yet returned, from pos_
  size_t pos_ = 0;
  bool started_ = false;
  bool eof_ = false;
  bool bom_ = false;
  bool skipping_ = false;
  std::optional<Error> fatal_;  // F4 or IO: returned once the lines before it are out, then always
  int64_t fatal_line_ = 0;
  int64_t lines_ = 0;     // lines consumed, returned or reported
  int64_t reported_ = 0;  // what line_no() says
  int64_t decoded_newlines_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::open(const std::string& path, Encoding enc) {
  auto dec = make_decoder(enc);
  if (!dec) return make_error("IO", "iconv has no GB18030 converter");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error("IO", std::string("cannot open: ") + std::strerror(errno), "", "", path);
  }
  return std::unique_ptr<LineReader>(new FileLineReader(fd, std::move(dec), enc));
}

}  // namespace repay::files
