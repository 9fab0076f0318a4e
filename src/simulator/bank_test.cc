#include "simulator/bank.h"

#include <doctest/doctest.h>

namespace repay::sim {
namespace {

Instant at(const char* ts) { return *parse_cst_timestamp(ts); }

// Four cardholders: 0 normal and rich, 1 frozen, 2 closed, 3 normal with 10.00 yuan.
struct Fixture {
  std::vector<Cardholder> book = [] {
    auto b = generate_book(11, 4);
    for (auto& c : b) {
      c.state = CardState::kNormal;
      c.balance = 10'000'000;
      c.limit = 5'000'000;
    }
    b[1].state = CardState::kFrozen;
    b[2].state = CardState::kClosed;
    b[3].balance = 1000;
    return b;
  }();
  Bank bank{book,
            {{"COL", ChannelKind::kCollect, "M1"}, {"QP", ChannelKind::kQuick, "M2"}},
            BankSettings{}};
  Instant now = at("20261121100000");
  int sn = 0;

  wire::XmlMessage msg(std::string tx, Fields f, std::string req_sn = {}) {
    wire::XmlMessage m;
    m.root = "ChannelRequest";
    m.fields["TxCode"] = tx;
    m.fields["MerchantId"] = "M1";
    m.fields["ReqSn"] = req_sn.empty() ? "SN" + std::to_string(++sn) : req_sn;
    for (auto& [k, v] : f) m.fields[k] = v;
    return m;
  }
  Fields holder(size_t i) const {
    const Cardholder& c = book[i];
    return {{"Name", c.name}, {"IdType", c.id_type}, {"IdNo", c.id_no}, {"CardNo", c.debit_card}};
  }
  Answer debit(size_t i, Fen amount, std::string req_sn = {},
               std::optional<std::chrono::milliseconds> late = {}) {
    Fields f = holder(i);
    f.emplace_back("Amount", std::to_string(amount));
    return bank.handle("COL", msg("DEBIT", f, std::move(req_sn)), now, late);
  }
  Answer refund(const std::string& orig, Fen amount, std::string req_sn = {}) {
    return bank.handle("COL",
                       msg("REFUND", {{"OrigReqSn", orig}, {"Amount", std::to_string(amount)}},
                           std::move(req_sn)),
                       now);
  }
  Answer query(const std::string& orig, const std::string& channel = "COL") {
    return bank.handle(channel, msg("QUERY", {{"OrigReqSn", orig}}), now);
  }
  Fen balance(size_t i) const { return bank.cardholder(book[i].debit_card)->balance; }
};

}  // namespace

TEST_CASE("VERIFY3: match, unknown, closed, frozen, mismatch") {
  Fixture f;
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", f.holder(0)), f.now).ret_code == "0000");
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", f.holder(1)), f.now).ret_code == "3005");
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", f.holder(2)), f.now).ret_code == "3002");
  Fields unknown = f.holder(0);
  unknown[3].second = "6228480000000000000";
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", unknown), f.now).ret_code == "3002");
  Fields wrong_name = f.holder(0);
  wrong_name[0].second = "某某";
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", wrong_name), f.now).ret_code == "3003");
  Fields wrong_id = f.holder(0);
  wrong_id[2].second = f.book[3].id_no;
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", wrong_id), f.now).ret_code == "3003");
  Fields missing = f.holder(0);
  missing.pop_back();
  CHECK(f.bank.handle("COL", f.msg("VERIFY3", missing), f.now).ret_code == "3099");
}

TEST_CASE("SIGNAPPLY and SIGNCONFIRM: right code, stable ProtocolNo, wrong mobile") {
  Fixture f;
  Fields apply = f.holder(0);
  apply.emplace_back("Mobile", f.book[0].mobile);
  Fields bad_mobile = f.holder(0);
  bad_mobile.emplace_back("Mobile", "13000000000");
  CHECK(f.bank.handle("QP", f.msg("SIGNAPPLY", bad_mobile), f.now).ret_code == "3003");
  CHECK(f.bank.handle("QP", f.msg("SIGNAPPLY", apply, "A1"), f.now).ret_code == "0000");
  auto code = f.bank.sms_code(f.book[0].mobile);
  REQUIRE(code);
  CHECK(code->size() == 6);
  auto c1 = f.bank.handle("QP", f.msg("SIGNCONFIRM", {{"OrigReqSn", "A1"}, {"SmsCode", *code}}),
                          f.now);
  CHECK(c1.ret_code == "0000");
  CHECK_FALSE(c1.field("ProtocolNo").empty());
  auto c2 = f.bank.handle("QP", f.msg("SIGNCONFIRM", {{"OrigReqSn", "A1"}, {"SmsCode", *code}}),
                          f.now);
  CHECK(c2.ret_code == "0000");
  CHECK(c2.field("ProtocolNo") == c1.field("ProtocolNo"));
  CHECK(f.bank.handle("QP", f.msg("SIGNCONFIRM", {{"OrigReqSn", "NOPE"}, {"SmsCode", "123456"}}),
                      f.now).ret_code == "3099");

  // A quick-pay DEBIT by that protocol, then UNSIGN (twice, and of an unknown protocol: 0000).
  auto d = f.bank.handle(
      "QP", f.msg("DEBIT", {{"ProtocolNo", c1.field("ProtocolNo")}, {"Amount", "500"}}), f.now);
  CHECK(d.ret_code == "0000");
  CHECK(f.balance(0) == 10'000'000 - 500);
  const std::string pn = c1.field("ProtocolNo");
  for (const std::string& no : {pn, pn, std::string("X1")}) {
    CHECK(f.bank.handle("QP", f.msg("UNSIGN", {{"ProtocolNo", no}}), f.now).ret_code == "0000");
  }
  auto d2 = f.bank.handle(
      "QP", f.msg("DEBIT", {{"ProtocolNo", c1.field("ProtocolNo")}, {"Amount", "500"}}), f.now);
  CHECK(d2.ret_code == "3099");
}

TEST_CASE("SIGNCONFIRM: wrong codes, the 5th uses the tries up; expired codes") {
  Fixture f;
  Fields apply = f.holder(0);
  apply.emplace_back("Mobile", f.book[0].mobile);
  REQUIRE(f.bank.handle("QP", f.msg("SIGNAPPLY", apply, "A1"), f.now).ret_code == "0000");
  std::string right = *f.bank.sms_code(f.book[0].mobile);
  std::string wrong = right == "000000" ? "111111" : "000000";
  auto confirm = [&](const std::string& code) {
    return f.bank.handle("QP", f.msg("SIGNCONFIRM", {{"OrigReqSn", "A1"}, {"SmsCode", code}}),
                         f.now).ret_code;
  };
  for (int i = 0; i < 4; ++i) CHECK(confirm(wrong) == "3006");
  CHECK(confirm(wrong) == "3007");
  CHECK(confirm(right) == "3007");

  REQUIRE(f.bank.handle("QP", f.msg("SIGNAPPLY", apply, "A2"), f.now).ret_code == "0000");
  right = *f.bank.sms_code(f.book[0].mobile);
  f.now += std::chrono::seconds(301);
  CHECK(f.bank.handle("QP", f.msg("SIGNCONFIRM", {{"OrigReqSn", "A2"}, {"SmsCode", right}}),
                      f.now).ret_code == "3007");

  REQUIRE(f.bank.handle("QP", f.msg("SIGNAPPLY", apply, "A3"), f.now).ret_code == "0000");
  right = *f.bank.sms_code(f.book[0].mobile);
  CHECK(f.bank.expire_sms(f.book[0].mobile, f.now));
  CHECK(f.bank.handle("QP", f.msg("SIGNCONFIRM", {{"OrigReqSn", "A3"}, {"SmsCode", right}}),
                      f.now).ret_code == "3007");
}

TEST_CASE("DEBIT: the same ReqSn twice executes once and answers 1000 with the original") {
  Fixture f;
  auto a = f.debit(0, 12345, "D1");
  CHECK(a.ret_code == "0000");
  CHECK(a.field("SettleDate") == "20261121");
  auto b = f.debit(0, 12345, "D1");
  CHECK(b.ret_code == "1000");
  CHECK(b.field("Status") == "SUCCESS");
  CHECK(b.field("OrigRetCode") == "0000");
  CHECK(b.field("ChannelTxnNo") == a.field("ChannelTxnNo"));
  CHECK(f.balance(0) == 10'000'000 - 12345);
  // Another TxCode with the same ReqSn is not executed either: refused, no Status.
  auto other = f.refund("D1", 100, "D1");
  CHECK(other.ret_code == "1000");
  CHECK(other.field("Status").empty());
  CHECK(other.reused_by == "DEBIT");
  CHECK(f.bank.find("COL", "D1")->executed == 1);
  CHECK(f.bank.ledger().find("|D1|DEBIT|SUCCESS|12345|") != std::string::npos);
  CHECK(f.bank.ledger().substr(f.bank.ledger().size() - 2) == "1\n");
}

TEST_CASE("DEBIT: declines") {
  Fixture f;
  CHECK(f.debit(3, 1001).ret_code == "3001");
  CHECK(f.debit(0, 5'000'001).ret_code == "3004");
  CHECK(f.debit(1, 100).ret_code == "3005");
  CHECK(f.debit(2, 100).ret_code == "3002");
  CHECK(f.debit(0, 0).ret_code == "3099");
  CHECK(f.debit(3, 1001, "F1").ret_code == "3001");
  auto again = f.debit(3, 1001, "F1");  // a declined DEBIT is registered too
  CHECK(again.ret_code == "1000");
  CHECK(again.field("Status") == "FAILED");
  CHECK(again.field("OrigRetCode") == "3001");
  CHECK(f.debit(3, 1000).ret_code == "0000");
  CHECK(f.balance(3) == 0);
  auto notes = f.bank.take_notifications();
  CHECK(notes.size() == 7);
  CHECK(f.bank.take_notifications().empty());
}

TEST_CASE("REFUND: ceiling, original must be a success, idempotent") {
  Fixture f;
  REQUIRE(f.debit(0, 1000, "D1").ret_code == "0000");
  REQUIRE(f.debit(3, 5000, "DF").ret_code == "3001");
  CHECK(f.refund("D1", 600, "R1").ret_code == "0000");
  CHECK(f.refund("D1", 600, "R1").ret_code == "1000");
  CHECK(f.refund("D1", 401, "R2").ret_code == "3004");
  CHECK(f.refund("D1", 400, "R3").ret_code == "0000");
  CHECK(f.refund("D1", 1, "R4").ret_code == "3004");
  CHECK(f.refund("DF", 1).ret_code == "3099");
  CHECK(f.refund("NONE", 1).ret_code == "3099");
  CHECK(f.balance(0) == 10'000'000);
}

TEST_CASE("QUERY: NOT_FOUND, SUCCESS, FAILED, PROCESSING then final by apply_due") {
  Fixture f;
  CHECK(f.query("D1").field("Status") == "NOT_FOUND");
  f.debit(0, 100, "D1");
  auto q = f.query("D1");
  CHECK(q.ret_code == "0000");
  CHECK(q.field("Status") == "SUCCESS");
  CHECK(q.field("Amount") == "100");
  CHECK(f.query("D1", "QP").field("Status") == "NOT_FOUND");  // ReqSn is per channel
  f.debit(3, 999999, "D2");
  CHECK(f.query("D2").field("Status") == "FAILED");
  CHECK(f.query("D2").field("OrigRetCode") == "3001");

  auto p = f.debit(0, 200, "D3", std::chrono::milliseconds(3000));
  CHECK(p.ret_code == "2000");
  CHECK(f.debit(0, 200, "D3").field("Status") == "PROCESSING");
  CHECK(f.query("D3").field("Status") == "PROCESSING");
  CHECK(f.bank.next_due() == f.now + std::chrono::milliseconds(3000));
  f.bank.take_notifications();
  f.now += std::chrono::seconds(3);
  f.bank.apply_due(f.now);
  CHECK(f.query("D3").field("Status") == "SUCCESS");
  CHECK(f.bank.find("COL", "D3")->executed == 1);
  auto notes = f.bank.take_notifications();
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].fields[2] == std::pair<std::string, std::string>{"Status", "SUCCESS"});
}

