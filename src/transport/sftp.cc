// SFTP through libcurl (files.md, "Exchange with card centers (SFTP)"). Every operation opens
// one SSH connection (several libcurl requests reuse it) and closes it at the end; an operation
// that fails at the connection level is run again from the start, so each one is written to be
// safe to repeat.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/log.h"
#include "transport/layout.h"
#include "transport/sftp_paths.h"
#include "transport/sftp_session.h"
#include "transport/transport.h"

namespace repay::transport {
namespace {

const FolderEntry* find_entry(const SftpListing& listing, const std::string& name) {
  auto it = std::find_if(listing.entries.begin(), listing.entries.end(),
                         [&](const FolderEntry& e) { return e.name == name; });
  return it == listing.entries.end() ? nullptr : &*it;
}

bool has_regular(const SftpListing& listing, const std::string& name) {
  const FolderEntry* e = find_entry(listing, name);
  return e != nullptr && e->regular;
}

class SftpTransport final : public FileTransport {
 public:
  explicit SftpTransport(SftpOptions options)
      : options_(std::move(options)), base_(sftp_base_url(options_.host, options_.port)) {}

  Result<std::vector<InboxFile>> list_complete() override {
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    return with_retries<std::vector<InboxFile>>(
        "list", "", [&](SftpSession& s, int) -> Result<std::vector<InboxFile>> {
          auto listing = s.list(sftp_folder_url(base_, options_.inbox));
          if (!listing) return listing.error();
          for (const std::string& name : listing->unreadable) {
            log::warn("sftp_listing_unreadable", {{"transport", describe()}, {"name", name}});
          }
          return complete_files(listing->entries);
        });
  }

  Result<uint64_t> size_of(const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    return with_retries<uint64_t>("size", name, [&](SftpSession& s, int) -> Result<uint64_t> {
      auto listing = s.list(sftp_folder_url(base_, options_.inbox));
      if (!listing) return listing.error();
      const FolderEntry* e = find_entry(*listing, name);
      if (e == nullptr || !e->regular) {
        return make_error("IO", "no such file in the inbox", "path",
                          sftp_file_url(base_, options_.inbox, name));
      }
      return e->size;
    });
  }

  Status fetch(const std::string& name, const std::string& local_path) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    return with_retries<Ok>("fetch", name, [&](SftpSession& s, int) -> Status {
      return s.download(sftp_file_url(base_, options_.inbox, name), local_path);
    });
  }

