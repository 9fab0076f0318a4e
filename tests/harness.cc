#include "harness.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "stack/http_get.h"
#include "support/test_db.h"

namespace repay::e2e {

std::ostream& operator<<(std::ostream& out, const RowCounts& c) {
  return out << "{signing_requests " << c.signing_requests << ", agreements " << c.agreements
             << ", quick_applications " << c.quick_applications << "}";
}

TestStack::TestStack(const std::function<void(stack::StackOptions&)>& tweak) {
  char tmpl[] = "/tmp/repay-e2e-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  REQUIRE_MESSAGE(made != nullptr, "cannot create a temporary folder");
  dir_ = made;
  stack::StackOptions o;
  o.dir = dir_;
  o.repay_bin = REPAY_BIN;
  o.banksim_bin = BANKSIM_BIN;
  // The tests settle today's transactions against today's statement. With the bank's 23:00 CST
  // cutover, whatever runs from 15:00 to 16:00 UTC would settle tomorrow and be missing from it
  // (the settlement tests failed in that hour): no cutover unless a test asks for one.
  o.banksim_args = {"--cutover-hour", "24"};
  if (tweak) tweak(o);
  // On a failed start the folder stays, with the logs the message points to.
  auto s = stack::Stack::start(o);
  REQUIRE_MESSAGE(
      s.ok(), "stack did not start in " << dir_ << ": " << (s.ok() ? "" : s.error().to_string()));
  stack_ = std::move(*s);
  auto b = stack::fetch_book(stack_->banksim_url());
  REQUIRE_MESSAGE(b.ok(),
                  "cannot read the simulator's book: " << (b.ok() ? "" : b.error().to_string()));
  book_ = std::move(*b);
  REQUIRE(!book_.empty());
}

TestStack::~TestStack() {
  clients_.clear();
  stack_.reset();  // stops the processor and the simulator
  // channel-api.md: ReqSn is unique per channel across all TxCodes, and a QUERY has a fresh one.
  // The simulator refuses and logs every reuse (docs/simulator.md): no test may cause one.
  {
    std::istringstream in(read_file_bytes(dir_ + "/banksim.log"));
    std::string line, first;
    int reused = 0;
    while (std::getline(in, line)) {
      if (line.find("\"event\":\"sim_reqsn_reused\"") == std::string::npos) continue;
      if (reused++ == 0) first = line;
    }
    CHECK_MESSAGE(reused == 0, reused << " request(s) reused a ReqSn; the first: " << first);
  }
  if (std::getenv("REPAY_E2E_KEEP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

centerclient::CenterClient& TestStack::client(const std::string& center) {
  auto& c = clients_[center];
  if (!c) {
    centerclient::CenterClientOptions o;
    o.base_url = stack_->api_url();
    o.center_id = center;
    o.secret = stack_->center_secret(center);
    c = std::make_unique<centerclient::CenterClient>(o, clock_);
  }
  return *c;
}

CenterAnswer TestStack::call(const std::string& center, const std::string& tx,
                             const Fields& fields) {
  auto a = client(center).call(tx, fields);
  if (!a) {
    CenterAnswer none;
    none.fields["RespCode"] = "IO";
    none.fields["RespMsg"] = a.error().message;
    return none;
  }
  return *a;
}

void TestStack::restart_processor(int signal) {
  clients_.clear();  // the new processor listens on another port
  auto st = stack_->restart_processor(signal);
  REQUIRE_MESSAGE(st.ok(),
                  "processor did not restart: " << (st.ok() ? "" : st.error().to_string()));
}

std::string TestStack::req_no() { return "E2E" + std::to_string(++seq_); }

const BookEntry& TestStack::holder(const std::string& state) {
  for (size_t i = 0; i < book_.size(); ++i) {
    // Resident IDs only: the ID tests change their check character and birth date.
    if (used_.count(i) || book_[i].state != state || book_[i].id_type != "01") continue;
    used_.insert(i);
    return book_[i];
  }
  FAIL("the simulator's book has no more " << state << " cardholders");
  throw std::logic_error("unreachable");
}

std::string TestStack::sms_code(const std::string& mobile) {
  auto code = stack::http_simple(stack_->banksim_url() + "/sim/sms?mobile=" + mobile);
  return code ? *code : std::string();
}

bool TestStack::expire_sms(const std::string& mobile) {
  std::string none;
  return stack::http_simple(stack_->banksim_url() + "/sim/sms/expire?mobile=" + mobile, &none).ok();
}

void TestStack::faults(const std::string& lines) {
  auto r = stack::http_simple(stack_->banksim_url() + "/sim/faults", &lines);
  REQUIRE_MESSAGE(r.ok(),
                  "POST /sim/faults " << lines << ": " << (r.ok() ? "" : r.error().to_string()));
}

int TestStack::bank_calls(const std::string& tx_code, const std::string& ret) {
  std::istringstream in(read_file_bytes(dir_ + "/banksim.log"));
  const std::string tx = "\"tx\":\"" + tx_code + "\"";
  const std::string rc = "\"ret\":\"" + ret + "\"";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.find("\"event\":\"sim_gateway\"") == std::string::npos) continue;
    if (line.find(tx) == std::string::npos) continue;
    if (!ret.empty() && line.find(rc) == std::string::npos) continue;
    ++n;
  }
  return n;
}

int64_t TestStack::count_rows(const std::string& table) {
  auto db = testing::Database::open(stack_->database());
  if (!db) FAIL("cannot open " << stack_->database() << ": " << db.error().to_string());
  auto n = (*db)->integer("SELECT COUNT(*) FROM " + table);
  REQUIRE_MESSAGE(n.ok(), "cannot count " << table << ": " << n.error().to_string());
  return *n;
}

RowCounts TestStack::counts() {
  return {count_rows("signing_requests"), count_rows("agreements"),
          count_rows("quick_applications")};
}

Fields holder_fields(const std::string& req_no, const BookEntry& e) {
  return {{"ReqNo", req_no}, {"CreditCardNo", e.credit_card},
          {"Name", e.name},  {"IdType", e.id_type},
          {"IdNo", e.id_no}, {"DebitCardNo", e.debit_card}};
}

Fields with_mobile(Fields f, const std::string& mobile) {
  return with(std::move(f), "Mobile", mobile);
}

Fields with(Fields f, const std::string& name, const std::string& value) {
  for (auto& [k, v] : f) {
    if (k == name) {
      v = value;
      return f;
    }
  }
  f.emplace_back(name, value);
  return f;
}

Fields without(Fields f, const std::string& name) {
  std::erase_if(f, [&](const auto& kv) { return kv.first == name; });
  return f;
}

std::string break_luhn(const std::string& card) {
  std::string c = card;
  c.back() = c.back() == '9' ? '0' : static_cast<char>(c.back() + 1);
  return c;
}

char id_check_char(const std::string& first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kChars[] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17.at(i) - '0') * kWeights[i];
  return kChars[sum % 11];
}

std::string wrong_check_char(const std::string& id) {
  std::string s = id;
  char right = id_check_char(id.substr(0, 17));
  s[17] = right == '0' ? '1' : '0';
  return s;
}

std::string id_with_birth_date(const std::string& id, const std::string& yyyymmdd) {
  std::string s = id.substr(0, 6) + yyyymmdd + id.substr(14, 3);
  return s + id_check_char(s);
}

std::string other_mobile(const std::string& mobile) {
  std::string m = mobile;
  m[5] = m[5] == '0' ? '1' : '0';
  return m;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace repay::e2e
