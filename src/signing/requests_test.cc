// The signing requests' forms (center-api.md, Signing) and their canonical text.
#include "signing/requests.h"

#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/codes.h"

namespace repay::signing {
namespace {

Fields sign3_fields() {
  return {{"ReqNo", "R-001"},       {"CreditCardNo", "6200000000000005"},
          {"Name", "ZhangSan"},      {"IdType", "01"},
          {"IdNo", "11010519491231002X"}, {"DebitCardNo", "4111111111111111"}};
}

Fields apply_fields() {
  Fields f = sign3_fields();
  f["Mobile"] = "13800138000";
  return f;
}

Fields confirm_fields() { return {{"ReqNo", "K-001"}, {"OrigReqNo", "R-001"}, {"SmsCode", "123456"}}; }

Fields unsign_fields() { return {{"ReqNo", "U-001"}, {"AgreementNo", "AG2023111500001"}}; }

// Every required field, removed or emptied or badly formed, gives 2007 naming it.
template <class Parse>
void check_each_field_named(const Fields& good, Parse parse,
                            const std::vector<std::pair<std::string, std::string>>& bad_values) {
  REQUIRE(parse(good).ok());
  for (const auto& [name, value] : good) {
    CAPTURE(name);
    Fields missing = good;
    missing.erase(name);
    auto r = parse(missing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == codes::kInvalidField);
    CHECK(r.error().field == name);
    CHECK(r.error().message.find(name) != std::string::npos);

    Fields empty = good;
    empty[name] = "";
    auto e = parse(empty);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().field == name);
  }
  for (const auto& [name, value] : bad_values) {
    CAPTURE(name);
    CAPTURE(value);
    Fields bad = good;
    bad[name] = value;
    auto r = parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == codes::kInvalidField);
    CHECK(r.error().field == name);
    CHECK(r.error().message.find(value) == std::string::npos);  // values are never echoed
  }
}

const std::vector<std::pair<std::string, std::string>> kBadHolderValues = {
    {"ReqNo", "R 001"},
    {"ReqNo", std::string(33, 'R')},
    {"CreditCardNo", "62000000000"},            // 11 digits
    {"CreditCardNo", "62000000000000000000"},   // 20 digits
    {"CreditCardNo", "620000000000000X"},
    {"Name", "Zhang|San"},
    {"Name", std::string(65, 'Z')},
    {"IdType", "05"},
    {"IdNo", "1101-0519"},
    {"DebitCardNo", "4111 1111 1111 1111"},
};

TEST_CASE("parse_sign3: fields read; each missing or bad field named") {
  auto r = parse_sign3(sign3_fields());
  REQUIRE(r.ok());
  CHECK(r->req_no == "R-001");
  CHECK(r->holder.credit_card == "6200000000000005");
  CHECK(r->holder.debit_card == "4111111111111111");
  CHECK(r->holder.name == "ZhangSan");
  CHECK(r->holder.id_type == "01");
  CHECK(r->holder.id_no == "11010519491231002X");
  check_each_field_named(sign3_fields(), parse_sign3, kBadHolderValues);
}

TEST_CASE("parse_sign3: the first bad field in reading order decides") {
  Fields f = sign3_fields();
  f.erase("ReqNo");
  f.erase("DebitCardNo");
  auto r = parse_sign3(f);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "ReqNo");
}

TEST_CASE("parse_qsign_apply: fields read; each missing or bad field named") {
  auto r = parse_qsign_apply(apply_fields());
  REQUIRE(r.ok());
  CHECK(r->req_no == "R-001");
  CHECK(r->mobile == "13800138000");
  CHECK(r->holder.credit_card == "6200000000000005");
  auto bad = kBadHolderValues;
  bad.push_back({"Mobile", "23800138000"});
  bad.push_back({"Mobile", "1380013800"});
  check_each_field_named(apply_fields(), parse_qsign_apply, bad);
}

TEST_CASE("parse_qsign_confirm: fields read; each missing or bad field named") {
  auto r = parse_qsign_confirm(confirm_fields());
  REQUIRE(r.ok());
  CHECK(r->req_no == "K-001");
  CHECK(r->orig_req_no == "R-001");
  CHECK(r->sms_code == "123456");
  check_each_field_named(confirm_fields(), parse_qsign_confirm,
                         {{"ReqNo", "K/1"}, {"OrigReqNo", "R 1"}, {"SmsCode", "123"},
                          {"SmsCode", "123456789"}, {"SmsCode", "12a4"}});
}

