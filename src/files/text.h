// Text rules shared by every '|' file (common.md, "Files: text and lines"): decode first, then
// split. UTF-8, or GBK/GB18030 for card centers configured so. Lines end in \n or \r\n; an empty
// line anywhere (a second terminator at the end included) and a byte order mark are format errors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace repay::files {

enum class Encoding { kUtf8, kGbk };
// "UTF-8" -> kUtf8; "GBK" or "GB18030" -> kGbk.
bool parse_encoding(std::string_view s, Encoding* out);

// Reads a file line by line, decoding to UTF-8 as it goes; memory bounded by the longest line.
class LineReader {
 public:
  // Error "IO" when the file cannot be opened.
  static Result<std::unique_ptr<LineReader>> open(const std::string& path, Encoding enc);
  virtual ~LineReader() = default;
  // Next line, decoded to UTF-8, without its terminator. Returns false at the end of the file.
  // Errors: "F4" (not valid in the encoding, with the line number), "F1" (BOM, empty line, a line
  // over 1 MiB), "IO". Error.where is "line N". After an F1, next() may be called again and goes
  // on with the following line (the BOM's: line 1 without it), so a caller can look for an F4
  // further on; after F4 or IO it returns that error again. The lines before an F4 are returned
  // first.
  virtual Result<bool> next(std::string* line) = 0;
  // 1-based number of the line last returned, or of the line an error is about.
  virtual int64_t line_no() const = 0;
  virtual uint64_t bytes_read() const = 0;
};

// Splits a decoded line on '|'. Fields keep their text as is (no trimming).
std::vector<std::string_view> split_fields(std::string_view line);

// Text from elsewhere (a bank's message) made fit for a '|' file (common.md): '|' and control
// characters become a space, cut to 64 code points; for GBK, characters GBK cannot hold become '?'.
std::string fit_text(std::string_view utf8, Encoding enc);

// Writes a '|' file in the given encoding with "\n" line ends; for publishing (`.tmp` first is the
// transport's job). Error "IO" on write failures; "ENCODING" when a line cannot be encoded
// (callers pass fit_text()ed text so this means a bug).
class LineWriter {
 public:
  static Result<std::unique_ptr<LineWriter>> create(const std::string& path, Encoding enc);
  virtual ~LineWriter() = default;
  virtual Status write_line(std::string_view utf8) = 0;
  // Flushes and fsyncs; returns the file's SHA-256 (hex) and size.
  struct Done {
    std::string sha256;
    uint64_t size = 0;
  };
  virtual Result<Done> finish() = 0;
};

// SHA-256 (hex) and size of a whole file, streamed.
Result<std::pair<std::string, uint64_t>> file_sha256(const std::string& path);

}  // namespace repay::files
