#include "files/text.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crypto/crypto.h"

namespace repay::files {
namespace {

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "repay-text-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, std::string_view bytes) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  std::string path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// What a reader returns, call by call: the line, or "!<code>@<line>" for an error.
std::vector<std::string> read_all(const std::string& bytes, Encoding enc = Encoding::kUtf8) {
  TempDir dir;
  auto r = LineReader::open(dir.file("f.txt", bytes), enc);
  REQUIRE(r.ok());
  std::vector<std::string> out;
  std::string line;
  for (int guard = 0; guard < 100000; ++guard) {
    auto got = (*r)->next(&line);
    if (!got) {
      out.push_back("!" + got.error().code + "@" + std::to_string((*r)->line_no()));
      if (got.error().code != "F1") break;
      continue;
    }
    if (!*got) break;
    out.push_back(line);
  }
  return out;
}

using Lines = std::vector<std::string>;

TEST_CASE("parse_encoding") {
  Encoding e{};
  CHECK((parse_encoding("UTF-8", &e) && e == Encoding::kUtf8));
  CHECK((parse_encoding("GBK", &e) && e == Encoding::kGbk));
  CHECK((parse_encoding("GB18030", &e) && e == Encoding::kGbk));
  CHECK_FALSE(parse_encoding("latin1", &e));
  CHECK_FALSE(parse_encoding("", &e));
}

TEST_CASE("split_fields keeps empty fields and spaces") {
  CHECK(split_fields("a||b |") == std::vector<std::string_view>{"a", "", "b ", ""});
  CHECK(split_fields("") == std::vector<std::string_view>{""});
  CHECK(split_fields("x") == std::vector<std::string_view>{"x"});
}

TEST_CASE("lines end in \\n or \\r\\n; the last may have none") {
  CHECK(read_all("a\nb\r\nc") == Lines{"a", "b", "c"});
  CHECK(read_all("a\r\nb\n") == Lines{"a", "b"});
  CHECK(read_all("") == Lines{});
  CHECK(read_all("x") == Lines{"x"});
}

TEST_CASE("a lone \\r is part of the line (the field checks reject it)") {
  CHECK(read_all("a\rb\nc\r") == Lines{"a\rb", "c\r"});
  CHECK(read_all("a\r\r\n") == Lines{"a\r"});
}

TEST_CASE("an empty line is F1 with its number, and reading goes on") {
  CHECK(read_all("a\n\nb\n") == Lines{"a", "!F1@2", "b"});
  CHECK(read_all("a\n\r\nb") == Lines{"a", "!F1@2", "b"});
  CHECK(read_all("\n") == Lines{"!F1@1"});
}

TEST_CASE("a second terminator at the end is an empty line") {
  CHECK(read_all("a\nb\n\n") == Lines{"a", "b", "!F1@3"});
  CHECK(read_all("a\r\n\r\n") == Lines{"a", "!F1@2"});
}

TEST_CASE("a byte order mark is F1 on line 1, then line 1 follows without it") {
  CHECK(read_all("\xEF\xBB\xBFH|x\nD") == Lines{"!F1@1", "H|x", "D"});
  // GBK: a UTF-8 BOM, and GB18030's own (U+FEFF).
  CHECK(read_all("\xEF\xBB\xBFH|x\n", Encoding::kGbk) == Lines{"!F1@1", "H|x"});
  CHECK(read_all("\x84\x31\x95\x33H\n", Encoding::kGbk) == Lines{"!F1@1", "H"});
  // Not at the start: a character like any other (the field checks decide).
  CHECK(read_all("a\n\xEF\xBB\xBF\n") == Lines{"a", "\xEF\xBB\xBF"});
}

TEST_CASE("UTF-8 that is not strict is F4 with the line number") {
  const char* bad[] = {
      "\xC0\xAF",          // overlong '/'
      "\xC1\xBF",          // overlong
      "\xE0\x80\xAF",      // overlong, three bytes
      "\xF0\x80\x80\xAF",  // overlong, four bytes
      "\xED\xA0\x80",      // surrogate U+D800
      "\xED\xBF\xBF",      // surrogate U+DFFF
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xF5\x80\x80\x80",  // no such lead byte
      "\xFF",
      "\x80",      // a continuation byte alone
      "\xE4\xB8",  // cut short by the line end
  };
  for (const char* b : bad) {
    CAPTURE(b);
    CHECK(read_all(std::string("ok\nx") + b + "y\nz\n") == Lines{"ok", "!F4@2"});
  }
  CHECK(read_all("a\nb\n\xE4\xB8") == Lines{"a", "b", "!F4@3"});  // cut short by the end
  CHECK(read_all("\xE4\xB8\xAD\xF0\x9F\x98\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF") ==
        Lines{"\xE4\xB8\xAD\xF0\x9F\x98\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF"});
}

TEST_CASE("after an F4 the reader keeps returning it") {
  TempDir dir;
  auto r = LineReader::open(dir.file("f.txt", "a\n\xFF\nb\n"), Encoding::kUtf8);
  REQUIRE(r.ok());
  std::string line;
  CHECK(*(*r)->next(&line));
  for (int i = 0; i < 3; ++i) {
    auto got = (*r)->next(&line);
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().code == "F4");
    CHECK(got.error().where == "line 2");
    CHECK((*r)->line_no() == 2);
  }
}

TEST_CASE("GBK is decoded before it is split: a second byte 0x7C is no '|'") {
  // 億 is 83 7C in GBK; 𠀀 is 95 32 82 36 in GB18030.
  CHECK(read_all("A|\x83\x7C|B\r\n\x95\x32\x82\x36\n", Encoding::kGbk) ==
        Lines{"A|\xE5\x84\x84|B", "\xF0\xA0\x80\x80"});
  CHECK(read_all("a\n\xFF\xFF\n", Encoding::kGbk) == Lines{"a", "!F4@2"});
  CHECK(read_all("a\n\x83", Encoding::kGbk) == Lines{"a", "!F4@2"});     // cut short by the end
  CHECK(read_all("a\n\x83\nb", Encoding::kGbk) == Lines{"a", "!F4@2"});  // cut short by \n
  CHECK(read_all("\x80\n", Encoding::kGbk) == Lines{"!F4@1"});
}

// Puts `ch` (one encoded character) across the 64 KiB block boundary at every split, and the
// "\r\n" too, and checks the text comes out whole.
void check_block_boundary(const std::string& ch, const std::string& utf8_ch, Encoding enc) {
  const size_t kBlock = 64 * 1024;
  for (size_t shift = 0; shift <= ch.size() + 1; ++shift) {
    CAPTURE(shift);
    std::string first(kBlock - shift, 'a');
    first[100] = '\n';
    std::string bytes = first + ch + "z\r\n" + ch + "\n";
    Lines got = read_all(bytes, enc);
    REQUIRE(got.size() == 3);
    CHECK((got[1] == std::string(kBlock - shift - 101, 'a') + utf8_ch + "z"));  // (()): no dump
    CHECK(got[2] == utf8_ch);
  }
}

TEST_CASE("characters and \\r\\n across block boundaries") {
  check_block_boundary("\xE4\xB8\xAD", "\xE4\xB8\xAD", Encoding::kUtf8);
  check_block_boundary("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80", Encoding::kUtf8);
  check_block_boundary("\x83\x7C", "\xE5\x84\x84", Encoding::kGbk);
  check_block_boundary("\x95\x32\x82\x36", "\xF0\xA0\x80\x80", Encoding::kGbk);
  // "\r" ends a block and "\n" starts the next.
  std::string bytes(64 * 1024 - 1, 'a');
  bytes += "\r\nb";
  Lines got = read_all(bytes);
  REQUIRE(got.size() == 2);
  CHECK(got[0].size() == 64 * 1024 - 1);
  CHECK(got[1] == "b");
}

TEST_CASE("F4 line numbers count lines across blocks") {
  std::string bytes;
  for (int i = 0; i < 20000; ++i) bytes += "line " + std::to_string(i) + "\n";
  bytes += "bad \xC3\x28\n";
  Lines got = read_all(bytes);
  REQUIRE(got.size() == 20001);
  CHECK(got.back() == "!F4@20001");
  got = read_all(bytes, Encoding::kGbk);
  CHECK(got.back() == "!F4@20001");
}

TEST_CASE("a line over 1 MiB is F1, and reading goes on after it") {
  std::string bytes = "a\n" + std::string(1024 * 1024 + 10, 'x') + "\nb\n";
  CHECK(read_all(bytes) == Lines{"a", "!F1@2", "b"});
  CHECK(read_all("a\n" + std::string(3 * 1024 * 1024, 'x')) == Lines{"a", "!F1@2"});
  // Memory stays bounded and an F4 after it is still found.
  CHECK(read_all(std::string(3 * 1024 * 1024, 'x') + "\xFF\n") == Lines{"!F1@1", "!F4@1"});
}

TEST_CASE("open: a missing file is IO; bytes_read counts raw bytes") {
  auto r = LineReader::open("/nonexistent/file.txt", Encoding::kUtf8);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "IO");
  TempDir dir;
  auto ok = LineReader::open(dir.file("f.txt", "ab\r\ncd"), Encoding::kUtf8);
  REQUIRE(ok.ok());
  std::string line;
  while (*(*ok)->next(&line)) {
  }
  CHECK((*ok)->bytes_read() == 6);
  CHECK((*ok)->line_no() == 2);
}