TEST_CASE("parse_unsign: fields read; each missing or bad field named") {
  auto r = parse_unsign(unsign_fields());
  REQUIRE(r.ok());
  CHECK(r->req_no == "U-001");
  CHECK(r->agreement_no == "AG2023111500001");
  check_each_field_named(unsign_fields(), parse_unsign,
                         {{"ReqNo", "U.1"}, {"AgreementNo", "AG 1"}});
}

TEST_CASE("unknown extra fields are ignored") {
  Fields f = unsign_fields();
  f["Extra"] = "whatever";
  CHECK(parse_unsign(f).ok());
}

TEST_CASE("holder_value_error: Luhn 2003 (when checked) and ID 2004") {
  CardHolder h = parse_sign3(sign3_fields())->holder;
  CHECK_FALSE(holder_value_error(h, true).has_value());

  CardHolder bad_credit = h;
  bad_credit.credit_card = "6200000000000004";
  CHECK(holder_value_error(bad_credit, true) == std::optional<std::string>("2003"));
  CHECK_FALSE(holder_value_error(bad_credit, false).has_value());

  CardHolder bad_debit = h;
  bad_debit.debit_card = "4111111111111112";
  CHECK(holder_value_error(bad_debit, true) == std::optional<std::string>("2003"));

  CardHolder bad_id = h;
  bad_id.id_no = "110105194912310021";
  CHECK(holder_value_error(bad_id, true) == std::optional<std::string>("2004"));
  CHECK(holder_value_error(bad_id, false) == std::optional<std::string>("2004"));
  bad_id.id_type = "02";  // no value check for other types
  CHECK_FALSE(holder_value_error(bad_id, true).has_value());

  CardHolder both = bad_credit;
  both.id_no = "110105194912310021";
  CHECK(holder_value_error(both, true) == std::optional<std::string>("2003"));
}

// The canonical text of each kind, for a request and for each single-field change of it.
template <class Parse>
void check_canonical(const Fields& good, Parse parse, const std::set<std::string>& keyless) {
  const std::string base = canonical(*parse(good));
  CHECK(canonical(*parse(good)) == base);  // equal requests, equal text
  std::set<std::string> seen{base};
  for (const auto& [name, value] : good) {
    CAPTURE(name);
    Fields changed = good;
    // A value of the same form, one character different.
    std::string v = value;
    char& last = v.back();
    last = (last >= '0' && last <= '8') ? static_cast<char>(last + 1) : '0';
    if (name == "IdType") v = "02";
    if (name == "CreditCardNo" || name == "DebitCardNo") v = value.substr(0, value.size() - 1) + "9";
    changed[name] = v;
    auto r = parse(changed);
    REQUIRE(r.ok());
    if (keyless.count(name)) {
      CHECK(canonical(*r) == base);  // the ReqNo is the key, not a field of the call
    } else {
      CHECK(canonical(*r) != base);
      CHECK(seen.insert(canonical(*r)).second);
    }
  }
}

TEST_CASE("canonical: equal requests give equal text; any field change gives another") {
  check_canonical(sign3_fields(), parse_sign3, {"ReqNo"});
  check_canonical(apply_fields(), parse_qsign_apply, {"ReqNo"});
  check_canonical(confirm_fields(), parse_qsign_confirm, {"ReqNo"});
  check_canonical(unsign_fields(), parse_unsign, {"ReqNo"});
}

TEST_CASE("canonical: kinds of call and field boundaries are told apart") {
  auto s = parse_sign3(sign3_fields());
  auto a = parse_qsign_apply(apply_fields());
  CHECK(canonical(*s) != canonical(*a));
  // Moving characters from one field to its neighbour changes the text.
  QsignConfirmRequest c1{"K1", "R12", "3456"};
  QsignConfirmRequest c2{"K1", "R1", "23456"};
  CHECK(canonical(c1) != canonical(c2));
  // A confirm and an unsign with look-alike values differ by kind.
  UnsignRequest u{"K1", "R12"};
  CHECK(canonical(u) != canonical(c1));
}

}  // namespace
}  // namespace repay::signing
