// The staff console end to end in headless Chromium: the real stack (repay-banksim + repay serve
// with its admin listener), staff accounts made with `repay staff add`, two refund proposals made
// with `repay refunds propose`, then tests/browser/console.test.mjs drives Debian's chromium with
// JavaScript off through playwright-core: log in, be refused as the maker, approve and see the
// refund sent and SUCCESS at the simulator's bank, reject, be refused without a CSRF token, get
// locked out. Afterwards the database and the bank's ledger must agree with what the page said.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "realtime_e2e.h"

namespace repay::e2e::rt {
namespace {

std::pair<int, std::string> run(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

}  // namespace

TEST_CASE("console in a browser: login, maker refused, approve to SUCCESS, reject, CSRF, lock-out") {
  const std::string browser_dir = std::string(REPAY_SOURCE_DIR) + "/tests/browser";
  REQUIRE_MESSAGE(std::filesystem::exists(browser_dir + "/node_modules/playwright-core"),
                  "playwright-core is not installed: run scripts/install-deps.sh");
  REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/chromium"),
                  "Debian's chromium is not installed: run scripts/install-deps.sh");

  RtOptions o;
  o.processor_extra = "console_max_failed_logins = 3\n";
  RtStack s(o);
  const std::string password = "console-pass-1234";
  const std::string pw_file = s.ts.dir() + "/staff.pw";
  std::ofstream(pw_file) << password << "\n";
  for (auto [login, role] : {std::pair{"maker", "reviewer"}, {"checker", "reviewer"}, {"locky", "viewer"}}) {
    auto [rc, out] = repay_cli(s, std::string("staff add --login ") + login + " --role " + role +
                                      " --password-file " + pw_file);
    REQUIRE_MESSAGE(rc == 0, out);
  }
  auto [lrc, listed] = repay_cli(s, "staff list");
  REQUIRE_MESSAGE(lrc == 0, listed);
  CHECK(listed.find("checker") != std::string::npos);
  CHECK(listed.find(password) == std::string::npos);

  // Two SUCCESS real-time repayments of 100.00 yuan, each with a staff proposal by "maker" (one
  // OTHER proposal per repayment).
  std::vector<std::string> nos;
  for (const char* amount : {"4000", "3000"}) {
    const BookEntry& h = s.holder();
    const std::string ag = s.sign("CC01", h);
    auto paid = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), ag, h.credit_card, 10000));
    REQUIRE_MESSAGE(paid.field("Status") == "SUCCESS", show(paid));
    const std::string txn = paid.field("TxnNo");
    auto [rc, out] = repay_cli(s, "refunds propose --center CC01 --txn-no " + txn + " --amount " + amount +
                                      " --staff maker --password-file " + pw_file +
                                      " --comment 'cardholder complaint'");
    REQUIRE_MESSAGE(rc == 0, out);
    nos.push_back(s.db("SELECT refund_no FROM refunds WHERE origin = 'US' AND orig_txn_no = '" + txn + "'"));
    REQUIRE(!nos.back().empty());
  }

  std::string forbidden;
  for (const auto& e : s.ts.book()) {
    for (const auto* v : {&e.debit_card, &e.credit_card, &e.id_no, &e.mobile}) forbidden += *v + ",";
  }
  ::setenv("CONSOLE_URL", s.ts.stack().admin_url().c_str(), 1);
  ::setenv("REFUND_APPROVE", nos[0].c_str(), 1);
  ::setenv("REFUND_REJECT", nos[1].c_str(), 1);
  ::setenv("MAKER", "maker", 1);
  ::setenv("CHECKER", "checker", 1);
  ::setenv("LOCKY", "locky", 1);
  ::setenv("PASSWORD", password.c_str(), 1);
  ::setenv("MAX_FAILED", "3", 1);
  ::setenv("FORBIDDEN", forbidden.c_str(), 1);
  auto [brc, browser_out] = run("cd '" + browser_dir + "' && node console.test.mjs");
  MESSAGE(browser_out);
  CHECK(brc == 0);

  // What the page said, in the store and at the bank.
  CHECK(s.db("SELECT state FROM refunds WHERE refund_no = '" + nos[0] + "'") == "SUCCESS");
  CHECK(s.db("SELECT state FROM refunds WHERE refund_no = '" + nos[1] + "'") == "REJECTED");
  const std::string refund_sn = s.refund_req_sn(nos[0]);
  auto e = s.ledger_for(refund_sn);
  REQUIRE(e.size() == 1);
  CHECK(e[0].type == "REFUND");
  CHECK(e[0].status == "SUCCESS");
  CHECK(s.db("SELECT actor FROM audit WHERE entity = 'refund' AND entity_id = '" + nos[0] +
             "' AND new_state = 'APPROVED'") == "staff:checker");
  CHECK(s.db("SELECT actor FROM audit WHERE entity = 'refund' AND entity_id = '" + nos[1] +
             "' AND new_state = 'REJECTED'") == "staff:checker");
  CHECK(s.db("SELECT COUNT(*) FROM audit WHERE entity = 'staff' AND entity_id = 'locky' AND new_state = 'LOCKED'") == "1");
  CHECK(s.db("SELECT COUNT(*) FROM staff WHERE login = 'locky' AND locked_at IS NOT NULL") == "1");
  // Unlocked with the CLI.
  auto [urc, unlocked] = repay_cli(s, "staff unlock --login locky");
  CHECK_MESSAGE(urc == 0, unlocked);
  CHECK(s.db("SELECT COUNT(*) FROM staff WHERE login = 'locky' AND locked_at IS NULL") == "1");
}

}  // namespace repay::e2e::rt
