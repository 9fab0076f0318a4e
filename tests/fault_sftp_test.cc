// Fault suite, SFTP (files.md: files are NAME + NAME.ok; picked-up files move to inbox/done/;
// publishing is NAME.tmp -> rename -> NAME.ok): a card center's SFTP server, a real OpenSSH sshd
// on loopback, that goes down, refuses our key, holds a file still being written, and refuses
// renames (sftp-server's -P deny list; as root, a read-only folder would not stop the server)
// while an interrupted upload of ours lies in its outbox. After each fault is lifted every batch
// is handled exactly once and its return file is true (fault_e2e.h).
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "fault_e2e.h"
#include "transport/sshd_test_util.h"

namespace repay::e2e {
namespace {

using namespace repay::e2e::fault;
namespace fs = std::filesystem;
namespace tt = repay::transport::testing;

// Stops the fixture's sshd and starts it again on the same port, host key and folders, with
// `subsystem` as its sftp line (e.g. "internal-sftp -P rename,posix-rename").
void sshd_stop(const tt::Sshd& sshd) {
  const pid_t pid = static_cast<pid_t>(std::atol(tt::read_text(sshd.dir() + "/sshd.pid").c_str()));
  REQUIRE(pid > 0);
  ::kill(pid, SIGTERM);
  REQUIRE_MESSAGE(wait_until([&] { return !tt::port_accepts(sshd.port()); }, std::chrono::seconds(10)),
                  "sshd still listening");
  fs::remove(sshd.dir() + "/sshd.pid");
}
void sshd_start(const tt::Sshd& sshd, const std::string& subsystem) {
  std::string config = tt::read_text(sshd.dir() + "/sshd_config");
  const auto at = config.find("Subsystem sftp ");
  REQUIRE(at != std::string::npos);
  config = config.substr(0, at) + "Subsystem sftp " + subsystem + "\n";
  tt::write_text(sshd.dir() + "/sshd_config", config);
  const std::string cmd = "/usr/sbin/sshd -f '" + sshd.dir() + "/sshd_config' -E '" + sshd.dir() +
                          "/sshd.log' >>'" + sshd.dir() + "/sshd.out' 2>&1";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "sshd did not start again: " << sshd.log());
  REQUIRE_MESSAGE(wait_until([&] { return tt::port_accepts(sshd.port()) &&
                                          !tt::read_text(sshd.dir() + "/sshd.pid").empty(); },
                             std::chrono::seconds(10)),
                  "sshd does not listen again: " << sshd.log());
}

long long batches_named(TestStack& ts, const std::string& batch_no) {
  return std::stoll(db_rows(ts.stack().database(),
                            "SELECT COUNT(*) FROM batches WHERE batch_no = '" + batch_no + "'")[0][0]);
}

// Lines of the processor's log holding `text`.
int log_lines_with(TestStack& ts, const std::string& text) {
  std::istringstream in(read_file_bytes(ts.dir() + "/repay.log"));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.find(text) != std::string::npos ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("fault sftp: server down, bad credentials, a file still being written, renames refused over an interrupted upload; every batch once, every return file true") {
  tt::Sshd sshd;
  REQUIRE_MESSAGE(sshd.failure().empty(), "sshd cannot run here, SFTP faults untested: " << sshd.failure());
  const transport::SftpOptions o = sshd.options();
  TestStack ts([&](stack::StackOptions& so) {
    stack::StackCenter c("CC01");
    c.transport = "transport = sftp\nsftp_host = " + o.host + "\nsftp_port = " + std::to_string(o.port) +
                  "\nsftp_user = " + o.user + "\nsftp_private_key_file = " + o.private_key_file +
                  "\nsftp_public_key_file = " + o.public_key_file + "\nsftp_known_hosts_file = " +
                  o.known_hosts_file + "\nsftp_inbox = " + o.inbox + "\nsftp_outbox = " + o.outbox + "\n";
    c.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\n";
    so.centers = {c};
  });
  Holders holders(ts.book());
  std::vector<std::pair<const BookEntry*, std::string>> signed_;
  for (int i = 0; i < 4; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = sign_collect(ts, "CC01", *e);
    REQUIRE(!ag.empty());
    signed_.emplace_back(e, ag);
  }
  const std::string date = cst_today();
  auto lines_for = [&](const std::string& batch_no, int count) {
    std::vector<Line> lines;
    for (int i = 0; i < count; ++i) {
      const auto& [e, ag] = signed_[static_cast<size_t>(i) % signed_.size()];
      lines.push_back(line_of(*e, ag, batch_no + "I" + std::to_string(i), 500 + i));
    }
    return lines;
  };
  std::vector<std::string> batch_nos;

  // 1. A file still being written (no .ok, its size still growing) is left alone; once complete
  //    with its flag, it is handled whole.
  {
    INFO("phase: partial file");
    const std::string no = "PART1";
    const auto lines = lines_for(no, 6);
    const std::string text = batch_text("CC01", no, date, lines);
    const std::string path = o.inbox + "/" + batch_file_name("CC01", date, no);
    write_bytes(path, text.substr(0, text.size() / 3));
    std::this_thread::sleep_for(std::chrono::seconds(3));
    CHECK(batches_named(ts, no) == 0);
    write_bytes(path, text.substr(0, 2 * text.size() / 3));
    std::this_thread::sleep_for(std::chrono::seconds(3));
    CHECK(batches_named(ts, no) == 0);
    write_bytes(path, text);
    write_bytes(path + ".ok", "");
    REQUIRE_MESSAGE(wait_return(o.outbox, "CC01", date, no, std::chrono::seconds(60)), "no return file for " << no);
    check_batch(ts, "CC01", o.outbox, date, no, lines);
    batch_nos.push_back(no);
  }

  // 2. The server is down while a batch waits in its inbox: polls fail (logged) and nothing is
  //    stored; once it is up again the batch is handled.
  {
    INFO("phase: server down then up");
    const std::string no = "DOWN1";
    const auto lines = lines_for(no, 6);
    const int failures = log_lines_with(ts, "sftp_attempt_failed");
    sshd_stop(sshd);
    drop(o.inbox, batch_file_name("CC01", date, no), batch_text("CC01", no, date, lines));
    CHECK(wait_until([&] { return log_lines_with(ts, "sftp_attempt_failed") > failures + 1; },
                     std::chrono::seconds(20)));
    CHECK(batches_named(ts, no) == 0);
    sshd_start(sshd, "internal-sftp");
    REQUIRE_MESSAGE(wait_return(o.outbox, "CC01", date, no, std::chrono::seconds(90)), "no return file for " << no);
    check_batch(ts, "CC01", o.outbox, date, no, lines);
    batch_nos.push_back(no);
  }

  // 3. The server refuses our key for a while (its authorized_keys changed): nothing is stored;
  //    once the key is accepted again the batch is handled.
  {
    INFO("phase: bad credentials");
    const std::string no = "AUTH1";
    const auto lines = lines_for(no, 6);
    const std::string keys = tt::read_text(sshd.dir() + "/authorized_keys");
    REQUIRE(sshd.keygen("other_key"));
    tt::write_text(sshd.dir() + "/authorized_keys", tt::read_text(sshd.dir() + "/other_key.pub"));
    const int refusals = log_lines_with(ts, "login refused");
    drop(o.inbox, batch_file_name("CC01", date, no), batch_text("CC01", no, date, lines));
    CHECK(wait_until([&] { return log_lines_with(ts, "login refused") > refusals; }, std::chrono::seconds(20)));
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK(batches_named(ts, no) == 0);
    tt::write_text(sshd.dir() + "/authorized_keys", keys);
    REQUIRE_MESSAGE(wait_return(o.outbox, "CC01", date, no, std::chrono::seconds(90)), "no return file for " << no);
    check_batch(ts, "CC01", o.outbox, date, no, lines);
    batch_nos.push_back(no);
  }

  // 4. Renames refused (moving the picked-up file to done/ and publishing both rename) while an
  //    interrupted upload of ours — a truncated RET…txt.tmp — lies in the outbox: the batch is
  //    stored once (a file seen again is not a second batch, nor a rejection), no return file is
  //    flagged while renames fail, and once they work the .tmp is replaced and the file is true.
  {
    INFO("phase: rename refused over an interrupted upload");
    const std::string no = "REN1";
    const auto lines = lines_for(no, 6);
    const std::string ret = return_name("CC01", date, no);
    sshd_stop(sshd);
    sshd_start(sshd, "internal-sftp -P rename,posix-rename");
    write_bytes(o.outbox + "/" + ret + ".tmp", "H|CC01|" + no + "|" + date + "|00|6|");
    drop(o.inbox, batch_file_name("CC01", date, no), batch_text("CC01", no, date, lines));
    CHECK(wait_until([&] { return batches_named(ts, no) == 1; }, std::chrono::seconds(30)));
    // Debited meanwhile (the bank is healthy); the publication keeps failing at the rename.
    std::this_thread::sleep_for(std::chrono::seconds(8));
    CHECK_FALSE(fs::exists(o.outbox + "/" + ret + ".ok"));
    CHECK_FALSE(fs::exists(o.outbox + "/" + ret));
    CHECK(batches_named(ts, no) == 1);
    sshd_stop(sshd);
    sshd_start(sshd, "internal-sftp");
    REQUIRE_MESSAGE(wait_return(o.outbox, "CC01", date, no, std::chrono::seconds(90)), "no return file for " << no);
    check_batch(ts, "CC01", o.outbox, date, no, lines);
    batch_nos.push_back(no);
  }

  // Every batch once; every inbox file moved to done/ once (no ".1" copy: never picked twice); no
  // rejection file, no .tmp left; the bank debited nothing twice.
  CHECK(wait_until([&] { return files_in(o.inbox).empty(); }, std::chrono::seconds(20)));
  std::set<std::string> expected_done, expected_out;
  for (const auto& no : batch_nos) {
    CHECK(batches_named(ts, no) == 1);
    const std::string name = batch_file_name("CC01", date, no);
    expected_done.insert({name, name + ".ok"});
    const std::string ret = return_name("CC01", date, no);
    expected_out.insert({ret, ret + ".ok"});
  }
  CHECK(files_in(o.inbox + "/done") == expected_done);
  CHECK(files_in(o.outbox) == expected_out);
  check_every_debit_is_ours(ts);
}

}  // namespace repay::e2e