TEST_CASE("fit_text: '|' and controls become spaces, 64 characters at most") {
  CHECK(fit_text("a|b\tc\r\nd\x7F"
                 "e",
                 Encoding::kUtf8) == "a b c  d e");
  CHECK(fit_text("\xC2\x85x", Encoding::kUtf8) == " x");  // C1 control NEL
  std::string long_text;
  for (int i = 0; i < 70; ++i) long_text += "\xE4\xB8\xAD";  // 中
  std::string fitted = fit_text(long_text, Encoding::kUtf8);
  CHECK(fitted.size() == 64 * 3);
  CHECK(fit_text(std::string(100, 'x'), Encoding::kGbk) == std::string(64, 'x'));
  CHECK(fit_text("", Encoding::kUtf8).empty());
}

TEST_CASE("fit_text: characters GBK cannot hold become '?' in a GBK file only") {
  const std::string text = "余额不足\xF0\x9F\x98\x80!";  // 余额不足😀!
  CHECK(fit_text(text, Encoding::kGbk) == "余额不足?!");
  CHECK(fit_text(text, Encoding::kUtf8) == text);
  CHECK(fit_text("a\xFF"
                 "b\xE4\xB8",
                 Encoding::kUtf8) == "a?b??");  // not UTF-8 at all
}

