#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "transport/durable_files.h"
#include "transport/sshd_test_util.h"
#include "transport/transport.h"

namespace fs = std::filesystem;
using repay::transport::InboxFile;
using repay::transport::LocalOptions;
using repay::transport::make_local_transport;
using repay::transport::testing::make_temp_dir;
using repay::transport::testing::read_text;
using repay::transport::testing::write_text;

namespace {

struct LocalFolders {
  LocalFolders() : dir(make_temp_dir("repay-local-")) {
    fs::create_directories(inbox());
    fs::create_directories(outbox());
    transport = make_local_transport(LocalOptions{inbox(), outbox()});
  }
  ~LocalFolders() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string inbox() const { return dir + "/inbox"; }
  std::string outbox() const { return dir + "/outbox"; }
  std::string done() const { return dir + "/inbox/done"; }
  void arrive(const std::string& name, const std::string& text) const {
    write_text(inbox() + "/" + name, text);
    write_text(inbox() + "/" + name + ".ok", "");
  }

  std::string dir;
  std::unique_ptr<repay::transport::FileTransport> transport;
};

std::vector<std::string> names_of(const std::vector<InboxFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.name);
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(LocalFolders, "local: only data files with their flag are listed") {
  arrive("REPAY_CC01_20261122_B001.txt", "H|x\n");
  write_text(inbox() + "/no_flag.txt", "data");               // data without its flag
  write_text(inbox() + "/flag_only.txt.ok", "");               // flag without its data
  write_text(inbox() + "/upload.tmp", "partial");              // temporary names
  write_text(inbox() + "/upload.tmp.ok", "");
  fs::create_directories(inbox() + "/folder");                 // folders, even with a flag
  write_text(inbox() + "/folder.ok", "");
  fs::create_directories(done());
  arrive("A.txt", "12345");

  auto files = transport->list_complete();
  REQUIRE(files.ok());
  CHECK(names_of(*files) == std::vector<std::string>{"A.txt", "REPAY_CC01_20261122_B001.txt"});
  CHECK((*files)[0].size == 5);
  CHECK((*files)[1].size == 4);

  auto size = transport->size_of("A.txt");
  REQUIRE(size.ok());
  CHECK(*size == 5);
  CHECK(transport->size_of("missing.txt").error().code == "IO");
}

TEST_CASE_FIXTURE(LocalFolders, "local: fetch copies and overwrites the local file") {
  arrive("A.txt", "content");
  std::string local = dir + "/copy.txt";
  write_text(local, "older and longer content");
  REQUIRE(transport->fetch("A.txt", local).ok());
  CHECK(read_text(local) == "content");
  CHECK(transport->fetch("missing.txt", local).error().code == "IO");
  CHECK(transport->fetch("../outbox/x", local).error().code == "IO");  // not a plain name
}

TEST_CASE_FIXTURE(LocalFolders, "local: mark_done moves the pair into done/, created when missing") {
  arrive("A.txt", "a");
  REQUIRE(transport->mark_done("A.txt").ok());
  CHECK(read_text(done() + "/A.txt") == "a");
  CHECK(fs::exists(done() + "/A.txt.ok"));
  CHECK_FALSE(fs::exists(inbox() + "/A.txt"));
  CHECK_FALSE(fs::exists(inbox() + "/A.txt.ok"));
  CHECK(transport->list_complete()->empty());
  CHECK(transport->mark_done("A.txt").error().code == "IO");  // nothing left to move
}

TEST_CASE_FIXTURE(LocalFolders, "local: mark_done never overwrites in done/, it adds .1, .2") {
  for (const char* text : {"first", "second", "third"}) {
    arrive("A.txt", text);
    REQUIRE(transport->mark_done("A.txt").ok());
  }
  CHECK(read_text(done() + "/A.txt") == "first");
  CHECK(read_text(done() + "/A.txt.1") == "second");
  CHECK(read_text(done() + "/A.txt.2") == "third");
  CHECK(fs::exists(done() + "/A.txt.ok"));
  CHECK(fs::exists(done() + "/A.txt.ok.1"));
  CHECK(fs::exists(done() + "/A.txt.ok.2"));
}

TEST_CASE_FIXTURE(LocalFolders, "local: publish writes NAME then an empty NAME.ok, no .tmp left") {
  std::string local = dir + "/RET.txt";
  write_text(local, "H|CC01|B001\n");
  auto before = transport->published("RET_CC01.txt");
  REQUIRE(before.ok());
  CHECK_FALSE(*before);

  REQUIRE(transport->publish(local, "RET_CC01.txt").ok());
  CHECK(read_text(outbox() + "/RET_CC01.txt") == "H|CC01|B001\n");
  CHECK(fs::exists(outbox() + "/RET_CC01.txt.ok"));
  CHECK(fs::file_size(outbox() + "/RET_CC01.txt.ok") == 0);
  CHECK_FALSE(fs::exists(outbox() + "/RET_CC01.txt.tmp"));
  CHECK(*transport->published("RET_CC01.txt"));

  // Again, even with other content: nothing changes (files.md: never overwritten).
  write_text(local, "different\n");
  REQUIRE(transport->publish(local, "RET_CC01.txt").ok());
  CHECK(read_text(outbox() + "/RET_CC01.txt") == "H|CC01|B001\n");
  CHECK_FALSE(fs::exists(outbox() + "/RET_CC01.txt.tmp"));
}

TEST_CASE_FIXTURE(LocalFolders, "local: publish after a crash past the rename only adds NAME.ok") {
  write_text(outbox() + "/RET.txt", "as renamed before the crash");
  std::string local = dir + "/RET.txt";
  write_text(local, "regenerated");
  REQUIRE(transport->publish(local, "RET.txt").ok());
  CHECK(read_text(outbox() + "/RET.txt") == "as renamed before the crash");
  CHECK(fs::exists(outbox() + "/RET.txt.ok"));
  CHECK_FALSE(fs::exists(outbox() + "/RET.txt.tmp"));
}

TEST_CASE_FIXTURE(LocalFolders, "local: publish after a crash before the rename replaces NAME.tmp") {
  write_text(outbox() + "/RET.txt.tmp", "half writ");
  std::string local = dir + "/RET.txt";
  write_text(local, "whole file");
  REQUIRE(transport->publish(local, "RET.txt").ok());
  CHECK(read_text(outbox() + "/RET.txt") == "whole file");
  CHECK_FALSE(fs::exists(outbox() + "/RET.txt.tmp"));
}

TEST_CASE("local: a missing folder is an IO error, the description names the inbox") {
  auto t = make_local_transport(LocalOptions{"/nonexistent/repay/inbox", "/nonexistent/repay/out"});
  CHECK(t->list_complete().error().code == "IO");
  CHECK(t->publish("/etc/hostname", "X.txt").error().code == "IO");
  CHECK(t->describe() == "local:/nonexistent/repay/inbox");
}

TEST_CASE_FIXTURE(LocalFolders, "local: a symbolic link is never followed, whatever it points to") {
  const std::string secret = dir + "/secret.txt";
  write_text(secret, "H|TOP SECRET target text\n");
  // A link named like a batch file, with a real flag; and a real file whose flag is a link.
  fs::create_symlink(secret, inbox() + "/REPAY_CC01_20261122_L1.txt");
  write_text(inbox() + "/REPAY_CC01_20261122_L1.txt.ok", "");
  write_text(inbox() + "/REPAY_CC01_20261122_L2.txt", "H|x\n");
  fs::create_symlink(secret, inbox() + "/REPAY_CC01_20261122_L2.txt.ok");
  arrive("REPAY_CC01_20261122_B1.txt", "H|ok\n");

  auto files = transport->list_complete();
  REQUIRE(files.ok());
  REQUIRE(files->size() == 3);
  CHECK((*files)[0].name == "REPAY_CC01_20261122_B1.txt");
  CHECK_FALSE((*files)[0].not_regular);
  CHECK((*files)[1].not_regular);
  CHECK((*files)[1].size == 0);
  CHECK((*files)[2].not_regular);
  // Read by name anyway: refused, and nothing of the target is read or said.
  const std::string local = dir + "/copy.txt";
  auto got = transport->fetch("REPAY_CC01_20261122_L1.txt", local);
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == "NOT_REGULAR");
  CHECK(got.error().to_string().find("SECRET") == std::string::npos);
  CHECK(got.error().to_string().find("secret.txt") == std::string::npos);
  CHECK_FALSE(fs::exists(local));
  CHECK(transport->size_of("REPAY_CC01_20261122_L1.txt").error().code == "NOT_REGULAR");
}

