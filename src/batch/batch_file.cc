// Pass 1 (check_batch_file) and pass 2 (read_batch_lines) over a batch file (files.md, "Batch
// file"): streamed line by line, so memory stays bounded whatever the file's size.
#include "batch/batch_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "batch/batch_file_lines.h"

namespace repay::batch {
namespace {

using files::LineReader;

std::string where_line(const std::string& file, int64_t n) {
  return file + " line " + std::to_string(n);
}

Error io_error(const std::string& what, const std::string& file) {
  return make_error("IO", what + ": " + std::strerror(errno), "", "", file);
}

// Whether the file has more than `limit` lines, counting '\n' in the raw bytes: 0x0A is never
// part of a multi-byte character in UTF-8 or GB18030, so this holds for text that is not valid.
Result<bool> more_lines_than(const std::string& path, int64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path);
  std::string buf(64 * 1024, '\0');
  int64_t lines = 0;
  char last = '\n';
  while (lines <= limit) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error("read", path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    const char* p = buf.data();
    const char* end = p + n;
    while (p < end && lines <= limit) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (!nl) break;
      ++lines;
      p = static_cast<const char*>(nl) + 1;
    }
    last = buf[static_cast<size_t>(n) - 1];
  }
  ::close(fd);
  if (last != '\n') ++lines;  // the last line, without a terminator
  return lines > limit;
}

class Checker {
 public:
  Checker(const std::string& file_name, const std::string& expected_center,
          const BatchLimits& limits)
      : file_(file_name), center_(expected_center), limits_(limits) {}

