// LineWriter and file_sha256: buffered writes, SHA-256 of the bytes as written, fsync at the end.
#include <fcntl.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "files/decoder.h"
#include "files/text.h"

namespace repay::files {
namespace {

constexpr size_t kBlock = 64 * 1024;

std::string io_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Streaming SHA-256 (crypto.h has only whole strings).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const char* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kDigits[md[i] >> 4];
      out += kDigits[md[i] & 0xF];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

class FileLineWriter final : public LineWriter {
 public:
  FileLineWriter(int fd, std::string path, Encoding enc, iconv_t cd)
      : fd_(fd), path_(std::move(path)), enc_(enc), cd_(cd) {
    buf_.reserve(kBlock + 1024);
  }
  ~FileLineWriter() override {
    if (fd_ >= 0) ::close(fd_);  // unfinished: the partial file stays; it is never published
    if (cd_ != reinterpret_cast<iconv_t>(-1)) iconv_close(cd_);
  }
  FileLineWriter(const FileLineWriter&) = delete;
  FileLineWriter& operator=(const FileLineWriter&) = delete;

  Status write_line(std::string_view utf8) override {
    if (fd_ < 0) return make_error("IO", "write after finish", "", "", path_);
    // A line end or an invalid sequence inside would change the file's lines (common.md).
    bool incomplete = false;
    if (utf8.empty() || utf8.find_first_of("\r\n") != std::string_view::npos ||
        utf8_valid_prefix(utf8, &incomplete) != utf8.size()) {
      return make_error("ENCODING", "line is empty, holds a line end or is not UTF-8", "", "",
                        path_);
    }
    if (enc_ == Encoding::kUtf8) {
      buf_.append(utf8);
    } else {
      REPAY_TRY(encode(utf8));
    }
    buf_ += '\n';
    if (buf_.size() >= kBlock) return flush();
    return ok_status();
  }

  Result<Done> finish() override {
    if (fd_ < 0) return make_error("IO", "finish called twice", "", "", path_);
    REPAY_TRY(flush());
    int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0) {
      std::string msg = io_error("fsync", path_);
      ::close(fd);
      return make_error("IO", msg);
    }
    if (::close(fd) != 0) return make_error("IO", io_error("close", path_));
    return Done{sha_.hex(), size_};
  }

 private:
  Status encode(std::string_view utf8) {
    char* src = const_cast<char*>(utf8.data());  // iconv's signature; it does not write
    size_t src_left = utf8.size();
    while (src_left > 0) {
      size_t old = buf_.size();
      size_t room = 2 * src_left + 8;  // a character of 2 UTF-8 bytes may take 4 in GB18030
      buf_.resize(old + room);
      char* dst = buf_.data() + old;
      size_t dst_left = room;
      size_t rc = iconv(cd_, &src, &src_left, &dst, &dst_left);
      int err = errno;
      buf_.resize(old + (room - dst_left));
      if (rc == static_cast<size_t>(-1) && err != E2BIG) {
        iconv(cd_, nullptr, nullptr, nullptr, nullptr);
        return make_error("ENCODING", "a character GB18030 cannot hold", "", "", path_);
      }
    }
    return ok_status();
  }

  Status flush() {
    if (buf_.empty()) return ok_status();
    if (!write_all(fd_, buf_.data(), buf_.size()))
      return make_error("IO", io_error("write", path_));
    sha_.update(buf_.data(), buf_.size());
    size_ += buf_.size();
    buf_.clear();
    return ok_status();
  }

  int fd_;
  std::string path_;
  Encoding enc_;
  iconv_t cd_;
  std::string buf_;
  Sha256 sha_;
  uint64_t size_ = 0;
};

}  // namespace

Result<std::unique_ptr<LineWriter>> LineWriter::create(const std::string& path, Encoding enc) {
  iconv_t cd = reinterpret_cast<iconv_t>(-1);
  if (enc == Encoding::kGbk) {
    cd = iconv_open("GB18030", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1))
      return make_error("IO", "iconv has no GB18030 converter");
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    std::string msg = io_error("cannot create", path);
    if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    return make_error("IO", msg);
  }
  return std::unique_ptr<LineWriter>(new FileLineWriter(fd, path, enc, cd));
}

Result<std::pair<std::string, uint64_t>> file_sha256(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("IO", io_error("cannot open", path));
  Sha256 sha;
  uint64_t size = 0;
  std::string buf(kBlock, '\0');
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = io_error("read", path);
      ::close(fd);
      return make_error("IO", msg);
    }
    if (n == 0) break;
    sha.update(buf.data(), static_cast<size_t>(n));
    size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return std::make_pair(sha.hex(), size);
}

}  // namespace repay::files