// channel-api.md: ReqSn is unique per channel across all TxCodes, and a QUERY has a fresh one. A
// strict bank refuses any other use: RetCode 1000 with no Status (for a QUERY: not answered).
TEST_CASE("ReqSn reused: a QUERY's own ReqSn twice, a QUERY on a DEBIT's, a DEBIT on a QUERY's") {
  Fixture f;
  REQUIRE(f.debit(0, 100, "D1").ret_code == "0000");
  auto q1 = f.bank.handle("COL", f.msg("QUERY", {{"OrigReqSn", "D1"}}, "Q1"), f.now);
  CHECK(q1.ret_code == "0000");
  CHECK(q1.reused_by.empty());
  auto q2 = f.bank.handle("COL", f.msg("QUERY", {{"OrigReqSn", "D1"}}, "Q1"), f.now);
  CHECK(q2.ret_code == "1000");
  CHECK(q2.field("Status").empty());
  CHECK(q2.reused_by == "QUERY");
  auto q3 = f.bank.handle("COL", f.msg("QUERY", {{"OrigReqSn", "D1"}}, "D1"), f.now);
  CHECK(q3.ret_code == "1000");
  CHECK(q3.field("Status").empty());
  CHECK(q3.reused_by == "DEBIT");
  // A QUERY refused for a missing OrigReqSn used its ReqSn all the same.
  CHECK(f.bank.handle("COL", f.msg("QUERY", {}, "Q2"), f.now).ret_code == "3099");
  CHECK(f.bank.handle("COL", f.msg("QUERY", {{"OrigReqSn", "D1"}}, "Q2"), f.now).reused_by == "QUERY");
  // A DEBIT on a QUERY's ReqSn is refused and executes nothing.
  auto d = f.debit(0, 100, "Q1");
  CHECK(d.ret_code == "1000");
  CHECK(d.reused_by == "QUERY");
  CHECK(f.bank.find("COL", "Q1") == nullptr);
  CHECK(f.balance(0) == 10'000'000 - 100);
  // Per channel: the same ReqSn on another channel is another one.
  CHECK(f.bank.handle("QP", f.msg("QUERY", {{"OrigReqSn", "D1"}}, "Q1"), f.now).ret_code == "0000");
  // The retry of the same DEBIT is no reuse.
  auto retry = f.debit(0, 100, "D1");
  CHECK(retry.ret_code == "1000");
  CHECK(retry.field("Status") == "SUCCESS");
  CHECK(retry.reused_by.empty());
}

