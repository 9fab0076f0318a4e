#include "wire/xml.h"

#include <doctest/doctest.h>

namespace repay::wire {
namespace {

constexpr const char* kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

XmlMessage parse_ok(std::string_view body) {
  auto r = parse_xml_message(body);
  if (!r.ok()) FAIL_CHECK(r.error().to_string());
  REQUIRE(r.ok());
  return *r;
}

// Expects a 2007 whose message mentions `about`.
void parse_bad(std::string_view body, std::string_view about, std::string_view field = {}) {
  auto r = parse_xml_message(body);
  CAPTURE(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "2007");
  CHECK_MESSAGE(r.error().message.find(about) != std::string::npos, r.error().message);
  CHECK(r.error().field == field);
}

TEST_CASE("a plain message") {
  auto m = parse_ok(std::string(kDecl) +
                    "<Repay>\n  <ReqNo>R1</ReqNo>\n  <Amount>100</Amount>\n</Repay>\n");
  CHECK(m.root == "Repay");
  CHECK(m.get("ReqNo") == "R1");
  CHECK(m.get("Amount") == "100");
  CHECK_FALSE(m.get("NotifyUrl"));
  CHECK(m.has("ReqNo"));
  CHECK(m.fields.size() == 2);
}

TEST_CASE("declaration optional, order free, unknown elements kept") {
  auto m = parse_ok("<Q><B>2</B><Extra>x</Extra><A>1</A></Q>");
  CHECK(m.get("A") == "1");
  CHECK(m.get("B") == "2");
  CHECK(m.get("Extra") == "x");
  CHECK(parse_ok("<?xml version='1.0' encoding='utf-8'?><Q/>").fields.empty());
  CHECK(parse_ok("\xEF\xBB\xBF<Q><A>1</A></Q>").get("A") == "1");  // BOM
}

TEST_CASE("empty element is absent") {
  auto m = parse_ok("<Q><A></A><B/><C>x</C></Q>");
  CHECK_FALSE(m.has("A"));
  CHECK_FALSE(m.has("B"));
  CHECK(m.fields.count("A") == 0);
  CHECK(m.get("C") == "x");
}

TEST_CASE("text is taken as is") {
  auto m = parse_ok("<Q><A> x y </A><B>a\nb</B></Q>");
  CHECK(m.get("A") == " x y ");
  CHECK(m.get("B") == "a\nb");
}

TEST_CASE("references") {
  auto m = parse_ok("<Q><A>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</A>"
                    "<B>&#x4E2D;&#25991;</B></Q>");
  CHECK(m.get("A") == "a & b <c> \"d\" 'e'");
  CHECK(m.get("B") == "\xE4\xB8\xAD\xE6\x96\x87");  // 中文
  parse_bad("<Q><A>&foo;</A></Q>", "entity");
  parse_bad("<Q><A>&nbsp;</A></Q>", "entity");
  parse_bad("<Q><A>a & b</A></Q>", "entity");
  parse_bad("<Q><A>&amp</A></Q>", "entity");
  parse_bad("<Q><A>&#0;</A></Q>", "entity");
  parse_bad("<Q><A>&#x1;</A></Q>", "entity");
  parse_bad("<Q><A>&#xD800;</A></Q>", "entity");
  parse_bad("<Q><A>&#x110000;</A></Q>", "entity");
  parse_bad("<Q><A>&#;</A></Q>", "entity");
  parse_bad("<Q><A>&#X4E2D;</A></Q>", "entity");  // XML allows a lower-case x only
  parse_bad("<Q><A>&#xZZ;</A></Q>", "entity");
  parse_bad("<Q a=\"&foo;\"><A>1</A></Q>", "entity");
}

TEST_CASE("comments and CDATA") {
  auto m = parse_ok("<!-- <!DOCTYPE x> &foo; --><Q><A>x<!-- c -->y</A>"
                    "<B><![CDATA[<b>&foo;</b> <!DOCTYPE]]></B></Q>");
  CHECK(m.get("A") == "xy");
  CHECK(m.get("B") == "<b>&foo;</b> <!DOCTYPE");
  parse_bad("<Q><A>x<!-- c </A></Q>", "comment");
  parse_bad("<Q><A><![CDATA[x</A></Q>", "CDATA");
}

TEST_CASE("DOCTYPE, DTD and entity declarations are rejected") {
  parse_bad(std::string(kDecl) + "<!DOCTYPE Q><Q><A>1</A></Q>", "DOCTYPE");
  parse_bad("<!DOCTYPE Q [<!ENTITY e \"x\">]><Q><A>&e;</A></Q>", "DOCTYPE");
  parse_bad("<!DOCTYPE Q SYSTEM \"file:///etc/passwd\"><Q/>", "DOCTYPE");
  parse_bad("<!ENTITY e \"x\"><Q/>", "DOCTYPE");
  parse_bad("<Q><!ELEMENT A ANY><A>1</A></Q>", "DOCTYPE");
  parse_bad("<!doctype Q><Q/>", "DOCTYPE");
}

TEST_CASE("field shape errors name the field") {
  parse_bad("<Q><A>1</A><A>2</A></Q>", "twice", "A");
  parse_bad("<Q><A/><A>2</A></Q>", "twice", "A");
  parse_bad("<Q><A><B>1</B></A></Q>", "child elements", "A");
  parse_bad("<Q><A>x<B/></A></Q>", "child elements", "A");
}

TEST_CASE("malformed documents") {
  parse_bad("", "not well-formed");
  parse_bad("<Q><A>1</A>", "not well-formed");
  parse_bad("<Q><A>1</B></Q>", "not well-formed");
  parse_bad("<Q/><R/>", "more than one root");
  parse_bad("text<Q/>", "outside the root");
  parse_bad("<Q>text<A>1</A></Q>", "inside the root");
  parse_bad("<Q><A>1</A></Q><?xml version=\"1.0\"?>", "XML declaration");
  parse_bad("not xml at all", "not well-formed");
}

TEST_CASE("encoding") {
  parse_bad("<Q><A>\xD6\xD0\xCE\xC4</A></Q>", "UTF-8");          // GBK bytes
  parse_bad("<Q><A>\xC0\xAF</A></Q>", "UTF-8");                  // overlong
  parse_bad("<?xml version=\"1.0\" encoding=\"GBK\"?><Q/>", "encoding");
  parse_bad("<Q><A>a\x01</A></Q>", "character");
  parse_bad(std::string("<Q><A>a") + '\0' + "</A></Q>", "character");
  parse_bad("<Q><A>\xEF\xBF\xBF</A></Q>", "character");          // U+FFFF
}

TEST_CASE("build then parse round-trips, Chinese included") {
  std::string body = build_xml_message(
      "RepayResp", {{"RespCode", "0000"},
                    {"RespMsg", "\xE6\x88\x90\xE5\x8A\x9F & <ok> \"q\" 'a'"},  // 成功
                    {"Note", "a\r\nb\tc"},
                    {"Empty", ""}});
  CHECK(body.starts_with(kDecl));
  CHECK(body.find("<Empty></Empty>") != std::string::npos);
  CHECK(body.find("&amp; &lt;ok&gt; &quot;q&quot; &apos;a&apos;") != std::string::npos);
  auto m = parse_ok(body);
  CHECK(m.root == "RepayResp");
  CHECK(m.get("RespCode") == "0000");
  CHECK(m.get("RespMsg") == "\xE6\x88\x90\xE5\x8A\x9F & <ok> \"q\" 'a'");
  CHECK(m.get("Note") == "a\r\nb\tc");
  CHECK_FALSE(m.has("Empty"));
}

TEST_CASE("build never writes a character XML cannot hold") {
  std::string body = build_xml_message("Q", {{"A", std::string("x\x01y")}});
  CHECK(parse_ok(body).get("A") == "x y");
}

}  // namespace
}  // namespace repay::wire
