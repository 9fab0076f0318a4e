#include "transport/durable_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>

namespace repay::transport {
namespace {

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error("IO", what + ": " + std::strerror(err), "", "", path);
}

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { int fd = fd_; fd_ = -1; return fd; }

 private:
  int fd_;
};

Status sync_and_close(Fd& fd, const std::string& path) {
  if (::fsync(fd.get()) != 0) return io_error("fsync failed", path, errno);
  if (::close(fd.release()) != 0) return io_error("close failed", path, errno);
  return ok_status();
}

}  // namespace

Status copy_and_sync(const std::string& from, const std::string& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return io_error("cannot open", from, errno);
  return copy_fd_and_sync(in.get(), from, to);
}

namespace {

// Copies everything readable from `in` into `out` (both open).
Status copy_fds(int in, const std::string& from, int out, const std::string& to) {
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read failed", from, errno);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return io_error("write failed", to, errno);
      done += w;
    }
  }
  return ok_status();
}

}  // namespace

Result<bool> publish_once(const std::string& from, const std::string& temp,
                          const std::string& target) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return io_error("cannot open", from, errno);
  return write_once(temp, target, [&](int out) -> Status {
    if (::lseek(in.get(), 0, SEEK_SET) != 0) return io_error("cannot rewind", from, errno);
    return copy_fds(in.get(), from, out, temp);
  });
}

Result<bool> write_once(const std::string& temp, const std::string& target,
                        const std::function<Status(int fd)>& write) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    struct stat st;
    if (::lstat(target.c_str(), &st) == 0) return false;  // published meanwhile: never replaced
    // Not truncated at open: the file may be another writer's until its lock is ours.
    Fd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (out.get() < 0) return io_error("cannot create", temp, errno);
    while (::flock(out.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return io_error("cannot lock", temp, errno);
    }
    // Still the file named `temp`? A writer before us may have renamed it to `target` (then our
    // descriptor is the published file: never touched) or removed it.
    struct stat mine, named;
    if (::fstat(out.get(), &mine) != 0) return io_error("cannot stat", temp, errno);
    if (::lstat(temp.c_str(), &named) != 0 || named.st_ino != mine.st_ino ||
        named.st_dev != mine.st_dev) {
      continue;
    }
    if (::ftruncate(out.get(), 0) != 0) return io_error("cannot truncate", temp, errno);
    REPAY_TRY(write(out.get()));
    if (::fsync(out.get()) != 0) return io_error("fsync failed", temp, errno);
    // Renamed while the lock is held: the next writer finds `target` there, or a new `temp`.
    auto renamed = rename_no_replace(temp, target);
    if (!renamed) return renamed.error();
    if (!*renamed) ::unlink(temp.c_str());  // files.md: a published file is never overwritten
    return *renamed;
  }
  return make_error("IO", "cannot take the temporary file for writing", "", "", temp);
}

Result<bool> write_bytes_once(const std::string& target, const std::string& bytes) {
  const std::string temp = target + ".tmp";
  return write_once(temp, target, [&](int fd) -> Status { return write_all(fd, bytes, temp); });
}

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  for (size_t off = 0; off < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("write failed", path, errno);
    off += static_cast<size_t>(n);
  }
  return ok_status();
}

Status write_replacing(const std::string& path, const std::function<Status(int fd)>& write) {
  std::string temp = path + ".tmp.XXXXXX";
  Fd out(::mkostemp(temp.data(), O_CLOEXEC));
  if (out.get() < 0) return io_error("cannot create a temporary file", path, errno);
  auto written = [&]() -> Status {
    if (::fchmod(out.get(), 0644) != 0) return io_error("cannot set the mode", temp, errno);
    REPAY_TRY(write(out.get()));
    REPAY_TRY(sync_and_close(out, temp));
    if (::rename(temp.c_str(), path.c_str()) != 0) return io_error("rename to " + path + " failed", temp, errno);
    return ok_status();
  }();
  if (!written) {
    ::unlink(temp.c_str());
    return written;
  }
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return sync_folder(folder.empty() ? "." : folder);
}

Status write_text_replacing(const std::string& path, std::string_view text) {
  return write_replacing(path, [&](int fd) { return write_all(fd, text, path); });
}

Status copy_fd_and_sync(int in_fd, const std::string& from, const std::string& to) {
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) return io_error("cannot create", to, errno);
  REPAY_TRY(copy_fds(in_fd, from, out.get(), to));
  return sync_and_close(out, to);
}

Status create_empty_and_sync(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return io_error("cannot create", path, errno);
  return sync_and_close(fd, path);
}

Result<PrivateFolder> PrivateFolder::make(const std::string& parent) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return make_error("IO", "cannot create folder: " + ec.message(), "", "", parent);
  std::string tmpl = parent + "/build.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return io_error("cannot create a private folder", parent, errno);
  return PrivateFolder(std::move(tmpl));
}

PrivateFolder::~PrivateFolder() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Status sync_folder(const std::string& folder) {
  Fd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open folder", folder, errno);
  return sync_and_close(fd, folder);
}

Result<bool> rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS) return io_error("rename to " + to + " failed", from, errno);
  // The file system does not know RENAME_NOREPLACE: link() also refuses an existing target.
  if (::link(from.c_str(), to.c_str()) == 0) {
    if (::unlink(from.c_str()) != 0) return io_error("unlink after link failed", from, errno);
    return true;
  }
  if (errno == EEXIST) return false;
  // No hard links either (some network or FAT file systems): check, then rename.
  struct stat st;
  if (::lstat(to.c_str(), &st) == 0) return false;
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return io_error("rename to " + to + " failed", from, errno);
  }
  return true;
}

}  // namespace repay::transport
