#include "settings/ini.h"

#include <doctest/doctest.h>

namespace repay::settings {
namespace {

TEST_CASE("ini: sections, keys, comments, line numbers") {
  IniDocument doc;
  auto errors = parse_ini(
      "\xEF\xBB\xBF# a comment\r\n"
      "[processor]\r\n"
      "  id   =  REPAY 01  \n"
      "\n"
      "; another\n"
      "empty =\n"
      "url = https://x.example/a?b=c#not-a-comment\n"
      "[center.CC01]\n"
      "name = A = B",
      "s.ini", &doc);
  REQUIRE(errors.empty());
  REQUIRE(doc.sections.size() == 2);
  const IniSection& p = doc.sections[0];
  CHECK(p.name == "processor");
  CHECK(p.line == 2);
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].key == "id");
  CHECK(p.entries[0].value == "REPAY 01");  // spaces inside kept
  CHECK(p.entries[0].line == 3);
  CHECK(p.entries[1].value.empty());
  CHECK(p.entries[2].value == "https://x.example/a?b=c#not-a-comment");  // no inline comments
  CHECK(doc.sections[1].entries[0].value == "A = B");                    // split at the first '='
  CHECK(doc.sections[1].entries[0].line == 9);
}

TEST_CASE("ini: every problem reported, reading goes on") {
  IniDocument doc;
  auto errors = parse_ini(
      "orphan = 1\n"    // 1
      "[a]\n"           // 2
      "k = 1\n"         // 3
      "k = 2\n"         // 4
      "just text\n"     // 5
      "[b c]\n"         // 6
      "dropped = 1\n"   // 7
      "[a]\n"           // 8
      "m = 3\n"         // 9
      "bad key = 4\n",  // 10
      "s.ini", &doc);
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].where == "s.ini line 1");
  CHECK(errors[0].field == "orphan");
  CHECK(errors[1].where == "s.ini line 4");
  CHECK(errors[1].field == "a.k");
  CHECK(errors[1].value.empty());
  CHECK(errors[2].where == "s.ini line 5");
  CHECK(errors[3].where == "s.ini line 6");
  CHECK(errors[4].where == "s.ini line 8");
  CHECK(errors[4].field == "a");
  CHECK(errors[5].where == "s.ini line 10");
  REQUIRE(doc.sections.size() == 1);
  REQUIRE(doc.sections[0].entries.size() == 2);
  CHECK(doc.sections[0].entries[0].value == "1");  // the first stands
  CHECK(doc.sections[0].entries[1].key == "m");    // the repeated section merged
}

}  // namespace
}  // namespace repay::settings
