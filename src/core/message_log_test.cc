#include "core/message_log.h"

#include <doctest/doctest.h>

using repay::log::mask_message;

TEST_CASE("sensitive elements of a message are masked") {
  std::string body =
      "<Request><ReqNo>R1</ReqNo><CreditCardNo>6225880123456789</CreditCardNo>"
      "<Name>张三</Name><IdType>01</IdType><IdNo>11010519491231002X</IdNo>"
      "<DebitCardNo>6217000010001234567</DebitCardNo><Mobile>13800138000</Mobile>"
      "<SmsCode>123456</SmsCode><ProtocolNo>P998877</ProtocolNo><Amount>10000</Amount></Request>";
  std::string m = mask_message(body);
  CHECK(m.find("6225880123456789") == std::string::npos);
  CHECK(m.find("<CreditCardNo>622588****6789</CreditCardNo>") != std::string::npos);
  CHECK(m.find("<DebitCardNo>621700****4567</DebitCardNo>") != std::string::npos);
  CHECK(m.find("<IdNo>110****2X</IdNo>") != std::string::npos);
  CHECK(m.find("<Mobile>138****8000</Mobile>") != std::string::npos);
  CHECK(m.find("<SmsCode>****</SmsCode>") != std::string::npos);
  CHECK(m.find("<ProtocolNo>****</ProtocolNo>") != std::string::npos);
  CHECK(m.find("<Name>****</Name>") != std::string::npos);
  CHECK(m.find("<Amount>10000</Amount>") != std::string::npos);
  CHECK(m.find("<ReqNo>R1</ReqNo>") != std::string::npos);
}

TEST_CASE("channel messages: CardNo is masked") {
  std::string m = mask_message("<ChannelRequest><CardNo>6222021234567890123</CardNo></ChannelRequest>");
  CHECK(m == "<ChannelRequest><CardNo>622202****0123</CardNo></ChannelRequest>");
}

TEST_CASE("a long number in any other field is masked; our own identifiers stay readable") {
  std::string m = mask_message(
      "<X><Memo>card 6225880123456789 id 11010519491231002X</Memo><TxnNo>T202611220000000001</TxnNo>"
      "<ReqSn>RS00000000000042</ReqSn><Amount>99999999999</Amount></X>");
  CHECK(m.find("6225880123456789") == std::string::npos);
  CHECK(m.find("622588****6789") != std::string::npos);
  CHECK(m.find("11010519491231002X") == std::string::npos);
  CHECK(m.find("<TxnNo>T202611220000000001</TxnNo>") != std::string::npos);
  CHECK(m.find("<ReqSn>RS00000000000042</ReqSn>") != std::string::npos);
  CHECK(m.find("<Amount>99999999999</Amount>") != std::string::npos);
}

TEST_CASE("an element cut off is masked to the end") {
  std::string m = mask_message("<Request><CreditCardNo>62258801234");
  CHECK(m == "<Request><CreditCardNo>****");
}

TEST_CASE("message logging is off by default and can be switched") {
  CHECK_FALSE(repay::log::message_logging());
  repay::log::set_message_logging(true);
  CHECK(repay::log::message_logging());
  repay::log::set_message_logging(false);
}