TEST_CASE("statement: successful lines of the SettleDate, cut-over, readiness") {
  Fixture f;
  f.now = at("20261121225959");
  f.debit(0, 100, "D1");
  f.now = at("20261121230000");
  CHECK(f.debit(0, 200, "D2").field("SettleDate") == "20261122");
  f.debit(3, 999999, "D3");
  f.now = at("20261121100000");
  f.refund("D1", 40, "R1");
  Date d21(2026, 11, 21);
  CHECK_FALSE(f.bank.statement("COL", d21, at("20261122015959")));
  auto s = f.bank.statement("COL", d21, at("20261122020000"));
  REQUIRE(s);
  std::string expect_head = "H|COL|20261121|2|100|40\n";
  CHECK(s->substr(0, expect_head.size()) == expect_head);
  CHECK(s->find("|R1|REFUND|40|20261121100000\n") != std::string::npos);
  CHECK(s->find("|D1|DEBIT|100|20261121225959\n") != std::string::npos);
  CHECK(s->find("D2") == std::string::npos);
  auto s22 = f.bank.statement("COL", Date(2026, 11, 22), at("20261124000000"));
  REQUIRE(s22);
  CHECK(s22->substr(0, 24) == "H|COL|20261122|1|200|0\nD");
  CHECK(*f.bank.statement("QP", d21, at("20261124000000")) == "H|QP|20261121|0|0|0\n");
}