TEST_CASE_FIXTURE(LocalFolders, "local: two processes publishing one name: one writer, a whole file, one flag") {
  // Two writers of the same NAME (say `repay batch return` beside `repay serve`), each in a
  // process of its own, each with a large file: NAME is one of them whole, never a mix.
  const std::string a = dir + "/a.txt", b = dir + "/b.txt";
  write_text(a, std::string(8 << 20, 'a'));
  write_text(b, std::string(8 << 20, 'b'));
  for (int round = 0; round < 5; ++round) {
    const std::string name = "RET_CC01_20261122_B" + std::to_string(round) + ".txt";
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      auto t = make_local_transport(LocalOptions{inbox(), outbox()});
      ::_exit(t->publish(b, name).ok() ? 0 : 1);
    }
    auto mine = transport->publish(a, name);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(mine.ok());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const std::string text = read_text(outbox() + "/" + name);
    REQUIRE(text.size() == size_t{8} << 20);
    CHECK((text.find('a') == std::string::npos || text.find('b') == std::string::npos));
    CHECK(fs::exists(outbox() + "/" + name + ".ok"));
    CHECK_FALSE(fs::exists(outbox() + "/" + name + ".tmp"));
  }
}

TEST_CASE_FIXTURE(LocalFolders, "local: a NAME.tmp left by a crash is taken over; one held by a writer is waited for") {
  write_text(outbox() + "/X.txt.tmp", "half a file from a crash");
  const std::string src = dir + "/x.txt";
  write_text(src, "whole\n");
  REQUIRE(transport->publish(src, "X.txt").ok());
  CHECK(read_text(outbox() + "/X.txt") == "whole\n");
  CHECK_FALSE(fs::exists(outbox() + "/X.txt.tmp"));
  // A writer holds Y.txt.tmp: the publish waits for it, and then finds Y.txt there.
  const std::string tmp = outbox() + "/Y.txt.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  std::thread other([&] { CHECK(transport->publish(src, "Y.txt").ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(fs::exists(outbox() + "/Y.txt"));          // not written beside the holder
  CHECK_FALSE(fs::exists(outbox() + "/Y.txt.ok"));
  REQUIRE(::write(fd, "theirs\n", 7) == 7);
  REQUIRE(::rename(tmp.c_str(), (outbox() + "/Y.txt").c_str()) == 0);
  ::close(fd);
  other.join();
  CHECK(read_text(outbox() + "/Y.txt") == "theirs\n");  // never overwritten
  CHECK(fs::exists(outbox() + "/Y.txt.ok"));
}

TEST_CASE_FIXTURE(LocalFolders, "private folders: each writer's own, created with their parent, gone with what is in them") {
  const std::string parent = dir + "/work/out/CC01";
  std::string first_path;
  {
    auto a = repay::transport::PrivateFolder::make(parent);
    auto b = repay::transport::PrivateFolder::make(parent);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->path() != b->path());
    CHECK(fs::is_directory(a->path()));
    CHECK(fs::path(a->path()).parent_path() == fs::path(parent));
    write_text(a->file("RET.txt"), "mine\n");
    write_text(b->file("RET.txt"), "theirs\n");
    CHECK(read_text(a->file("RET.txt")) == "mine\n");
    first_path = a->path();
    auto moved = std::move(*a);  // the folder goes with the object that holds it, once
    CHECK(moved.path() == first_path);
  }
  CHECK_FALSE(fs::exists(first_path));
  CHECK(fs::is_empty(parent));
}