  Status mark_done(const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.inbox, "inbox"));
    const std::string& inbox = options_.inbox;
    const std::string done = join(inbox, std::string(kDoneFolder));
    return with_retries<Ok>("mark_done", name, [&](SftpSession& s, int attempt) -> Status {
      // '*': the mkdir fails when done/ exists already, which is fine.
      auto in_done = s.list(sftp_folder_url(base_, done), {"*mkdir " + sftp_quote_path(done, "")});
      if (!in_done) return in_done.error();
      auto in_inbox = s.list(sftp_folder_url(base_, inbox));
      if (!in_inbox) return in_inbox.error();
      std::set<std::string> taken;
      for (const auto& e : in_done->entries) taken.insert(e.name);
      for (const auto& n : in_done->unreadable) taken.insert(n);
      const std::string suffix = done_suffix(taken, name);
      // The flag moves first: should the data move then fail, the inbox keeps a data file
      // without its flag, which is ignored; a flag left alone could complete a later upload of
      // the same name before it is whole.
      std::vector<std::string> renames;
      for (const std::string& n : {flag_name(name), name}) {
        if (find_entry(*in_inbox, n) == nullptr) continue;
        renames.push_back("rename " + sftp_quote_path(inbox, n) + " " +
                          sftp_quote_path(done, n + suffix));
      }
      if (renames.empty()) {
        // A repeat after a dropped connection finds the move already made.
        if (attempt > 0) return ok_status();
        return make_error("IO", "neither the file nor its flag is in the inbox", "path",
                          sftp_file_url(base_, inbox, name));
      }
      return s.run_quote(sftp_folder_url(base_, done), renames);
    });
  }

  Status publish(const std::string& local_path, const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.outbox, "outbox"));
    const std::string& outbox = options_.outbox;
    return with_retries<Ok>("publish", name, [&](SftpSession& s, int) -> Status {
      auto listing = s.list(sftp_folder_url(base_, outbox));
      if (!listing) return listing.error();
      if (has_regular(*listing, flag_name(name))) return ok_status();  // already published
      if (find_entry(*listing, name) == nullptr) {
        // files.md: upload a temporary file, rename it to NAME. Each writer uploads a temporary
        // name of its own (NAME.<random>.tmp): two processes publishing NAME at once never write
        // into one file, and neither keeps writing into a file the other has renamed to NAME.
        // OpenSSH's rename refuses to replace an existing NAME: the first whole upload wins, the
        // other's rename fails, and it removes its temporary file and completes the flag.
        const std::string temp = writer_temp_name(name);
        auto up = s.upload(local_path, sftp_file_url(base_, outbox, temp),
                           {"rename " + sftp_quote_path(outbox, temp) + " " +
                            sftp_quote_path(outbox, name)});
        if (!up) {
          if (s.retryable()) return up;
          (void)s.run_quote(sftp_folder_url(base_, outbox), {"*rm " + sftp_quote_path(outbox, temp)});
          auto again = s.list(sftp_folder_url(base_, outbox));
          if (!again || find_entry(*again, name) == nullptr) return up;
        }
      }
      // NAME is there, whole: the temporary files of NAME seen before (an interrupted upload,
      // another writer's that lost) are of no use any more. Removing one another writer still
      // holds open is harmless: its rename then fails and it finds NAME.
      std::vector<std::string> stale;
      for (const auto& e : listing->entries) {
        if (e.name.size() >= name.size() + kTempSuffix.size() && e.name.compare(0, name.size() + 1, name + ".") == 0 &&
            e.name.compare(e.name.size() - kTempSuffix.size(), kTempSuffix.size(), kTempSuffix) == 0) {
          stale.push_back("*rm " + sftp_quote_path(outbox, e.name));
        }
      }
      if (!stale.empty()) (void)s.run_quote(sftp_folder_url(base_, outbox), stale);
      return s.upload("", sftp_file_url(base_, outbox, flag_name(name)));
    });
  }

  Result<bool> published(const std::string& name) override {
    REPAY_TRY(check_file_name(name));
    REPAY_TRY(check_folder(options_.outbox, "outbox"));
    return with_retries<bool>("published", name, [&](SftpSession& s, int) -> Result<bool> {
      auto listing = s.list(sftp_folder_url(base_, options_.outbox));
      if (!listing) return listing.error();
      return has_regular(*listing, flag_name(name));
    });
  }

  std::string describe() const override {
    return "sftp://" + options_.user + "@" + options_.host + ":" + std::to_string(options_.port);
  }

 private:
  // NAME.<16 hex>.tmp, unique to this writer (a *.tmp name: never listed as complete).
  static std::string writer_temp_name(const std::string& name) {
    static std::mutex mu;
    static std::mt19937_64 gen{std::random_device{}() ^
                               (static_cast<uint64_t>(::getpid()) << 32) ^
                               static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
    uint64_t v;
    {
      std::lock_guard<std::mutex> lock(mu);
      v = gen();
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return name + "." + buf + std::string(kTempSuffix);
  }

  static std::string join(const std::string& folder, const std::string& name) {
    if (!folder.empty() && folder.back() == '/') return folder + name;
    return folder + "/" + name;
  }

  // Runs op(session, attempt) with a fresh connection per attempt, again after a
  // connection-level failure, at most options_.retries more times, waiting options_.backoff,
  // then twice as long each time. Every failed attempt is logged (never with the password).
  template <class T, class Op>
  Result<T> with_retries(const char* op, const std::string& name, Op&& run) {
    REPAY_TRY(check_sftp_settings(options_));
    const int attempts = 1 + std::max(0, options_.retries);
    std::chrono::milliseconds wait = options_.backoff;
    for (int attempt = 0;; ++attempt) {
      SftpSession session(options_);
      Result<T> result = run(session, attempt);
      if (result || !session.retryable()) return result;
      const bool last = attempt + 1 >= attempts;
      log::warn("sftp_attempt_failed",
                {{"transport", describe()},
                 {"op", op},
                 {"name", name},
                 {"attempt", std::to_string(attempt + 1) + "/" + std::to_string(attempts)},
                 {"error", result.error().message},
                 {"next", last ? "giving up" : "retry in " + std::to_string(wait.count()) + "ms"}});
      if (last) {
        Error e = result.error();
        e.message += " (after " + std::to_string(attempts) + " attempts)";
        return e;
      }
      std::this_thread::sleep_for(wait);
      if (wait < std::chrono::minutes(5)) wait *= 2;
    }
  }

  SftpOptions options_;
  std::string base_;
};

}  // namespace

std::unique_ptr<FileTransport> make_sftp_transport(const SftpOptions& options) {
  return std::make_unique<SftpTransport>(options);
}

}  // namespace repay::transport