  BatchCheck run(const std::string& path, files::Encoding enc) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fail("IO", io_error("cannot stat", file_));
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size > static_cast<uint64_t>(limits_.max_bytes)) return too_many_bytes(size);
    auto opened = LineReader::open(path, enc);
    if (!opened) return fail("IO", opened.error());
    LineReader& reader = **opened;

    name_ = parse_batch_name(file_);
    if (!name_) {
      note_f1(make_error("F1", "the file name is not REPAY_<centerId>_<batchDate>_<batchNo>.txt",
                         "fileName", lines::shown(file_, lines::Kind::kPlain), file_));
    }
    std::string line;
    int64_t lines = 0;
    while (true) {
      auto got = reader.next(&line);
      lines = std::max(lines, reader.line_no());
      if (lines - 1 > limits_.max_items) return too_many_items(lines);
      if (!got) {
        Error e = got.error();
        e.where = where_line(file_, reader.line_no());
        if (e.code == "F1") {
          note_f1(std::move(e));
          continue;
        }
        if (e.code == "F4") return encoding_error(path, size, std::move(e));
        return fail("IO", std::move(e));
      }
      if (!*got) break;
      if (f1_) continue;  // decided unless an F5 or an F4 comes further on
      if (reader.line_no() == 1) {
        check_header(line);
      } else {
        check_detail(line, reader.line_no());
      }
    }
    if (reader.bytes_read() > static_cast<uint64_t>(limits_.max_bytes)) {
      return too_many_bytes(reader.bytes_read());  // grew while we read it
    }
    r_.detail_count = std::max<int64_t>(lines - 1, 0);
    if (lines == 0) {
      note_f1(make_error("F1", "no header line", "header", "", where_line(file_, 1)));
    }
    if (f1_) return fail("F1", std::move(*f1_));
    return totals();
  }

 private:
  void check_header(std::string_view line) {
    BatchHeader& h = r_.header;
    if (auto p = lines::parse_header(line, &h)) return note_problem(std::move(*p), 1);
    r_.header_readable = true;
    auto mismatch = [&](const char* field, const std::string& value, std::string msg) {
      note_f1(make_error("F1", std::move(msg), field, lines::shown(value, lines::Kind::kPlain),
                         where_line(file_, 1)));
    };
    // files.md: the name must match the header, and the centerId is this account's.
    if (name_ && name_->center_id != h.center_id) {
      mismatch("header.centerId", h.center_id, "differs from the file name's " + name_->center_id);
    } else if (name_ && name_->batch_date != h.batch_date) {
      mismatch("header.batchDate", h.batch_date,
               "differs from the file name's " + name_->batch_date);
    } else if (name_ && name_->batch_no != h.batch_no) {
      mismatch("header.batchNo", h.batch_no, "differs from the file name's " + name_->batch_no);
    } else if (h.center_id != center_) {
      mismatch("header.centerId", h.center_id, "not this account's card center " + center_);
    }
  }

  void check_detail(std::string_view line, int64_t line_no) {
    if (auto p = lines::parse_detail(line, next_seq_, &detail_)) {
      return note_problem(std::move(*p), line_no);
    }
    ++next_seq_;
    if (sum_overflow_) return;
    if (auto s = checked_add(r_.detail_amount, detail_.amount)) {
      r_.detail_amount = *s;
    } else {
      sum_overflow_ = true;  // a sum that overflows cannot match the header: F2
    }
  }

  BatchCheck totals() {
    const BatchHeader& h = r_.header;
    std::string where = where_line(file_, 1);
    if (h.total_count != r_.detail_count) {
      return fail("F2", make_error("F2",
                                   "the header says " + std::to_string(h.total_count) +
                                       " items, the file has " + std::to_string(r_.detail_count),
                                   "header.totalCount", std::to_string(h.total_count), where));
    }
    if (sum_overflow_ || h.total_amount != r_.detail_amount) {
      std::string sum = sum_overflow_ ? "more than int64 holds" : format_amount(r_.detail_amount);
      if (sum_overflow_) r_.detail_amount = 0;
      return fail("F2", make_error("F2",
                                   "the header says " + format_amount(h.total_amount) +
                                       " fen, the items add up to " + sum,
                                   "header.totalAmount", format_amount(h.total_amount), where));
    }
    r_.status = "00";
    return std::move(r_);
  }

  // files.md: F5 comes before F4, so an invalid file may still be too long.
  BatchCheck encoding_error(const std::string& path, uint64_t size, Error e) {
    int64_t limit = limits_.max_items + 1;      // the header and max_items details
    if (size > static_cast<uint64_t>(limit)) {  // else it cannot hold more lines than that
      auto more = more_lines_than(path, limit);
      if (!more) return fail("IO", more.error());
      if (*more) {
        return fail(
            "F5", make_error("F5", "more than " + std::to_string(limits_.max_items) + " items", "",
                             "", file_));
      }
    }
    return fail("F4", std::move(e));
  }

  BatchCheck too_many_bytes(uint64_t size) {
    return fail("F5", make_error("F5",
                                 std::to_string(size) + " bytes, more than the limit " +
                                     std::to_string(limits_.max_bytes),
                                 "", std::to_string(size), file_));
  }

  BatchCheck too_many_items(int64_t lines) {
    return fail("F5", make_error("F5", "more than " + std::to_string(limits_.max_items) + " items",
                                 "", "", where_line(file_, lines)));
  }

  void note_problem(lines::Problem p, int64_t line_no) {
    note_f1(make_error("F1", std::move(p.message), std::move(p.field), std::move(p.value),
                       where_line(file_, line_no)));
  }

  void note_f1(Error e) {
    if (!f1_) f1_ = std::move(e);
  }

  BatchCheck fail(const char* status, Error e) {
    r_.status = status;
    r_.error = std::move(e);
    r_.error.code = status;
    return std::move(r_);
  }

  const std::string& file_;
  const std::string& center_;
  const BatchLimits& limits_;
  std::optional<BatchName> name_;
  BatchCheck r_;
  std::optional<Error> f1_;
  lines::Detail detail_;
  int64_t next_seq_ = 1;
  bool sum_overflow_ = false;
};

}  // namespace

BatchCheck check_batch_file(const std::string& path, const std::string& file_name,
                            const std::string& expected_center, files::Encoding enc,
                            const BatchLimits& limits) {
  return Checker(file_name, expected_center, limits).run(path, enc);
}

Status read_batch_lines(const std::string& path, files::Encoding enc,
                        const std::function<Status(const BatchLine&)>& on_line) {
  auto opened = LineReader::open(path, enc);
  if (!opened) return opened.error();
  LineReader& reader = **opened;
  std::string line;
  BatchLine out;
  lines::Detail d;
  int64_t next_seq = 1;
  while (true) {
    auto got = reader.next(&line);
    if (!got) return got.error();
    if (!*got) return ok_status();
    int64_t n = reader.line_no();
    // The file passed pass 1; the forms are read again because the values are taken from them.
    std::optional<lines::Problem> p;
    if (n == 1) {
      BatchHeader h;
      p = lines::parse_header(line, &h);
    } else {
      p = lines::parse_detail(line, next_seq, &d);
    }
    if (p) {
      return make_error("F1", std::move(p->message), std::move(p->field), std::move(p->value),
                        "line " + std::to_string(n));
    }
    if (n == 1) continue;
    ++next_seq;
    lines::fill_line(d, n, &out);
    REPAY_TRY(on_line(out));
  }
}

}  // namespace repay::batch
