// SFTP against a real OpenSSH sshd on loopback (../shared/testing.md). When sshd cannot run
// here, every test fails and says why: these tests are never skipped silently.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "transport/sshd_test_util.h"
#include "transport/transport.h"

namespace fs = std::filesystem;
using repay::transport::FileTransport;
using repay::transport::make_sftp_transport;
using repay::transport::SftpOptions;
using repay::transport::testing::free_port;
using repay::transport::testing::read_text;
using repay::transport::testing::Sshd;
using repay::transport::testing::write_text;

namespace {

struct SshdFixture {
  SshdFixture() {
    if (!sshd.failure().empty()) FAIL("sshd cannot run here, SFTP untested: ", sshd.failure());
  }
  void arrive(const std::string& name, const std::string& text) const {
    write_text(sshd.inbox() + "/" + name, text);
    write_text(sshd.inbox() + "/" + name + ".ok", "");
  }
  std::string local(const std::string& name) const { return sshd.dir() + "/" + name; }
  std::string done() const { return sshd.inbox() + "/done"; }

  Sshd sshd;
};

// Collects what is written to stderr (the structured log) while it lives.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ::dup2(::fileno(f), 2);
    std::fclose(f);
  }
  ~StderrCapture() { text(); }
  std::string text() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
    return read_text(path_);
  }

 private:
  std::string path_;
  int saved_ = -1;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE_FIXTURE(SshdFixture, "sftp: list, size, fetch and mark_done against sshd") {
  auto t = make_sftp_transport(sshd.options());
  arrive("REPAY_CC01_20261122_B001.txt", "H|CC01|B001\nD|1\n");
  arrive("sp ace.txt", "x");
  write_text(sshd.inbox() + "/no_flag.txt", "data");
  write_text(sshd.inbox() + "/flag_only.txt.ok", "");
  arrive("upload.tmp", "partial");
  fs::create_directories(sshd.inbox() + "/folder");
  write_text(sshd.inbox() + "/folder.ok", "");

  auto files = t->list_complete();
  REQUIRE_MESSAGE(files.ok(), files.error().to_string(), "\nsshd log:\n", sshd.log());
  REQUIRE(files->size() == 2);
  CHECK((*files)[0].name == "REPAY_CC01_20261122_B001.txt");
  CHECK((*files)[0].size == 16);
  CHECK((*files)[1].name == "sp ace.txt");
  CHECK((*files)[1].size == 1);

  auto size = t->size_of("REPAY_CC01_20261122_B001.txt");
  REQUIRE(size.ok());
  CHECK(*size == 16);
  CHECK(t->size_of("missing.txt").error().code == "IO");

  const std::string copy = local("copy.txt");
  REQUIRE(t->fetch("REPAY_CC01_20261122_B001.txt", copy).ok());
  CHECK(read_text(copy) == "H|CC01|B001\nD|1\n");
  auto missing = t->fetch("missing.txt", copy);
  CHECK(missing.error().code == "IO");
  CHECK(missing.error().where.find("missing.txt") != std::string::npos);
  CHECK_FALSE(fs::exists(copy));

  REQUIRE(t->mark_done("REPAY_CC01_20261122_B001.txt").ok());
  REQUIRE(t->mark_done("sp ace.txt").ok());
  CHECK(read_text(done() + "/REPAY_CC01_20261122_B001.txt") == "H|CC01|B001\nD|1\n");
  CHECK(fs::exists(done() + "/REPAY_CC01_20261122_B001.txt.ok"));
  CHECK(fs::exists(done() + "/sp ace.txt"));
  CHECK(fs::exists(done() + "/sp ace.txt.ok"));
  CHECK_FALSE(fs::exists(sshd.inbox() + "/REPAY_CC01_20261122_B001.txt"));
  CHECK_FALSE(fs::exists(sshd.inbox() + "/REPAY_CC01_20261122_B001.txt.ok"));
  CHECK(t->list_complete()->empty());
  CHECK(t->mark_done("REPAY_CC01_20261122_B001.txt").error().code == "IO");

  // The same name again: done/ keeps both, the second with a suffix.
  arrive("REPAY_CC01_20261122_B001.txt", "second");
  REQUIRE(t->mark_done("REPAY_CC01_20261122_B001.txt").ok());
  CHECK(read_text(done() + "/REPAY_CC01_20261122_B001.txt") == "H|CC01|B001\nD|1\n");
  CHECK(read_text(done() + "/REPAY_CC01_20261122_B001.txt.1") == "second");
  CHECK(fs::exists(done() + "/REPAY_CC01_20261122_B001.txt.ok.1"));
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: publish is .tmp, rename, .ok, and idempotent") {
  auto t = make_sftp_transport(sshd.options());
  const std::string src = local("RET.txt");
  write_text(src, "H|CC01|B001|20261122|00\n");
  auto before = t->published("RET_CC01.txt");
  REQUIRE_MESSAGE(before.ok(), before.error().to_string());
  CHECK_FALSE(*before);

  REQUIRE(t->publish(src, "RET_CC01.txt").ok());
  CHECK(read_text(sshd.outbox() + "/RET_CC01.txt") == "H|CC01|B001|20261122|00\n");
  CHECK(fs::exists(sshd.outbox() + "/RET_CC01.txt.ok"));
  CHECK(fs::file_size(sshd.outbox() + "/RET_CC01.txt.ok") == 0);
  CHECK_FALSE(fs::exists(sshd.outbox() + "/RET_CC01.txt.tmp"));
  CHECK(*t->published("RET_CC01.txt"));

  write_text(src, "something else\n");
  REQUIRE(t->publish(src, "RET_CC01.txt").ok());
  CHECK(read_text(sshd.outbox() + "/RET_CC01.txt") == "H|CC01|B001|20261122|00\n");

  // Interrupted after the rename: NAME is there without NAME.ok; only the flag is added.
  write_text(sshd.outbox() + "/RET_2.txt", "renamed before the crash");
  REQUIRE(t->publish(src, "RET_2.txt").ok());
  CHECK(read_text(sshd.outbox() + "/RET_2.txt") == "renamed before the crash");
  CHECK(fs::exists(sshd.outbox() + "/RET_2.txt.ok"));

  // Interrupted before the rename (or another writer still uploading): its temporary file is
  // never written into nor renamed; this writer uploads one of its own, and once NAME is there
  // the temporary files of NAME seen before are removed.
  write_text(sshd.outbox() + "/RET_3.txt.tmp", "half");
  write_text(sshd.outbox() + "/RET_3.txt.0123456789abcdef.tmp", "half too");
  REQUIRE(t->publish(src, "RET_3.txt").ok());
  CHECK(read_text(sshd.outbox() + "/RET_3.txt") == "something else\n");
  for (const auto& e : fs::directory_iterator(sshd.outbox())) {
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }

  CHECK(t->publish(local("no-such-file"), "RET_4.txt").error().code == "IO");
  CHECK_FALSE(fs::exists(sshd.outbox() + "/RET_4.txt"));
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: two writers of one name: a whole file, never a mix") {
  const std::string a = local("a.txt"), b = local("b.txt");
  write_text(a, std::string(4 << 20, 'a'));
  write_text(b, std::string(4 << 20, 'b'));
  for (int round = 0; round < 2; ++round) {
    const std::string name = "RET_CC01_20261122_B" + std::to_string(round) + ".txt";
    auto ta = make_sftp_transport(sshd.options());
    auto tb = make_sftp_transport(sshd.options());
    repay::Status rb = repay::ok_status();
    std::thread other([&] { rb = tb->publish(b, name); });
    auto ra = ta->publish(a, name);
    other.join();
    CHECK_MESSAGE(ra.ok(), (ra.ok() ? "" : ra.error().to_string()));
    CHECK_MESSAGE(rb.ok(), (rb.ok() ? "" : rb.error().to_string()));
    const std::string text = read_text(sshd.outbox() + "/" + name);
    REQUIRE(text.size() == size_t{4} << 20);
    CHECK((text.find('a') == std::string::npos || text.find('b') == std::string::npos));
    CHECK(fs::exists(sshd.outbox() + "/" + name + ".ok"));
  }
  for (const auto& e : fs::directory_iterator(sshd.outbox())) {
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: a writer still uploading NAME.tmp is never published under NAME") {
  // Another process is writing its NAME.tmp (it opened it and has written part of it).
  const std::string theirs = sshd.outbox() + "/R.txt.tmp";
  int fd = ::open(theirs.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "other writer, part 1\n", 21) == 21);
  const std::string src = local("mine.txt");
  write_text(src, "H|CC01|mine\n");
  auto t = make_sftp_transport(sshd.options());
  REQUIRE(t->publish(src, "R.txt").ok());
  // The other writer goes on: what it writes never lands in the published file.
  REQUIRE(::write(fd, "other writer, part 2\n", 21) == 21);
  ::close(fd);
  CHECK(read_text(sshd.outbox() + "/R.txt") == "H|CC01|mine\n");
  CHECK(fs::exists(sshd.outbox() + "/R.txt.ok"));
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: a symbolic link in the inbox is listed as not regular") {
  write_text(local("secret.txt"), "target");
  fs::create_symlink(local("secret.txt"), sshd.inbox() + "/REPAY_CC01_20261122_L1.txt");
  write_text(sshd.inbox() + "/REPAY_CC01_20261122_L1.txt.ok", "");
  auto t = make_sftp_transport(sshd.options());
  auto files = t->list_complete();
  REQUIRE_MESSAGE(files.ok(), files.error().to_string());
  REQUIRE(files->size() == 1);
  CHECK((*files)[0].not_regular);
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: folders relative to the login folder") {
  // The login folder is root's home; reach the fixture's folders from there with "../".
  const passwd* pw = ::getpwuid(::getuid());
  REQUIRE(pw != nullptr);
  const std::string home = fs::canonical(pw->pw_dir).string();
  SftpOptions o = sshd.options();
  o.inbox = fs::path(sshd.inbox()).lexically_relative(home).string();
  o.outbox = fs::path(sshd.outbox()).lexically_relative(home).string() + "/";
  REQUIRE(o.inbox.front() != '/');
  auto t = make_sftp_transport(o);
  arrive("A.txt", "a");
  auto files = t->list_complete();
  REQUIRE_MESSAGE(files.ok(), files.error().to_string());
  REQUIRE(files->size() == 1);
  REQUIRE(t->fetch("A.txt", local("a.copy")).ok());
  CHECK(read_text(local("a.copy")) == "a");
  REQUIRE(t->mark_done("A.txt").ok());
  CHECK(fs::exists(done() + "/A.txt"));
  CHECK(fs::exists(done() + "/A.txt.ok"));
  REQUIRE(t->publish(local("a.copy"), "R.txt").ok());
  CHECK(read_text(sshd.outbox() + "/R.txt") == "a");
  CHECK(fs::exists(sshd.outbox() + "/R.txt.ok"));
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: another host key is refused (HOSTKEY), nothing fetched") {
  arrive("A.txt", "secret batch");
  REQUIRE(sshd.keygen("other_host_key"));
  SftpOptions o = sshd.options();
  o.known_hosts_file = local("wrong_known_hosts");
  write_text(o.known_hosts_file, sshd.known_hosts_line(local("other_host_key.pub")));
  auto t = make_sftp_transport(o);

  StderrCapture log(local("hostkey.log"));
  auto files = t->list_complete();
  REQUIRE_FALSE(files.ok());
  CHECK(files.error().code == "HOSTKEY");
  CHECK(files.error().message.find("differs") != std::string::npos);
  auto fetched = t->fetch("A.txt", local("copy.txt"));
  CHECK(fetched.error().code == "HOSTKEY");
  CHECK_FALSE(fs::exists(local("copy.txt")));
  CHECK(t->publish(local("wrong_known_hosts"), "X.txt").error().code == "HOSTKEY");
  for (const auto& e : fs::directory_iterator(sshd.outbox())) {
    CHECK(e.path().filename().string().rfind("X.txt", 0) == std::string::npos);
  }
  CHECK(count(log.text(), "sftp_attempt_failed") == 0);  // a configuration error: not retried

  // No entry for this host at all is refused as well.
  write_text(o.known_hosts_file, "[127.0.0.1]:1 " + read_text(local("host_key.pub")));
  CHECK(make_sftp_transport(o)->list_complete().error().code == "HOSTKEY");
  o.known_hosts_file = "";
  CHECK(make_sftp_transport(o)->list_complete().error().code == "HOSTKEY");
}

