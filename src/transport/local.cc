// Local folders with the card-center layout (files.md: "a card center may instead be configured
// with a local folder (the same layout)").
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <set>
#include <system_error>

#include "transport/durable_files.h"
#include "transport/layout.h"
#include "transport/transport.h"

namespace repay::transport {
namespace {

namespace fs = std::filesystem;

Error fs_error(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return make_error("IO", what + ": " + ec.message(), "", "", path.string());
}

// Nothing of the entry's target is said: only that it is not a regular file.
Error not_regular(const fs::path& path) {
  return make_error("NOT_REGULAR", "not a regular file (a symbolic link is never followed)", "path",
                    path.string());
}

class LocalTransport final : public FileTransport {
 public:
  explicit LocalTransport(LocalOptions options) : options_(std::move(options)) {}

  Result<std::vector<InboxFile>> list_complete() override {
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    std::vector<FolderEntry> entries;
    std::error_code ec;
    fs::directory_iterator it(options_.inbox, ec);
    if (ec) return fs_error("cannot list inbox", options_.inbox, ec);
    for (const fs::directory_entry& e : it) {
      // lstat: a symbolic link is never followed, whatever it points to.
      const fs::file_status st = e.symlink_status(ec);
      FolderEntry entry{e.path().filename().string(), 0, !ec && fs::is_regular_file(st),
                        !ec && fs::is_directory(st)};
      if (entry.regular) {
        entry.size = e.file_size(ec);
        if (ec) continue;  // removed while listing
      }
      entries.push_back(std::move(entry));
    }
    return complete_files(entries);
  }

  Result<uint64_t> size_of(const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    const fs::path path = fs::path(options_.inbox) / name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      return fs_error("cannot read size", path, std::error_code(errno, std::generic_category()));
    }
    if (!S_ISREG(st.st_mode)) return not_regular(path);
    return static_cast<uint64_t>(st.st_size);
  }

  Status fetch(const std::string& name, const std::string& local_path) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    const fs::path path = fs::path(options_.inbox) / name;
    // O_NOFOLLOW: a symbolic link put in place of the file after the listing is refused, its
    // target never opened; only a regular file is read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ELOOP) return not_regular(path);
      return fs_error("cannot open", path, std::error_code(errno, std::generic_category()));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return not_regular(path);
    }
    auto copied = copy_fd_and_sync(fd, path.string(), local_path);
    ::close(fd);
    if (!copied) {
      std::error_code ignored;
      fs::remove(local_path, ignored);  // no partial copy left behind
    }
    return copied;
  }

  Status mark_done(const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    const fs::path inbox(options_.inbox);
    const fs::path done = inbox / kDoneFolder;
    std::error_code ec;
    fs::create_directories(done, ec);
    if (ec) return fs_error("cannot create done folder", done, ec);
    // The flag moves first: should the data move then fail, what stays in the inbox is a data
    // file without its flag, which is ignored; a flag left alone could complete a later upload
    // of the same name before it is whole.
    const std::string names[] = {flag_name(name), name};
    bool moved_any = false;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      auto in_done = folder_names(done);
      if (!in_done) return in_done.error();
      const std::string suffix = done_suffix(*in_done, name);
      bool collided = false;
      for (const std::string& n : names) {
        const fs::path from = inbox / n;
        if (!fs::exists(fs::symlink_status(from, ec))) continue;  // already moved
        auto renamed = rename_no_replace(from.string(), (done / (n + suffix)).string());
        if (!renamed) return renamed.error();
        if (!*renamed) {  // another writer took that name meanwhile: choose again
          collided = true;
          break;
        }
        moved_any = true;
      }
      if (collided) continue;
      if (!moved_any) {
        return make_error("IO", "neither the file nor its flag is in the inbox", "name", name);
      }
      REPAY_TRY(sync_folder(done.string()));
      return sync_folder(inbox.string());
    }
    return make_error("IO", "cannot find a free name in done folder", "name", name);
  }

  Status publish(const std::string& local_path, const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.outbox, "outbox"));
    const fs::path outbox(options_.outbox);
    const fs::path target = outbox / name;
    const fs::path flag = outbox / flag_name(name);
    std::error_code ec;
    if (fs::exists(flag, ec)) return ok_status();  // already published
    if (!fs::exists(fs::symlink_status(target, ec))) {
      // One writer of NAME.tmp at a time (`repay batch return` or `settle run` beside `serve`):
      // NAME.ok is created below only once NAME is there, which is only ever whole.
      auto renamed = publish_once(local_path, (outbox / temp_name(name)).string(), target.string());
      if (!renamed) return renamed.error();
      REPAY_TRY(sync_folder(outbox.string()));
    }
    REPAY_TRY(create_empty_and_sync(flag.string()));
    return sync_folder(outbox.string());
  }

  Result<bool> published(const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.outbox, "outbox"));
    std::error_code ec;
    bool there = fs::exists(fs::path(options_.outbox) / flag_name(name), ec);
    if (ec) return fs_error("cannot check flag", fs::path(options_.outbox) / flag_name(name), ec);
    return there;
  }

  std::string describe() const override { return "local:" + options_.inbox; }

 private:
  static Result<std::set<std::string>> folder_names(const fs::path& folder) {
    std::set<std::string> names;
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    if (ec) return fs_error("cannot list folder", folder, ec);
    for (const fs::directory_entry& e : it) names.insert(e.path().filename().string());
    return names;
  }

  LocalOptions options_;
};

}  // namespace

std::unique_ptr<FileTransport> make_local_transport(const LocalOptions& options) {
  return std::make_unique<LocalTransport>(options);
}

}  // namespace repay::transport