TEST_CASE("statement faults: omitted, doubled, altered, unknown and declined lines; header adds up") {
  Fixture f;
  f.now = at("20261121100000");
  for (int i = 1; i <= 6; ++i) f.debit(0, 100 * i, "D" + std::to_string(i));
  f.debit(3, 999999, "X1");  // declined (FROZEN / too much), never on a plain statement
  Date d21(2026, 11, 21);
  const Instant later = at("20261124000000");
  auto plain = f.bank.statement("COL", d21, later);
  REQUIRE(plain);
  CHECK(plain->find("|X1|") == std::string::npos);
  CHECK(plain->substr(0, 25) == "H|COL|20261121|6|2100|0\nD");

  StatementFaults sf;
  sf.omit_every = 3;      // D3, D6 left out
  sf.dup_every = 4;       // D4 twice
  sf.amount_every = 5;    // D5 one fen more
  sf.unknown_lines = 1;   // RSX00000000001
  sf.declined_every = 1;  // X1 listed
  auto s = f.bank.statement("COL", d21, later, sf);
  REQUIRE(s);
  CHECK(s->find("|D3|") == std::string::npos);
  CHECK(s->find("|D6|") == std::string::npos);
  const std::string d4 = "|D4|DEBIT|400|";
  CHECK(s->find(d4) != s->rfind(d4));
  CHECK(s->find("|D5|DEBIT|501|") != std::string::npos);
  CHECK(s->find("|RSX00000000001|DEBIT|100|") != std::string::npos);
  CHECK(s->find("|X1|DEBIT|999999|") != std::string::npos);
  // D1, D2, D4 twice, D5 + 1 fen, X1 (declined), the unknown line: 7 lines, their sum.
  CHECK(s->substr(0, s->find('\n')) == "H|COL|20261121|7|1001700|0");
}

}  // namespace repay::sim
