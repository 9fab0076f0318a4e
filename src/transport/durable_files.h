// POSIX file steps the local transport needs and std::filesystem does not give: data forced to
// disk (fsync of the file and of its folder) and a rename that never replaces its target.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace repay::transport {

// Copies `from` into `to` (created or truncated, mode 0644) and fsyncs it. Error "IO".
Status copy_and_sync(const std::string& from, const std::string& to);
// The same from an open descriptor (read to its end); `from` names it in errors.
Status copy_fd_and_sync(int in, const std::string& from, const std::string& to);
// Creates `path` empty if it is missing (an existing one is kept as is) and fsyncs it.
Status create_empty_and_sync(const std::string& path);
// Publishes the file `from` as `target` through `temp` (files.md, Publishing), one writer at a
// time: `temp` is written only under an exclusive flock() of it, and renamed to `target` (never
// replacing it) before the lock is released, so two processes never write the same `temp` and
// `target` only ever appears whole. True when this call renamed it, false when `target` was
// there already (then `temp` is left alone or removed, never renamed). Error "IO".
Result<bool> publish_once(const std::string& from, const std::string& temp,
                          const std::string& target);
// The same with the content written by `write` into the locked, empty `temp` (its descriptor).
Result<bool> write_once(const std::string& temp, const std::string& target,
                        const std::function<Status(int fd)>& write);
// Writes `bytes` with write_once(target + ".tmp", target); false when target was there.
Result<bool> write_bytes_once(const std::string& target, const std::string& bytes);
// A folder of this writer's own (mkdtemp `parent/build.XXXXXX`, parent created if missing), removed
// with what is in it when the object goes. A file built there before it is published is never
// another process's: `repay batch return` or `settle run` beside `serve` build the same NAME in
// folders of their own (issue 16). A crash leaves the folder behind, never a file under a shared
// name.
class PrivateFolder {
 public:
  static Result<PrivateFolder> make(const std::string& parent);
  PrivateFolder(PrivateFolder&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PrivateFolder& operator=(PrivateFolder&&) = delete;
  PrivateFolder(const PrivateFolder&) = delete;
  ~PrivateFolder();
  const std::string& path() const { return path_; }
  // `name` inside the folder.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit PrivateFolder(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Writes `path` whole, replacing what was there (a port file, an archive copy): `write` fills a
// temporary file of this writer's own beside it (mkstemp `path.tmp.XXXXXX`), which is fsynced,
// renamed over `path`, and the folder fsynced. A reader sees the old file or the new one, never
// part of either; a failure leaves `path` as it was and removes the temporary file. Error "IO"
// naming the file. The one write-then-rename of the code base besides write_once (which never
// replaces).
Status write_replacing(const std::string& path, const std::function<Status(int fd)>& write);
Status write_text_replacing(const std::string& path, std::string_view text);
// Writes all of `bytes` to the open `fd`; `path` names it in errors.
Status write_all(int fd, std::string_view bytes, const std::string& path);

// fsyncs a folder, so that names created or renamed in it survive a crash.
Status sync_folder(const std::string& folder);
// Renames `from` to `to` unless `to` exists (atomically where the file system allows). True when
// renamed, false when `to` already existed (nothing changed). Error "IO" otherwise.
Result<bool> rename_no_replace(const std::string& from, const std::string& to);

}  // namespace repay::transport
