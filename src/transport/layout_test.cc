#include <doctest/doctest.h>

#include "transport/layout.h"
#include "transport/sftp_listing.h"
#include "transport/sftp_paths.h"

using namespace repay::transport;

TEST_CASE("layout: complete files need a regular data file and a regular flag") {
  std::vector<FolderEntry> entries = {
      {"b.txt", 3, true},     {"b.txt.ok", 0, true},  {"a.txt", 1, true},
      {"a.txt.ok", 0, true},  {"lonely.txt", 2, true}, {"orphan.txt.ok", 0, true},
      {"x.tmp", 1, true},     {"x.tmp.ok", 0, true},   {"dir", 4096, false, true},
      {"dir.ok", 0, true},    {"c.txt", 1, true},      {"c.txt.ok", 4096, false},
      {"x.ok", 0, true},      {"x.ok.ok", 0, true},    {"link.txt", 9, false},
      {"link.txt.ok", 0, true}};
  auto files = complete_files(entries);
  REQUIRE(files.size() == 4);
  CHECK(files[0].name == "a.txt");
  CHECK_FALSE(files[0].not_regular);
  CHECK(files[1].name == "b.txt");
  CHECK(files[1].size == 3);
  // A link (or any entry not a regular file, folders aside) with its flag, or a data file whose
  // flag is not a regular file: listed to be reported, never to be read.
  CHECK(files[2].name == "c.txt");
  CHECK(files[2].not_regular);
  CHECK(files[3].name == "link.txt");
  CHECK(files[3].not_regular);
  CHECK(files[3].size == 0);
}

TEST_CASE("layout: done suffix keeps the pair together and never reuses a name") {
  CHECK(done_suffix({}, "A") == "");
  CHECK(done_suffix({"A"}, "A") == ".1");
  CHECK(done_suffix({"A.ok"}, "A") == ".1");  // a lone flag also takes the plain name
  CHECK(done_suffix({"A", "A.ok", "A.1", "A.ok.1"}, "A") == ".2");
  CHECK(done_suffix({"A", "A.ok", "A.ok.1"}, "A") == ".2");
  CHECK(done_suffix({"B"}, "A") == "");
}

TEST_CASE("layout: names must be plain") {
  CHECK(check_file_name("REPAY_CC01_20261122_B001.txt").ok());
  CHECK(check_file_name("with space.txt").ok());
  for (const char* bad : {"", ".", "..", "a/b", "/abs", "new\nline", "tab\t"}) {
    CHECK(check_file_name(bad).error().code == "IO");
  }
  CHECK(check_file_name(std::string(256, 'a')).error().field == "name");
  CHECK(check_folder("", "inbox").error().code == "CONFIG");
  CHECK(check_folder("in\nbox", "inbox").error().field == "inbox");
}

TEST_CASE("sftp listing: OpenSSH long lines joined with the bare names") {
  const char* names = ".\nsp ace.txt\ndone\n..\na.txt.ok\na.txt\nlink\n";
  const char* full =
      "drwxr-xr-x    3 root     root         4096 Nov 22 02:47 .\n"
      "-rw-r--r--    1 root     root            2 Nov 22 02:47 sp ace.txt\n"
      "drwxr-xr-x    2 root     root         4096 Nov 22 02:47 done\n"
      "drwxr-xr-x    4 root     root         4096 Nov 22 02:47 ..\n"
      "-rw-r--r--    1 root     root            0 Nov  2  2025 a.txt.ok\r\n"
      "-rw-r--r--    1 card     center 12345678901 Nov 22 02:47 a.txt\n"
      "lrwxrwxrwx    1 root     root            5 Nov 22 02:47 link -> a.txt\n";
  SftpListing l = parse_listing(names, full);
  CHECK(l.unreadable.empty());
  REQUIRE(l.entries.size() == 5);
  CHECK(l.entries[0].name == "sp ace.txt");
  CHECK(l.entries[0].size == 2);
  CHECK(l.entries[0].regular);
  CHECK(l.entries[1].name == "done");
  CHECK_FALSE(l.entries[1].regular);
  CHECK(l.entries[2].name == "a.txt.ok");
  CHECK(l.entries[2].size == 0);
  CHECK(l.entries[3].name == "a.txt");
  CHECK(l.entries[3].size == 12345678901ULL);
  CHECK(l.entries[4].name == "link");
  CHECK_FALSE(l.entries[4].regular);
}

TEST_CASE("sftp listing: another server's layout is matched by the name at the end") {
  // Two-field dates ("2026-11-22 10:00") shift the fields; the name is found by its suffix,
  // preferring the longest name that ends the line.
  const char* names = "b.txt\na b.txt\nweird\n";
  const char* full =
      "-rw-r--r-- 1 u g 7 2026-11-22 10:00 a b.txt\n"
      "-rw-r--r-- 1 u g 9 2026-11-22 10:00 b.txt\n"
      "garbage\n";
  SftpListing l = parse_listing(names, full);
  REQUIRE(l.entries.size() == 2);
  CHECK(l.entries[0].name == "b.txt");
  CHECK(l.entries[0].size == 9);
  CHECK(l.entries[1].name == "a b.txt");
  CHECK(l.entries[1].size == 7);
  CHECK(l.unreadable == std::vector<std::string>{"weird"});
}

TEST_CASE("sftp paths: absolute folders as they are, relative ones under the login folder") {
  const std::string base = sftp_base_url("127.0.0.1", 2222);
  CHECK(base == "sftp://127.0.0.1:2222");
  CHECK(sftp_base_url("::1", 22) == "sftp://[::1]:22");
  CHECK(sftp_folder_url(base, "/data/in/") == "sftp://127.0.0.1:2222/data/in/");
  CHECK(sftp_folder_url(base, "inbox") == "sftp://127.0.0.1:2222/~/inbox/");
  CHECK(sftp_folder_url(base, ".") == "sftp://127.0.0.1:2222/~/");
  CHECK(sftp_folder_url(base, "/") == "sftp://127.0.0.1:2222/");
  CHECK(sftp_file_url(base, "inbox", "a b#%.txt") == "sftp://127.0.0.1:2222/~/inbox/a%20b%23%25.txt");
  CHECK(sftp_file_url(base, "/", "x") == "sftp://127.0.0.1:2222/x");
  CHECK(sftp_quote_path("/data/in/", "a b.txt") == "\"/data/in/a b.txt\"");
  CHECK(sftp_quote_path("inbox", "x\"y\\z") == "\"inbox/x\\\"y\\\\z\"");
  CHECK(sftp_quote_path("inbox/done", "") == "\"inbox/done\"");
  CHECK(sftp_quote_path("/", "x") == "\"/x\"");
}
