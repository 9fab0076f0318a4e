// End-to-end harness: one local stack (the real `repay-banksim` and `repay serve` as child
// processes on loopback, app/stack.h) per test case, with a signing card-center client per
// center, the simulator's book and test endpoints, and looks into the processor's database
// (support/test_db.h) to prove what was (not) stored.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "stack/demo.h"
#include "stack/stack.h"
#include "centerclient/center_client.h"
#include "core/clock.h"

namespace repay::e2e {

using stack::BookEntry;
using centerclient::CenterAnswer;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Rows of the signing tables: a request that was not executed leaves them all as they were.
struct RowCounts {
  int64_t signing_requests = 0;
  int64_t agreements = 0;
  int64_t quick_applications = 0;
  bool operator==(const RowCounts&) const = default;
};
std::ostream& operator<<(std::ostream& out, const RowCounts& c);

class TestStack {
 public:
  // Starts a stack in a fresh folder under /tmp; `tweak` may change the options first (centers,
  // channel settings). Fails the test case (REQUIRE) when the stack does not start. The folder is
  // removed at the end unless REPAY_E2E_KEEP is set in the environment.
  explicit TestStack(const std::function<void(stack::StackOptions&)>& tweak = {});
  ~TestStack();
  TestStack(const TestStack&) = delete;
  TestStack& operator=(const TestStack&) = delete;

  stack::Stack& stack() { return *stack_; }
  const std::string& dir() const { return dir_; }

  // A signed call as the card center; an answer with http_status 0 and RespCode "IO" when no
  // HTTP answer came.
  CenterAnswer call(const std::string& center, const std::string& tx, const Fields& fields);
  // The center's client (recreated after a restart: the processor's port changes).
  centerclient::CenterClient& client(const std::string& center);
  // Restarts the processor (SIGTERM or SIGKILL) on the same database; REQUIREs it starts.
  void restart_processor(int signal);

  // A unique ReqNo for this stack.
  std::string req_no();
  // The next cardholder of the book in `state` (NORMAL, FROZEN, CLOSED) not handed out yet.
  const BookEntry& holder(const std::string& state);
  const std::vector<BookEntry>& book() const { return book_; }

  // Simulator test endpoints.
  std::string sms_code(const std::string& mobile);  // "" when the bank has none
  bool expire_sms(const std::string& mobile);
  void faults(const std::string& lines);  // POST /sim/faults; REQUIREs 200
  // Gateway calls the simulator handled (its log, "sim_gateway" lines, written before it answers)
  // of one TxCode, optionally only those with that outcome ("0000", "3006", "0000 LOST",
  // "NO_ANSWER", "9001", "HTTP500"). The ledger (/sim/ledger) only lists DEBIT and REFUND.
  int bank_calls(const std::string& tx_code, const std::string& ret = "");

  // Looks at the processor's database (reads only).
  int64_t count_rows(const std::string& table);
  RowCounts counts();

 private:
  std::string dir_;
  std::unique_ptr<stack::Stack> stack_;
  SystemClock clock_;
  std::map<std::string, std::unique_ptr<centerclient::CenterClient>> clients_;
  std::vector<BookEntry> book_;
  std::set<size_t> used_;
  int seq_ = 0;
};

// The six fields of sign3 (and the first six of qsign/apply) for a cardholder.
Fields holder_fields(const std::string& req_no, const BookEntry& e);
Fields with_mobile(Fields f, const std::string& mobile);
Fields with(Fields f, const std::string& name, const std::string& value);  // sets or replaces
Fields without(Fields f, const std::string& name);

// The card number with its last digit changed: the Luhn check fails.
std::string break_luhn(const std::string& card);
// GB 11643-1999 check character of 17 digits.
char id_check_char(const std::string& first17);
// A resident ID with another (wrong) check character.
std::string wrong_check_char(const std::string& id);
// A resident ID with birth date `yyyymmdd` in positions 7-14 and a correct check character.
std::string id_with_birth_date(const std::string& id, const std::string& yyyymmdd);
// Another mobile number (one digit changed).
std::string other_mobile(const std::string& mobile);

// Bytes of a whole file ("" when absent).
std::string read_file_bytes(const std::string& path);

}  // namespace repay::e2e
