// Staff tools that can be trusted and scripted (issue 16, section 7), with the real binary: `repay
// refunds approve|reject|propose` check the staff member's console password (same accounts, same
// lock-out) before acting, and `refunds list|show`, `batch status` and `notify list` give
// `--format json` that parses, with the documented fields and no full card number.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "realtime_e2e.h"

namespace repay::e2e::rt {
namespace {

using namespace std::chrono_literals;
namespace pt = boost::property_tree;

// `repay <args> --config ...` with `input` on its stdin: exit status and stdout+stderr.
std::pair<int, std::string> cli_with_stdin(RtStack& s, const std::string& input, const std::string& args) {
  const std::string in_file = s.ts.dir() + "/stdin.txt";
  std::ofstream(in_file) << input;
  return repay_cli(s, args + " < " + in_file);
}

// stdout only, parsed as JSON (REQUIREs exit 0 and a document that parses).
pt::ptree json_of(RtStack& s, const std::string& args) {
  auto [rc, out] = run_shell(std::string(REPAY_BIN) + " " + args + " --config " +
                             s.ts.stack().settings_file() + " 2>/dev/null");
  REQUIRE_MESSAGE(rc == 0, args << ":\n" << out);
  pt::ptree tree;
  std::istringstream in(out);
  try {
    pt::read_json(in, tree);
  } catch (const std::exception& e) {
    FAIL("not JSON: " << e.what() << "\n" << out);
  }
  return tree;
}

}  // namespace

TEST_CASE("staff CLI: refunds approve|reject|propose need the staff member's password; lock-out as in the console") {
  RtOptions o;
  o.processor_extra = "console_max_failed_logins = 3\n";
  RtStack s(o);
  const std::string maker = staff_args(s, "maker");
  staff_args(s, "checker");
  staff_args(s, "looker", "viewer");
  const std::string checker_file = s.ts.dir() + "/checker.pw";
  const std::string wrong_file = s.ts.dir() + "/wrong.pw";
  std::ofstream(wrong_file) << "not-the-password\n";
  const std::string txn = repaid(s, 10000);
  auto state_of = [&](const std::string& no) { return s.db("SELECT state FROM refunds WHERE refund_no = '" + no + "'"); };

  // Without a password file, the password is read from stdin; an empty stdin is refused.
  auto [nopw, nopw_out] = cli_with_stdin(s, "", "refunds propose --center CC01 --txn-no " + txn +
                                                     " --amount 1000 --staff maker --comment goodwill");
  CHECK(nopw == 1);
  CHECK(nopw_out.find("no password on stdin") != std::string::npos);
  // A login that is no staff account cannot act.
  auto [ghost, ghost_out] = repay_cli(s, "refunds propose --center CC01 --txn-no " + txn +
                                             " --amount 1000 --staff ghost --password-file " + wrong_file +
                                             " --comment goodwill");
  CHECK(ghost == 1);
  CHECK(ghost_out.find("wrong login or password") != std::string::npos);
  CHECK(s.db("SELECT COUNT(*) FROM refunds WHERE origin = 'US'") == "0");

  auto [prc, proposed] = repay_cli(s, "refunds propose --center CC01 --txn-no " + txn + " --amount 1000" + maker +
                                          " --comment goodwill");
  REQUIRE_MESSAGE(prc == 0, proposed);
  const std::string no = s.db("SELECT refund_no FROM refunds WHERE origin = 'US' AND orig_txn_no = '" + txn + "'");
  REQUIRE(!no.empty());

  // A viewer looks, never approves.
  auto [view, view_out] = repay_cli(s, "refunds approve --refund-no " + no + " --staff looker --password-file " +
                                           s.ts.dir() + "/looker.pw");
  CHECK(view == 1);
  CHECK(view_out.find("reviewer or admin") != std::string::npos);
  CHECK(state_of(no) == "PENDING_REVIEW");

  // Wrong passwords for checker: refused, and the third in a row locks the account.
  for (int i = 1; i <= 3; ++i) {
    auto [rc, out] = repay_cli(s, "refunds approve --refund-no " + no + " --staff checker --password-file " + wrong_file);
    CHECK(rc == 1);
    CHECK(out.find(i < 3 ? "wrong login or password" : "locked") != std::string::npos);
  }
  CHECK(state_of(no) == "PENDING_REVIEW");
  CHECK(s.db("SELECT failed_logins FROM staff WHERE login = 'checker'") == "3");
  // Locked: even the right password is refused (on stdin this time).
  std::ifstream pw_in(checker_file);
  std::string checker_pw;
  std::getline(pw_in, checker_pw);
  auto [locked, locked_out] = cli_with_stdin(s, checker_pw + "\n", "refunds approve --refund-no " + no + " --staff checker");
  CHECK(locked == 1);
  CHECK(locked_out.find("locked") != std::string::npos);
  CHECK(state_of(no) == "PENDING_REVIEW");

  // An admin unlocks it (as for the console); then the right password on stdin approves.
  auto [urc, unlocked] = repay_cli(s, "staff unlock --login checker");
  REQUIRE_MESSAGE(urc == 0, unlocked);
  auto [arc, approved] = cli_with_stdin(s, checker_pw + "\n", "refunds approve --refund-no " + no + " --staff checker");
  REQUIRE_MESSAGE(arc == 0, approved);
  CHECK(approved.find("APPROVED") != std::string::npos);
  CHECK(s.db("SELECT failed_logins FROM staff WHERE login = 'checker'") == "0");
  CHECK(s.db("SELECT COUNT(*) FROM audit WHERE entity = 'staff' AND entity_id = 'checker' AND new_state = 'AUTHENTICATED'") == "1");
  // The password never shows in the output or the audit.
  CHECK(approved.find(checker_pw) == std::string::npos);
  CHECK(s.db("SELECT COUNT(*) FROM audit WHERE reason LIKE '%" + checker_pw + "%'") == "0");
}

TEST_CASE("staff CLI: --format json of refunds list|show, batch status and notify list parses, with itemId") {
  RtOptions o;
  o.cc01_extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\nforce_fail_lead = 1\n";
  o.processor_extra = "shutdown_timeout = 3s\n";
  RtStack s(o);
  const std::string txn = repaid(s, 10000);
  const std::string checker = staff_args(s, "checker"), maker = staff_args(s, "maker");
  auto [prc, proposed] = repay_cli(s, "refunds propose --center CC01 --txn-no " + txn + " --amount 2500" + maker +
                                          " --comment goodwill");
  REQUIRE_MESSAGE(prc == 0, proposed);
  const std::string no = s.db("SELECT refund_no FROM refunds WHERE origin = 'US' AND orig_txn_no = '" + txn + "'");

  // A batch that stays open (its deadline is tomorrow), with an item whose itemId is long.
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  const std::string date = batch::cst_today();
  const std::string item_id = "ITEM_WITH_A_LONG_IDENTIFIER_0001";
  batch::drop(s.ts.dir() + "/centers/CC01/inbox", batch::batch_file_name("CC01", date, "JS1"),
              batch::batch_text("CC01", "JS1", date, {batch::line_of(h, ag, item_id, 1234)}));
  REQUIRE(wait_for([&] { return s.db("SELECT state FROM batch_items WHERE batch_no = 'JS1'") == "SUCCESS"; }, 60s));
  // A LATE_SUCCESS proposal of that batch item (as the batch job makes them).
  const std::string item_txn = s.db("SELECT txn_no FROM batch_items WHERE batch_no = 'JS1'");
  {
    const std::string sql =
        "INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, orig_batch_no, "
        "orig_ref, channel_id, orig_req_sn, amount, fee, cardholder_fee, debit_amount, state, created_at, "
        "created_by, updated_at) SELECT 'RFJSON1', center_id, 'US', 'LATE_SUCCESS', txn_no, 'B', batch_no, "
        "center_id || ':' || batch_no || ':' || seq, channel_id, req_sn, amount, fee, cardholder_fee, debit_amount, "
        "'PENDING_REVIEW', 0, 'job:batch-query', 0 FROM batch_items WHERE batch_no = 'JS1'";
    write_db(s.ts.stack().database(), sql);
  }

  auto list = json_of(s, "refunds list --format json");
  int seen = 0;
  for (const auto& [_, r] : list) {
    if (r.get<std::string>("refundNo") == "RFJSON1") {
      ++seen;
      CHECK(r.get<std::string>("itemId") == item_id);
      CHECK(r.get<std::string>("batchNo") == "JS1");
      CHECK(r.get<int>("seq") == 1);
      CHECK(r.get<std::string>("center") == "CC01");
      CHECK(r.get<std::string>("reason") == "LATE_SUCCESS");
      CHECK(r.get<std::string>("state") == "PENDING_REVIEW");
      CHECK(r.get<std::string>("origTxnNo") == item_txn);
      CHECK(r.get<long long>("amount") == 1234);
    } else if (r.get<std::string>("refundNo") == no) {
      ++seen;
      CHECK(r.get<std::string>("origSource") == "realtime");
      CHECK(r.get<std::string>("createdBy") == "staff:maker");
      CHECK(r.get<long long>("amount") == 2500);
      CHECK(r.get<std::string>("createdAt").size() == 14);
    }
  }
  CHECK(seen == 2);
  // The table keeps the long itemId in its own column.
  auto [trc, table] = repay_cli(s, "refunds list");
  REQUIRE(trc == 0);
  CHECK(table.find("batch JS1 #1 item " + item_id + " ") != std::string::npos);

  auto shown = json_of(s, "refunds show --refund-no RFJSON1 --format json");
  CHECK(shown.get<std::string>("itemId") == item_id);
  CHECK(shown.get<std::string>("original.state") == "SUCCESS");
  const std::string card = shown.get<std::string>("original.debitCard");
  CHECK(card.find("****") != std::string::npos);
  CHECK(card != h.debit_card);
  CHECK(shown.get_child("history").size() == 0);  // inserted by hand above: no audit rows
  auto shown_rt = json_of(s, "refunds show --refund-no " + no + " --format json");
  CHECK(shown_rt.get<std::string>("origSource") == "realtime");
  CHECK(shown_rt.get<std::string>("itemId") == "null");  // JSON null
  REQUIRE(shown_rt.get_child("history").size() >= 1);
  CHECK(shown_rt.get_child("history").begin()->second.get<std::string>("actor") == "staff:maker");

  auto [arc, approved] = repay_cli(s, "refunds approve --refund-no " + no + checker);
  REQUIRE_MESSAGE(arc == 0, approved);
  REQUIRE(wait_for([&] { return s.db("SELECT state FROM notifications WHERE key = 'REFUND:" + no + "'") == "DELIVERED"; }, 30s));
  auto notes = json_of(s, "notify list --format json");
  bool found = false;
  for (const auto& [_, n] : notes) {
    if (n.get<std::string>("key") == "REFUND:" + no) {
      found = true;
      CHECK(n.get<std::string>("state") == "DELIVERED");
      CHECK(n.get<std::string>("center") == "CC01");
      CHECK(n.get<int>("attempts") >= 1);
      auto one = json_of(s, "notify list --id " + n.get<std::string>("id") + " --format json");
      CHECK(one.get<std::string>("fields.RefundNo") == no);
      CHECK(one.get_child("attemptHistory").size() >= 1);
    }
  }
  CHECK(found);

  // A batch still open: its one DEBIT waits on a slow bank.
  s.ts.faults("latency-ms=20000\n");
  batch::drop(s.ts.dir() + "/centers/CC01/inbox", batch::batch_file_name("CC01", date, "JS2"),
              batch::batch_text("CC01", "JS2", date, {batch::line_of(h, ag, "ITEM2", 777)}));
  REQUIRE(wait_for([&] { return s.db("SELECT state FROM batches WHERE batch_no = 'JS2'") == "OPEN"; }, 60s));
  auto batches = json_of(s, "batch status --format json");
  REQUIRE(batches.size() == 1);
  const auto& b = batches.begin()->second;
  CHECK(b.get<std::string>("center") == "CC01");
  CHECK(b.get<std::string>("batchNo") == "JS2");
  CHECK(b.get<std::string>("state") == "OPEN");
  CHECK(b.get<int>("items") == 1);
  CHECK(b.get<int>("open") == 1);
  CHECK(b.get<long long>("totalAmount") == 777);
  CHECK(b.get<std::string>("forceFailAt").size() == 14);

  // Nothing printed holds a full card number.
  for (const std::string& args : {std::string("refunds list --format json"), std::string("refunds show --refund-no RFJSON1"),
                                  std::string("refunds show --refund-no RFJSON1 --format json"),
                                  std::string("notify list"), std::string("batch status")}) {
    auto [rc, out] = repay_cli(s, args);
    CHECK(rc == 0);
    CHECK(out.find(h.debit_card) == std::string::npos);
    CHECK(out.find(h.credit_card) == std::string::npos);
  }
}

}  // namespace repay::e2e::rt
