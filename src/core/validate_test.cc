#include "core/validate.h"

#include <string>

#include <doctest/doctest.h>

namespace repay {
namespace {

// Completes 17 digits with their GB 11643-1999 check character, computed independently here.
std::string with_check(const std::string& first17) {
  const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * w[i];
  return first17 + "10X98765432"[sum % 11];
}

TEST_CASE("party ids") {
  CHECK(is_party_id("AB"));
  CHECK(is_party_id("CC01"));
  CHECK(is_party_id("ABCDEFGHIJ123456"));
  CHECK_FALSE(is_party_id("A"));
  CHECK_FALSE(is_party_id("ABCDEFGHIJ1234567"));
  CHECK_FALSE(is_party_id("cc01"));
  CHECK_FALSE(is_party_id("CC_1"));
  CHECK_FALSE(is_party_id(""));
}

TEST_CASE("identifiers") {
  CHECK(is_identifier("a"));
  CHECK(is_identifier("Batch_2026-11-21"));
  CHECK(is_identifier(std::string(32, 'x')));
  CHECK_FALSE(is_identifier(std::string(33, 'x')));
  CHECK_FALSE(is_identifier(""));
  CHECK_FALSE(is_identifier("a b"));
  CHECK_FALSE(is_identifier("a.b"));
  CHECK_FALSE(is_identifier("a|b"));
  CHECK_FALSE(is_identifier("\xE4\xB8\xAD"));
}

TEST_CASE("card numbers: form and Luhn") {
  CHECK(is_card_form("123456789012"));
  CHECK(is_card_form("1234567890123456789"));
  CHECK_FALSE(is_card_form("12345678901"));
  CHECK_FALSE(is_card_form("12345678901234567890"));
  CHECK_FALSE(is_card_form("4111 1111 1111 1111"));
  CHECK_FALSE(is_card_form("411111111111111a"));

  CHECK(luhn_ok("4111111111111111"));
  CHECK(luhn_ok("5500000000000004"));
  CHECK(luhn_ok("378282246310005"));
  CHECK(luhn_ok("6011111111111117"));
  CHECK(luhn_ok("3530111333300000"));
  CHECK(luhn_ok("6200000000000005"));
  CHECK(luhn_ok("79927398713"));
  CHECK_FALSE(luhn_ok("4111111111111112"));
  CHECK_FALSE(luhn_ok("79927398710"));
  CHECK_FALSE(luhn_ok("6200000000000004"));
  CHECK_FALSE(luhn_ok(""));
  CHECK_FALSE(luhn_ok("41111111111111x1"));
}

TEST_CASE("ID types and ID number form") {
  for (const char* t : {"01", "02", "03", "04", "99"}) CHECK(is_id_type(t));
  for (const char* t : {"1", "05", "00", "98", "001", ""}) CHECK_FALSE(is_id_type(t));
  CHECK(is_id_no_form("E12345678"));
  CHECK(is_id_no_form(std::string(32, '9')));
  CHECK_FALSE(is_id_no_form(std::string(33, '9')));
  CHECK_FALSE(is_id_no_form(""));
  CHECK_FALSE(is_id_no_form("E1234-5678"));
}

TEST_CASE("GB 11643-1999 resident ID value check") {
  std::string good = with_check("11010519491231002");
  CHECK(good == "11010519491231002X");  // the standard's example
  CHECK(id_value_ok("01", good));
  CHECK(id_value_ok("01", with_check("44030820000229123")));  // leap day
  CHECK(id_value_ok("01", with_check("31010119800101001")));

  SUBCASE("lower-case x is not the check character") {
    CHECK_FALSE(id_value_ok("01", "11010519491231002x"));
  }
  SUBCASE("wrong check character") {
    CHECK_FALSE(id_value_ok("01", "110105194912310021"));
    CHECK_FALSE(id_value_ok("01", "110105194912310029"));
  }
  SUBCASE("birth date not a real day") {
    CHECK_FALSE(id_value_ok("01", with_check("11010519490230002")));  // Feb 30
    CHECK_FALSE(id_value_ok("01", with_check("11010519010229002")));  // 1901 not leap
    CHECK_FALSE(id_value_ok("01", with_check("11010519491301002")));  // month 13
    CHECK_FALSE(id_value_ok("01", with_check("11010519491200002")));  // day 0
  }
  SUBCASE("length and characters") {
    CHECK_FALSE(id_value_ok("01", good.substr(0, 17)));
    CHECK_FALSE(id_value_ok("01", good + "1"));
    CHECK_FALSE(id_value_ok("01", "110105194912310"));  // the old 15-digit form
    CHECK_FALSE(id_value_ok("01", "A1010519491231002X"));
    CHECK_FALSE(id_value_ok("01", ""));
  }
  SUBCASE("other ID types have no value check") {
    CHECK(id_value_ok("02", "E12345678"));
    CHECK(id_value_ok("99", "whatever"));
    CHECK(id_value_ok("02", "11010519491231002x"));
  }
}

TEST_CASE("names and texts count code points") {
  CHECK(is_name("Zhang San"));
  CHECK(is_name("\xE5\xBC\xA0\xE4\xB8\x89"));  // 张三
  CHECK(is_name(std::string(64, 'a')));
  CHECK_FALSE(is_name(std::string(65, 'a')));
  // 64 Chinese characters are 192 bytes but 64 code points.
  std::string zh;
  for (int i = 0; i < 64; ++i) zh += "\xE4\xB8\xAD";
  CHECK(is_name(zh));
  CHECK_FALSE(is_name(zh + "\xE4\xB8\xAD"));
  CHECK_FALSE(is_name(""));
  CHECK_FALSE(is_name("a|b"));
  CHECK_FALSE(is_name("a\tb"));
  CHECK_FALSE(is_name("a\nb"));
  CHECK_FALSE(is_name("a\x7F"));
  CHECK_FALSE(is_name("a\xC2\x85"));  // U+0085, a C1 control
  CHECK_FALSE(is_name("\xE4\xB8"));   // truncated UTF-8

  CHECK(is_text64(""));
  CHECK(is_text64(zh));
  CHECK_FALSE(is_text64(zh + "a"));
  CHECK_FALSE(is_text64("a|b"));
  CHECK(is_text128(""));
  CHECK(is_text128(zh + zh));
  CHECK_FALSE(is_text128(zh + zh + "a"));
  CHECK(is_text128("a|b"));  // RetMsg may hold '|'
  CHECK_FALSE(is_text128("a\rb"));
}

TEST_CASE("utf8_length") {
  CHECK(utf8_length("") == 0u);
  CHECK(utf8_length("abc") == 3u);
  CHECK(utf8_length("\xE4\xB8\xAD\xE6\x96\x87") == 2u);
  CHECK(utf8_length("\xF0\x9F\x98\x80") == 1u);  // U+1F600
  CHECK(utf8_length("\xC3\xA9") == 1u);
  CHECK_FALSE(utf8_length("\xC0\xAF"));            // overlong '/'
  CHECK_FALSE(utf8_length("\xE0\x80\xAF"));        // overlong
  CHECK_FALSE(utf8_length("\xED\xA0\x80"));        // surrogate U+D800
  CHECK_FALSE(utf8_length("\xF4\x90\x80\x80"));    // above U+10FFFF
  CHECK_FALSE(utf8_length("\xFF"));
  CHECK_FALSE(utf8_length("\x80"));                // lone continuation
  CHECK_FALSE(utf8_length("a\xE4\xB8"));           // truncated at the end
  CHECK_FALSE(utf8_length("\xD6\xD0\xCE\xC4"));    // 中文 in GBK
}

TEST_CASE("mobile, SMS code, nonce") {
  CHECK(is_mobile("13800138000"));
  CHECK_FALSE(is_mobile("23800138000"));
  CHECK_FALSE(is_mobile("1380013800"));
  CHECK_FALSE(is_mobile("138001380001"));
  CHECK_FALSE(is_mobile("+8613800138000"));
  CHECK(is_sms_code("1234"));
  CHECK(is_sms_code("12345678"));
  CHECK_FALSE(is_sms_code("123"));
  CHECK_FALSE(is_sms_code("123456789"));
  CHECK_FALSE(is_sms_code("12a4"));
  CHECK(is_nonce(std::string(16, 'a')));
  CHECK(is_nonce("0123456789ABCDEFabcdef"));
  CHECK(is_nonce(std::string(64, 'Z')));
  CHECK_FALSE(is_nonce(std::string(15, 'a')));
  CHECK_FALSE(is_nonce(std::string(65, 'a')));
  CHECK_FALSE(is_nonce("0123456789ABCDEF-"));
}

TEST_CASE("amounts") {
  CHECK(parse_total("0") == 0);
  CHECK(parse_total("100000000000") == 100000000000);          // 12 digits: a sum, not an amount
  CHECK(parse_total("999999999999999999") == 999999999999999999);
  CHECK_FALSE(parse_total("1000000000000000000"));             // 19 digits
  CHECK_FALSE(parse_total("01"));
  CHECK_FALSE(parse_total(""));
  CHECK_FALSE(parse_total("-1"));
  CHECK(parse_amount("0") == 0);
  CHECK(parse_amount("1") == 1);
  CHECK(parse_amount("10000") == 10000);
  CHECK(parse_amount("99999999999") == 99'999'999'999);
  CHECK_FALSE(parse_amount("100000000000"));
  CHECK_FALSE(parse_amount("01"));
  CHECK_FALSE(parse_amount("00"));
  CHECK_FALSE(parse_amount("-1"));
  CHECK_FALSE(parse_amount("+1"));
  CHECK_FALSE(parse_amount(" 1"));
  CHECK_FALSE(parse_amount("1 "));
  CHECK_FALSE(parse_amount("1.00"));
  CHECK_FALSE(parse_amount("1e3"));
  CHECK_FALSE(parse_amount(""));

  CHECK(parse_signed_amount("0") == 0);
  CHECK(parse_signed_amount("5") == 5);
  CHECK(parse_signed_amount("-5") == -5);
  CHECK(parse_signed_amount("-99999999999") == -99'999'999'999);
  CHECK_FALSE(parse_signed_amount("-0"));
  CHECK_FALSE(parse_signed_amount("-01"));
  CHECK_FALSE(parse_signed_amount("--1"));
  CHECK_FALSE(parse_signed_amount("-"));
  CHECK_FALSE(parse_signed_amount("+5"));
}

TEST_CASE("NotifyUrl") {
  CHECK(is_notify_url("https://center.example/cb/notify"));
  CHECK(is_notify_url("https://center.example:8443/cb/notify?c=1&x=%20"));
  CHECK(is_notify_url("https://center.example"));
  CHECK(is_notify_url("https://10.0.0.1/n"));
  CHECK(is_notify_url("https://[2001:db8::1]:443/n"));
  CHECK(is_notify_url("http://127.0.0.1:8080/cb"));
  CHECK(is_notify_url("http://127.1.2.3/cb"));
  CHECK(is_notify_url("http://localhost:9000/cb"));
  CHECK(is_notify_url("http://[::1]:9000/cb"));

  CHECK_FALSE(is_notify_url("http://center.example/cb"));
  CHECK_FALSE(is_notify_url("http://10.0.0.1/cb"));
  CHECK_FALSE(is_notify_url("http://127.0.0.1.evil.example/cb"));
  CHECK_FALSE(is_notify_url("http://localhost.evil.example/cb"));
  CHECK_FALSE(is_notify_url("http://127.0.0.1@evil.example/cb"));
  CHECK_FALSE(is_notify_url("https://user@center.example/cb"));
  CHECK_FALSE(is_notify_url("ftp://center.example/cb"));
  CHECK_FALSE(is_notify_url("HTTPS://center.example/cb"));
  CHECK_FALSE(is_notify_url("//center.example/cb"));
  CHECK_FALSE(is_notify_url("/cb/notify"));
  CHECK_FALSE(is_notify_url("https://"));
  CHECK_FALSE(is_notify_url("https:///cb"));
  CHECK_FALSE(is_notify_url("https://center.example/a b"));
  CHECK_FALSE(is_notify_url("https://center.example/a\nb"));
  CHECK_FALSE(is_notify_url("https://center.example/%zz"));
  CHECK_FALSE(is_notify_url("https://center.example/cb#frag"));
  CHECK_FALSE(is_notify_url("https://center.example:0/cb"));
  CHECK_FALSE(is_notify_url("https://center.example:65536/cb"));
  CHECK_FALSE(is_notify_url("https://center.example:/cb"));
  CHECK_FALSE(is_notify_url("https://center..example/cb"));
  CHECK_FALSE(is_notify_url("https://center.example/\xE4\xB8\xAD"));

  std::string base = "https://center.example/";
  CHECK(is_notify_url(base + std::string(256 - base.size(), 'a')));
  CHECK_FALSE(is_notify_url(base + std::string(257 - base.size(), 'a')));
}

}  // namespace
}  // namespace repay