TEST_CASE("LineWriter UTF-8: lines, SHA-256 of what was written, size") {
  TempDir dir;
  std::string path = dir.path("out.txt");
  auto w = LineWriter::create(path, Encoding::kUtf8);
  REQUIRE(w.ok());
  CHECK((*w)->write_line("H|中文").ok());
  CHECK((*w)->write_line("D|1").ok());
  auto done = (*w)->finish();
  REQUIRE(done.ok());
  std::string want = "H|中文\nD|1\n";
  CHECK(done->size == want.size());
  CHECK(done->sha256 == crypto::sha256_hex(want));
  auto whole = file_sha256(path);
  REQUIRE(whole.ok());
  CHECK(whole->first == done->sha256);
  CHECK(whole->second == want.size());
  CHECK_FALSE((*w)->write_line("late").ok());
}

TEST_CASE("LineWriter GBK writes GB18030 that reads back the same") {
  TempDir dir;
  std::string path = dir.path("out.txt");
  auto w = LineWriter::create(path, Encoding::kGbk);
  REQUIRE(w.ok());
  Lines lines = {"H|王億|x", "D|𠀀明|余额不足", std::string(70000, 'a') + "中"};
  for (const auto& l : lines) REQUIRE((*w)->write_line(l).ok());
  auto done = (*w)->finish();
  REQUIRE(done.ok());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.substr(0, 9) == "H|\xCD\xF5\x83\x7C|x\n");
  CHECK(done->sha256 == crypto::sha256_hex(bytes));
  CHECK(read_all(bytes, Encoding::kGbk) == lines);
}

TEST_CASE("LineWriter refuses what would change the file's lines") {
  TempDir dir;
  auto w = LineWriter::create(dir.path("out.txt"), Encoding::kUtf8);
  REQUIRE(w.ok());
  for (std::string_view bad : {"", "a\nb", "a\r", "\xFF"}) {
    auto st = (*w)->write_line(bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == "ENCODING");
  }
  auto missing = LineWriter::create("/nonexistent/dir/out.txt", Encoding::kUtf8);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "IO");
}

TEST_CASE("file_sha256") {
  TempDir dir;
  auto r = file_sha256(dir.file("abc", "abc"));
  REQUIRE(r.ok());
  CHECK(r->first == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(r->second == 3);
  CHECK(file_sha256("/nonexistent").error().code == "IO");
}

}  // namespace
}  // namespace repay::files