TEST_CASE_FIXTURE(SshdFixture, "sftp: a key the server does not know is refused (AUTH)") {
  REQUIRE(sshd.keygen("stranger_key"));
  SftpOptions o = sshd.options();
  o.private_key_file = local("stranger_key");
  o.public_key_file = local("stranger_key.pub");
  StderrCapture log(local("auth.log"));
  auto files = make_sftp_transport(o)->list_complete();
  REQUIRE_FALSE(files.ok());
  CHECK(files.error().code == "AUTH");

  // Password login is off on this server: refused the same way, the password never logged.
  o.private_key_file.clear();
  o.public_key_file.clear();
  o.password = "pw-must-not-leak";
  CHECK(make_sftp_transport(o)->list_complete().error().code == "AUTH");
  std::string text = log.text();
  CHECK(count(text, "sftp_attempt_failed") == 0);
  CHECK(text.find("pw-must-not-leak") == std::string::npos);
}

TEST_CASE("sftp: nothing listening: retried with backoff, logged, then IO") {
  Sshd sshd;  // for its keys and folder only
  REQUIRE_MESSAGE(sshd.failure().empty(), sshd.failure());
  SftpOptions o = sshd.options();
  o.port = free_port();  // nothing listens there
  o.retries = 2;
  o.backoff = std::chrono::milliseconds(5);
  o.password = "pw-must-not-leak";
  auto t = make_sftp_transport(o);
  StderrCapture log(sshd.dir() + "/down.log");
  auto files = t->list_complete();
  std::string text = log.text();
  REQUIRE_FALSE(files.ok());
  CHECK(files.error().code == "IO");
  CHECK(files.error().message.find("after 3 attempts") != std::string::npos);
  CHECK(count(text, "\"sftp_attempt_failed\"") == 3);  // the first try and 2 retries
  CHECK(count(text, "giving up") == 1);
  CHECK(text.find("pw-must-not-leak") == std::string::npos);
  CHECK(t->describe() == "sftp://root@127.0.0.1:" + std::to_string(o.port));
}
