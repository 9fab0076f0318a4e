#include "db/sqlite/serving_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace repay::db::sqlite {
namespace {

// The pid the holder wrote into the file ("" when unreadable).
std::string holder_of(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.find_first_not_of("0123456789") == std::string::npos ? s : "";
}

}  // namespace

Result<ServingLock> ServingLock::acquire(const std::string& database) {
  const std::string path = path_for(database);
  // O_CLOEXEC: a child (the demo's, a subprocess) never inherits the lock.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return make_error("IO", std::string("cannot open the database's lock file: ") + std::strerror(errno),
                      "processor.database", path);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = holder_of(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return make_error("LOCKED",
                        "another repay serve is running on this database" +
                            (holder.empty() ? std::string() : " (pid " + holder + ")") +
                            ": one serving process per SQLite database; stop it first",
                        "processor.database", path);
    }
    return make_error("IO", std::string("cannot lock the database's lock file: ") + std::strerror(err),
                      "processor.database", path);
  }
  // For the message a second process prints; the lock itself is the flock, not this text.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // Not fatal: the lock is held; only the holder's pid is missing from a refusal.
  }
  return ServingLock(fd, path);
}

ServingLock& ServingLock::operator=(ServingLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

ServingLock::~ServingLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace repay::db::sqlite
