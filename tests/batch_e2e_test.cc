// Batches end to end through the real binaries (files.md, "Batch file", "Return file"): a batch
// over SFTP against a real sshd on loopback, and every file status, item code and the
// once-only handling of a file through local inboxes.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <map>

#include "app/job_options.h"
#include "batch/jobs/batch_jobs.h"
#include "settings/settings.h"
#include "batch_e2e.h"
#include "crypto/crypto.h"
#include "support/test_db.h"
#include "transport/sshd_test_util.h"
#include "transport/transport.h"

namespace repay::e2e {
namespace {

using namespace repay::e2e::batch;
namespace fs = std::filesystem;

// send_from 00:00 and a deadline on the next day: a batch of today is never F6 in these tests,
// whenever they run (files.md, Timing).
const std::string kFastCenter = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\n";

// The ledger's DEBIT entries by ReqSn.
std::map<std::string, LedgerEntry> debits_by_req_sn(TestStack& ts) {
  std::map<std::string, LedgerEntry> out;
  for (const auto& e : ledger(ts)) {
    CHECK_MESSAGE(e.executed <= 1, "ReqSn " << e.req_sn << " executed " << e.executed << " times");
    if (e.type == "DEBIT") out[e.req_sn] = e;
  }
  return out;
}

// batch_items rows of a batch: seq -> {txn_no, req_sn, state, resp_code, debit_amount, channel_id}.
std::map<long long, std::vector<std::string>> items_of(TestStack& ts, const std::string& center,
                                                       const std::string& batch_no) {
  std::map<long long, std::vector<std::string>> out;
  for (auto& r : db_rows(ts.stack().database(),
                         "SELECT seq, COALESCE(txn_no, ''), COALESCE(req_sn, ''), state, "
                         "COALESCE(resp_code, ''), debit_amount, COALESCE(channel_id, '') FROM "
                         "batch_items WHERE center_id = '" + center + "' AND batch_no = '" +
                             batch_no + "' ORDER BY seq", 7)) {
    out[std::stoll(r[0])] = {r[1], r[2], r[3], r[4], r[5], r[6]};
  }
  return out;
}

// files.md: a rejection's return file is its header only, status as given, the header's counts
// as received (or 0 where unreadable: `counts_may_be_zero`), success and fail 0.
void check_rejection_file(const std::string& path, const std::string& center,
                          const std::string& batch_no, const std::string& date,
                          const std::string& status, long long count, long long amount,
                          bool counts_may_be_zero = false) {
  INFO("rejection file " << path);
  auto recs = records(path);
  REQUIRE(recs.size() == 1);
  const auto& h = recs[0];
  REQUIRE(h.size() == 11);
  CHECK(h[0] == "H");
  CHECK(h[1] == center);
  CHECK(h[2] == batch_no);
  CHECK(h[3] == date);
  CHECK(h[4] == status);
  const bool as_received = h[5] == std::to_string(count) && h[6] == std::to_string(amount);
  const bool zero = h[5] == "0" && h[6] == "0";
  CHECK_MESSAGE((as_received || (counts_may_be_zero && zero)),
                "counts " << h[5] << "|" << h[6] << ", header had " << count << "|" << amount);
  for (int i = 7; i <= 10; ++i) CHECK(h[i] == "0");
}

}  // namespace

TEST_CASE("batch sftp: a batch uploaded over SFTP is pulled, debited, moved to done/, its return file published as NAME + NAME.ok") {
  transport::testing::Sshd sshd;
  REQUIRE_MESSAGE(sshd.failure().empty(), "sshd cannot run here, SFTP untested: " << sshd.failure());
  const transport::SftpOptions o = sshd.options();
  const std::string sftp_lines =
      "transport = sftp\nsftp_host = " + o.host + "\nsftp_port = " + std::to_string(o.port) +
      "\nsftp_user = " + o.user + "\nsftp_private_key_file = " + o.private_key_file +
      "\nsftp_public_key_file = " + o.public_key_file + "\nsftp_known_hosts_file = " +
      o.known_hosts_file + "\nsftp_inbox = " + o.inbox + "\nsftp_outbox = " + o.outbox + "\n";
  TestStack ts([&](stack::StackOptions& so) {
    stack::StackCenter c("CC01");
    c.transport = sftp_lines;
    c.extra = kFastCenter;
    so.centers = {c};
  });
  Holders holders(ts.book());
  std::vector<Line> lines;
  for (int i = 0; i < 3; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = sign_collect(ts, "CC01", *e);
    REQUIRE(!ag.empty());
    lines.push_back(line_of(*e, ag, "SF" + std::to_string(i), 1000 + 11 * i));
  }
  const std::string date = cst_today();
  const std::string name = batch_file_name("CC01", date, "SFTP1");
  const std::string ret = return_name("CC01", date, "SFTP1");

  // The card center uploads as we publish: NAME.tmp, renamed to NAME, then NAME.ok — over SFTP.
  transport::SftpOptions center_side = o;
  center_side.outbox = o.inbox;
  auto uploader = transport::make_sftp_transport(center_side);
  const std::string local = ts.dir() + "/" + name;
  write_bytes(local, batch_text("CC01", "SFTP1", date, lines));
  auto up = uploader->publish(local, name);
  REQUIRE_MESSAGE(up.ok(), "upload over SFTP: " << (up.ok() ? "" : up.error().to_string()));

  CHECK_MESSAGE(wait_until([&] { return fs::exists(o.outbox + "/" + ret + ".ok"); },
                           std::chrono::seconds(60)),
                "no return file over SFTP; processor log:\n" << read_file_bytes(ts.dir() + "/repay.log"));
  // Picked up: moved with its flag into inbox/done/, nothing left in the inbox.
  CHECK(files_in(o.inbox).empty());
  CHECK(files_in(o.inbox + "/done") == std::set<std::string>{name, name + ".ok"});
  // Published as NAME and an empty NAME.ok, no NAME.tmp left.
  CHECK(files_in(o.outbox) == std::set<std::string>{ret, ret + ".ok"});
  CHECK(read_file_bytes(o.outbox + "/" + ret + ".ok").empty());

  ReturnFile rf = read_return(o.outbox + "/" + ret);
  CHECK(rf.bad_lines == 0);
  REQUIRE(rf.header.size() == 11);
  CHECK(rf.header[4] == "00");
  CHECK(rf.header[5] == "3");
  CHECK(rf.header[7] == "3");
  REQUIRE(rf.lines.size() == 3);
  auto debits = debits_by_req_sn(ts);
  auto items = items_of(ts, "CC01", "SFTP1");
  for (const auto& l : rf.lines) {
    INFO("seq " << l.seq);
    CHECK(l.status == "S");
    CHECK(!l.txn_no.empty());
    CHECK(items[l.seq][0] == l.txn_no);
    auto d = debits.find(items[l.seq][1]);
    REQUIRE(d != debits.end());
    CHECK(d->second.status == "SUCCESS");
    CHECK(d->second.amount == l.debit_amount);
  }
  // The card center downloads the return file over SFTP too.
  transport::SftpOptions reader = o;
  reader.inbox = o.outbox;
  auto down = transport::make_sftp_transport(reader);
  auto listed = down->list_complete();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].name == ret);
}

TEST_CASE("batch statuses: F1-F6, REJ numbering, a file handled once, every item code in a return file") {
  const int minute = cst_minute_now();
  // F6 center: force-fail time 00:01 on batchDate (after send_from 00:00). A batch of today is
  // received after it from 00:01 on; just after midnight, one of yesterday.
  const std::string f6_date = minute >= 3 ? cst_today() : cst_yesterday();
  TestStack ts([&](stack::StackOptions& so) {
    stack::StackCenter cc01("CC01");
    cc01.extra = kFastCenter + "fee_collect = FIXED:200\nfee_collect_payer = CARDHOLDER\n"
                               "fee_quick = PERCENT:100\nfee_quick_payer = CENTER\n";
    stack::StackCenter cc02("CC02", "GBK");
    cc02.extra = kFastCenter;
    stack::StackCenter cc05("CC05");
    cc05.extra = kFastCenter + "max_batch_items = 2\n";
    stack::StackCenter cc06("CC06");
    cc06.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 00:02\nforce_fail_lead = 1\n";
    so.centers = {cc01, cc02, cc05, cc06};
  });
  const std::string date = cst_today();
  auto inbox = [&](const std::string& c) { return ts.dir() + "/centers/" + c + "/inbox"; };
  auto outbox = [&](const std::string& c) { return ts.dir() + "/centers/" + c + "/outbox"; };
  auto published = [&](const std::string& c, const std::string& name) {
    return fs::exists(outbox(c) + "/" + name + ".ok");
  };

  Holders holders(ts.book());
  auto next = [&](long long min_balance) {
    const BookEntry* e = holders.next(min_balance);
    REQUIRE(e != nullptr);
    return e;
  };
  // CC01: collection agreements, one quick-pay agreement, one low-balance holder.
  std::vector<const BookEntry*> h;
  std::vector<std::string> ag;
  for (int i = 0; i < 8; ++i) {
    h.push_back(next(100000));
    ag.push_back(sign_collect(ts, "CC01", *h.back()));
    REQUIRE(!ag.back().empty());
  }
  const BookEntry* q = next(100000);
  const std::string q_ag = sign_quick(ts, "CC01", *q);
  REQUIRE(!q_ag.empty());
  const BookEntry* low = nullptr;
  for (const auto& e : ts.book()) {  // 1001: over its balance, within its limits
    if (e.state == "NORMAL" && e.id_type == "01" && e.balance <= 5000 && e.limit >= e.balance + 300) {
      low = &e;
      break;
    }
  }
  REQUIRE_MESSAGE(low != nullptr, "the book has no low-balance cardholder");
  const std::string low_ag = sign_collect(ts, "CC01", *low);
  REQUIRE(!low_ag.empty());
  // CC02 (GBK): one agreement used in its own batch, and on CC01's line (2001: another center's).
  const BookEntry* g = next(100000);
  const std::string g_ag = sign_collect(ts, "CC02", *g);
  REQUIRE(!g_ag.empty());

  // --- Phase 1: an accepted batch with every item code, and one file per rejection status.
  std::vector<Line> ok;
  ok.push_back(line_of(*h[0], ag[0], "A1", 1234));                 // 1 S collect (fee 200)
  ok.push_back(line_of(*h[1], ag[1], "A2", 2000));                 // 2 S collect
  ok.push_back(line_of(*q, q_ag, "A3", 1500));                     // 3 S quick (center pays)
  ok.push_back(line_of(*h[2], ag[2], "A1", 700));                  // 4 2006 itemId of seq 1
  Line luhn = line_of(*h[3], ag[3], "A5", 700);
  luhn.credit = break_luhn(luhn.credit);
  ok.push_back(luhn);                                              // 5 2003
  Line id = line_of(*h[4], ag[4], "A6", 700);
  id.id_no = wrong_check_char(id.id_no);
  ok.push_back(id);                                                // 6 2004
  ok.push_back(line_of(*h[5], ag[5], "A7", 0));                    // 7 2005 amount 0
  ok.push_back(line_of(*h[5], ag[5], "A8", 5000001));              // 8 2005 over per_item_limit
  ok.push_back(line_of(*h[6], "AGUNKNOWN0001", "A9", 700));        // 9 2001 unknown
  ok.push_back(line_of(*g, g_ag, "A10", 700));                     // 10 2001 another center's
  Line other = line_of(*h[7], ag[7], "A11", 700);
  other.name = h[6]->name != other.name ? h[6]->name : other.name + "某";
  ok.push_back(other);                                             // 11 2002 holder differs
  ok.push_back(line_of(*low, low_ag, "A12", low->balance + 100));  // 12 1001 declined
  ok.push_back(line_of(*h[0], ag[0], "A13", 100));                 // 13 S, agreement repeated
  const std::map<long long, std::string> expect_code = {
      {4, "2006"}, {5, "2003"}, {6, "2004"}, {7, "2005"}, {8, "2005"},
      {9, "2001"}, {10, "2001"}, {11, "2002"}, {12, "1001"}};
  const std::set<long long> expect_s = {1, 2, 3, 13};
  const std::string ok_text = batch_text("CC01", "BOK", date, ok);
  drop(inbox("CC01"), batch_file_name("CC01", date, "BOK"), ok_text);

  // GBK: an accepted batch with a Chinese name, and one with bytes that are not GBK.
  std::vector<Line> gl = {line_of(*g, g_ag, "G1", 888)};
  drop(inbox("CC02"), batch_file_name("CC02", date, "GOK"), to_gbk(batch_text("CC02", "GOK", date, gl)));
  std::string bad_gbk = to_gbk(batch_text("CC02", "GF4", date, gl));
  bad_gbk.insert(bad_gbk.find("|G1|") + 4, "\xFF\xFF");
  drop(inbox("CC02"), batch_file_name("CC02", date, "GF4"), bad_gbk);

  std::vector<Line> two = {line_of(*h[1], ag[1], "X1", 300), line_of(*h[2], ag[2], "X2", 400)};
  drop(inbox("CC01"), batch_file_name("CC01", date, "BF1"),
       batch_text("CC01", "BF1", date, two, 0, {1, 3}));                         // F1 seq gap
  const std::string f2_text = batch_text("CC01", "BF2", date, two, 1);           // F2 count + 1
  drop(inbox("CC01"), batch_file_name("CC01", date, "BF2"), f2_text);
  std::string bad_utf8 = batch_text("CC01", "BF4", date, two);
  bad_utf8.insert(bad_utf8.find("|X1|") + 4, "\xC3\x28");                       // F4
  drop(inbox("CC01"), batch_file_name("CC01", date, "BF4"), bad_utf8);
  std::vector<Line> three = {two[0], two[1], line_of(*h[3], ag[3], "X3", 500)};
  drop(inbox("CC05"), batch_file_name("CC05", date, "BF5"), batch_text("CC05", "BF5", date, three));  // F5
  drop(inbox("CC06"), batch_file_name("CC06", f6_date, "BF6"), batch_text("CC06", "BF6", f6_date, two));  // F6

  struct Expected {
    std::string center, batch_no, date, status;
    int rejection;
    long long count, amount;
    bool may_be_zero;
  };
  const std::vector<Expected> phase1 = {
      {"CC01", "BF1", date, "F1", 1, 2, 700, false},
      {"CC01", "BF2", date, "F2", 1, 3, 700, false},
      {"CC01", "BF4", date, "F4", 1, 2, 700, true},
      {"CC02", "GF4", date, "F4", 1, 1, 888, true},
      {"CC05", "BF5", date, "F5", 1, 3, 1200, true},
      {"CC06", "BF6", f6_date, "F6", 1, 2, 700, false},
  };
  auto all_published = [&](const std::vector<Expected>& ex) {
    for (const auto& e : ex) {
      if (!published(e.center, return_name(e.center, e.date, e.batch_no, e.rejection))) return false;
    }
    return true;
  };
  const bool phase1_done = wait_until(
      [&] {
        return all_published(phase1) && published("CC01", return_name("CC01", date, "BOK")) &&
               published("CC02", return_name("CC02", date, "GOK"));
      },
      std::chrono::seconds(60));
  CHECK_MESSAGE(phase1_done, "phase 1 return files missing; CC01 outbox has " << files_in(outbox("CC01")).size()
                                 << " files; processor log:\n" << read_file_bytes(ts.dir() + "/repay.log"));
  for (const auto& e : phase1) {
    const std::string name = return_name(e.center, e.date, e.batch_no, e.rejection);
    REQUIRE_MESSAGE(published(e.center, name), name << " not published");
    check_rejection_file(outbox(e.center) + "/" + name, e.center, e.batch_no, e.date, e.status,
                         e.count, e.amount, e.may_be_zero);
  }

  // The accepted batch: one D line per item in seq order, each item's code; S lines carry the
  // txnNo, fee and debitAmount the ledger shows; items never sent have no txnNo.
  auto debits = debits_by_req_sn(ts);
  {
    const std::string ret = outbox("CC01") + "/" + return_name("CC01", date, "BOK");
    ReturnFile rf = read_return(ret);
    INFO("return file " << ret << ":\n" << read_file_bytes(ret));
    CHECK(rf.bad_lines == 0);
    REQUIRE(rf.header.size() == 11);
    long long total = 0, s_amount = 0, f_amount = 0;
    for (const auto& l : ok) total += l.amount;
    CHECK(rf.header[4] == "00");
    CHECK(rf.header[5] == std::to_string(ok.size()));
    CHECK(rf.header[6] == std::to_string(total));
    REQUIRE(rf.lines.size() == ok.size());
    auto items = items_of(ts, "CC01", "BOK");
    for (size_t i = 0; i < rf.lines.size(); ++i) {
      const ReturnLine& l = rf.lines[i];
      const long long seq = static_cast<long long>(i + 1);
      INFO("seq " << seq);
      CHECK(l.seq == seq);
      CHECK(l.item_id == ok[i].item_id);
      CHECK(l.amount == ok[i].amount);
      CHECK(!l.finish_time.empty());
      if (expect_s.count(seq)) {
        (l.status == "S" ? s_amount : f_amount) += l.amount;
        CHECK(l.status == "S");
        const bool collect = seq != 3;
        CHECK(l.fee == (collect ? 200 : 0));  // quick: the center pays, 0 in the file
        CHECK(l.debit_amount == l.amount + l.fee);
        CHECK(!l.txn_no.empty());
        CHECK(items[seq][0] == l.txn_no);
        auto d = debits.find(items[seq][1]);
        REQUIRE_MESSAGE(d != debits.end(), "no DEBIT in the ledger for ReqSn " << items[seq][1]);
        CHECK(d->second.status == "SUCCESS");
        CHECK(d->second.amount == l.debit_amount);
      } else {
        f_amount += l.amount;
        CHECK(l.status == "F");
        CHECK(l.resp_code == expect_code.at(seq));
        CHECK(l.fee == 0);
        CHECK(l.debit_amount == 0);
        if (seq == 12) {  // sent and declined by the bank
          CHECK(!l.txn_no.empty());
          auto d = debits.find(items[seq][1]);
          REQUIRE(d != debits.end());
          CHECK(d->second.status != "SUCCESS");
        } else {
          CHECK(l.txn_no.empty());
          CHECK(items[seq][1].empty());  // never sent: no ReqSn
        }
      }
    }
    CHECK(rf.header[7] == std::to_string(expect_s.size()));
    CHECK(rf.header[8] == std::to_string(s_amount));
    CHECK(rf.header[9] == std::to_string(ok.size() - expect_s.size()));
    CHECK(rf.header[10] == std::to_string(f_amount));
  }
  {  // GBK accepted: the Chinese name matched its agreement once decoded.
    ReturnFile rf = read_return(outbox("CC02") + "/" + return_name("CC02", date, "GOK"));
    REQUIRE(rf.lines.size() == 1);
    CHECK(rf.header[4] == "00");
    CHECK(rf.lines[0].status == "S");
    CHECK(rf.lines[0].debit_amount == 888);
  }
  CHECK(wait_until([&] { return files_in(inbox("CC01")).empty() && files_in(inbox("CC02")).empty(); },
                   std::chrono::seconds(10)));

  // --- Phase 2: F3 (batchNo of the accepted file, other content), a second rejection of BF1
  // (_REJ2, F2 this time), and the very same F2 file again (skipped: nothing published).
  const int64_t files_before = ts.count_rows("batch_files");
  std::vector<Line> changed = ok;
  changed[0].amount += 1;
  drop(inbox("CC01"), batch_file_name("CC01", date, "BOK"), batch_text("CC01", "BOK", date, changed));
  drop(inbox("CC01"), batch_file_name("CC01", date, "BF1"), batch_text("CC01", "BF1", date, two, 1));
  drop(inbox("CC01"), batch_file_name("CC01", date, "BF2"), f2_text);
  const std::vector<Expected> phase2 = {
      {"CC01", "BOK", date, "F3", 1, static_cast<long long>(ok.size()), 0, false},
      {"CC01", "BF1", date, "F2", 2, 3, 700, false},
  };
  long long changed_total = 0;
  for (const auto& l : changed) changed_total += l.amount;
  CHECK_MESSAGE(wait_until([&] { return all_published(phase2) && files_in(inbox("CC01")).empty(); },
                           std::chrono::seconds(30)),
                "phase 2 not handled; CC01 inbox: " << files_in(inbox("CC01")).size() << " files");
  check_rejection_file(outbox("CC01") + "/" + return_name("CC01", date, "BOK", 1), "CC01", "BOK",
                       date, "F3", static_cast<long long>(changed.size()), changed_total);
  check_rejection_file(outbox("CC01") + "/" + return_name("CC01", date, "BF1", 2), "CC01", "BF1",
                       date, "F2", 3, 700);
  CHECK(ts.count_rows("batch_files") == files_before + 2);  // the repeated F2 file stored nothing

  // --- Phase 3: the very same accepted file again: handled once, no second return file.
  drop(inbox("CC01"), batch_file_name("CC01", date, "BOK"), ok_text);
  CHECK(wait_until([&] { return files_in(inbox("CC01")).empty(); }, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // room for a (wrong) publish to happen
  CHECK(ts.count_rows("batch_files") == files_before + 2);
  std::set<std::string> expected_out;
  for (const std::string& n :
       {return_name("CC01", date, "BOK"), return_name("CC01", date, "BOK", 1),
        return_name("CC01", date, "BF1", 1), return_name("CC01", date, "BF1", 2),
        return_name("CC01", date, "BF2", 1), return_name("CC01", date, "BF4", 1)}) {
    expected_out.insert(n);
    expected_out.insert(n + ".ok");
  }
  CHECK(files_in(outbox("CC01")) == expected_out);
  // Every file, the repeats included, went to done/ with its flag.
  CHECK(files_in(inbox("CC01") + "/done").size() == 2 * 8);
  // Each ReqSn executed at most once, and no item debited twice.
  debits_by_req_sn(ts);
}

TEST_CASE("batch lost answers: a DEBIT whose answer was lost is never replayed as is; every item ends as the bank says") {
  TestStack ts([&](stack::StackOptions& so) {
    stack::StackCenter c("CC01");
    c.extra = kFastCenter;
    so.centers = {c};
  });
  Holders holders(ts.book());
  std::vector<std::pair<const BookEntry*, std::string>> signed_up;
  for (int i = 0; i < 5; ++i) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    signed_up.emplace_back(e, sign_collect(ts, "CC01", *e));
    REQUIRE(!signed_up.back().second.empty());
  }
  // Half the DEBITs are executed and then their connection is dropped without an answer.
  ts.faults("latency-ms=20\np-lost-answer=0.5\n");
  std::vector<Line> lines;
  for (int i = 0; i < 40; ++i) {
    const auto& [e, ag] = signed_up[i % signed_up.size()];
    lines.push_back(line_of(*e, ag, "L" + std::to_string(i + 1), 100 + i));
  }
  const std::string date = cst_today();
  drop(ts.dir() + "/centers/CC01/inbox", batch_file_name("CC01", date, "LOST1"),
       batch_text("CC01", "LOST1", date, lines));
  const std::string ret = ts.dir() + "/centers/CC01/outbox/" + return_name("CC01", date, "LOST1");
  REQUIRE_MESSAGE(wait_until([&] { return fs::exists(ret + ".ok"); }, std::chrono::seconds(90)),
                  "no return file for LOST1");

  // Every call is signed with a fresh nonce: a request the bank sees twice with the same nonce
  // was resent by the HTTP layer underneath the channel client (libcurl retries a request on a
  // fresh connection when a reused one dies before the answer), and the answer to that copy
  // (4001, or 9001/429 from a real bank's front end) says nothing about the first, executed one.
  std::istringstream log(read_file_bytes(ts.dir() + "/banksim.log"));
  std::string line;
  int replays = 0, lost = 0;
  while (std::getline(log, line)) {
    if (line.find("\"event\":\"sim_gateway\"") != std::string::npos && line.find(" LOST\"") != std::string::npos) ++lost;
    if (line.find("replayed nonce") != std::string::npos) ++replays;
  }
  MESSAGE("lost answers " << lost << ", requests replayed with the same nonce " << replays);
  CHECK(lost > 0);
  CHECK_MESSAGE(replays == 0, replays << " signed requests reached the bank twice with the same nonce");

  ReturnFile rf = read_return(ret);
  REQUIRE(rf.lines.size() == lines.size());
  auto debits = debits_by_req_sn(ts);
  auto items = items_of(ts, "CC01", "LOST1");
  for (const auto& l : rf.lines) {
    INFO("seq " << l.seq);
    auto d = debits.find(items[l.seq][1]);
    const bool debited = d != debits.end() && d->second.status == "SUCCESS";
    CHECK(l.status == (debited ? "S" : "F"));
  }
}

}  // namespace repay::e2e

namespace repay::e2e {
namespace {

using namespace repay::e2e::batch;
namespace fs = std::filesystem;

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("batch inbox: a link is never followed and a stranger's name never read; each alerted once") {
  TestStack ts([&](stack::StackOptions& so) {
    stack::StackCenter cc01("CC01");
    cc01.extra = "poll_interval = 1s\nsend_from = 00:00\nreturn_deadline = 47:59\n";
    so.centers = {cc01};
  });
  const std::string date = cst_today();
  const std::string inbox = ts.dir() + "/centers/CC01/inbox";
  // A file outside the inbox that a link named like a batch file points to.
  const std::string secret = ts.dir() + "/outside.txt";
  write_bytes(secret, "TOPSECRET first line of a file outside the inbox\n");
  const std::string link = batch_file_name("CC01", date, "L1");
  fs::create_symlink(secret, inbox + "/" + link);
  write_bytes(inbox + "/" + link + ".ok", "");
  // A complete file whose name is not a batch file's.
  write_bytes(inbox + "/notes.txt", "HELLO-NOT-A-BATCH\n");
  write_bytes(inbox + "/notes.txt.ok", "");
  // A good batch after them, so that we know several polls went by.
  drop(inbox, batch_file_name("CC01", date, "G1"), batch_text("CC01", "G1", date, {}));
  REQUIRE(wait_until([&] { return fs::exists(inbox + "/done/" + batch_file_name("CC01", date, "G1")); },
                     std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // more polls: still one alert each

  const std::string log = read_file_bytes(ts.dir() + "/repay.log");
  INFO(log);
  CHECK(occurrences(log, "\"event\":\"batch.inbox_not_regular\"") == 1);
  CHECK(occurrences(log, "\"event\":\"batch.not_a_batch_file\"") == 1);
  CHECK(log.find("TOPSECRET") == std::string::npos);
  CHECK(log.find("outside.txt") == std::string::npos);
  CHECK(log.find("HELLO-NOT-A-BATCH") == std::string::npos);
  // Left where they are; nothing read: no batch, no copy, no archive.
  CHECK(fs::is_symlink(inbox + "/" + link));
  CHECK(fs::exists(inbox + "/notes.txt"));
  CHECK(db_rows(ts.stack().database(), "SELECT COUNT(*) FROM batches WHERE batch_no = 'L1'")[0][0] == "0");
  CHECK(db_rows(ts.stack().database(), "SELECT COUNT(*) FROM batch_files WHERE file_name <> '" +
                                           batch_file_name("CC01", date, "G1") + "'")[0][0] == "0");
  for (const auto& e : fs::recursive_directory_iterator(ts.dir())) {
    const std::string n = e.path().filename().string();
    if (e.path().string().find("/archive/") != std::string::npos || e.path().string().find("/work/") != std::string::npos) {
      CHECK_MESSAGE(n.find("L1") == std::string::npos, e.path());
      CHECK_MESSAGE(n.find("notes") == std::string::npos, e.path());
    }
  }
}

TEST_CASE("batch deadlines: a batch whose force-fail fails holds up no other center's return file") {
  // Nothing is sent before send_from (an hour from now): both batches are still open at their
  // force-fail time, which the test reaches with a clock of its own.
  const std::string send_from = hhmm(std::min(cst_minute_now() + 60, 23 * 60 + 59));
  const std::string timing = "poll_interval = 1s\nsend_from = " + send_from + "\nreturn_deadline = 47:59\n";
  TestStack ts([&](stack::StackOptions& so) {
    stack::StackCenter cc01("CC01");
    cc01.extra = timing;
    stack::StackCenter cc02("CC02");
    cc02.extra = timing;
    so.centers = {cc01, cc02};
  });
  const std::string date = cst_today();
  Holders holders(ts.book());
  for (const char* c : {"CC01", "CC02"}) {
    const BookEntry* e = holders.next(100000);
    REQUIRE(e != nullptr);
    const std::string ag = sign_collect(ts, c, *e);
    REQUIRE(!ag.empty());
    drop(ts.dir() + "/centers/" + c + "/inbox", batch_file_name(c, date, "B1"),
         batch_text(c, "B1", date, {line_of(*e, ag, "I1", 1000)}));
  }
  auto state = [&](const std::string& c) {
    auto rows = db_rows(ts.stack().database(),
                        "SELECT state FROM batches WHERE center_id = '" + c + "' AND batch_no = 'B1'");
    return rows.empty() ? std::string() : rows[0][0];
  };
  REQUIRE(wait_until([&] { return state("CC01") == "OPEN" && state("CC02") == "OPEN"; },
                     std::chrono::seconds(30)));
  ts.stack().stop_processor(SIGTERM);

  settings::Settings settings;
  REQUIRE(settings::load_settings(ts.stack().settings_file(), &settings).empty());
  auto cipher = crypto::FieldCipher::from_key_file(settings.processor.key_file);
  REQUIRE(cipher.ok());
  auto store = testing::TestStores::open(settings.processor.database, *cipher);
  REQUIRE(store.ok());
  // CC01's batch cannot be force-failed (an injected failure on its batch row).
  REQUIRE((*store)->refuse_updates("fail_cc01", "batches", "OLD.center_id = 'CC01'").ok());
  const Date t = *parse_date(date);
  ManualClock clock(cst_time_on(t, 47 * 60 + 59));  // past the force-fail time (47:59 - 10 min)
  repay::batch::BatchJobs jobs(app::batch_jobs_options(settings), (*store)->stores().batches(), *cipher, nullptr, clock);
  const std::string out1 = ts.dir() + "/centers/CC01/outbox/" + return_name("CC01", date, "B1");
  const std::string out2 = ts.dir() + "/centers/CC02/outbox/" + return_name("CC02", date, "B1");
  auto r = jobs.deadlines_and_returns();
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r->published == 1);
  CHECK(r->failed == 1);  // CC01's, counted (`repay batch return` exits 1 on it)
  CHECK(fs::exists(out2 + ".ok"));    // CC02's deadline and publication stood on their own
  CHECK_FALSE(fs::exists(out1));
  CHECK(state("CC01") == "OPEN");
  CHECK(state("CC02") == "RETURNED");
  // The failure gone: CC01's batch is force-failed and returned at the next round.
  REQUIRE((*store)->allow_updates("fail_cc01").ok());
  // Another process (`repay batch return` beside `serve`) is building the same return file in
  // the work folder: this round never writes into its file, never removes it (issue 16, §5).
  const std::string shared_dir =
      (fs::path(settings.processor.database).parent_path() / "work" / "out" / "CC01").string();
  fs::create_directories(shared_dir);
  const std::string theirs = shared_dir + "/" + return_name("CC01", date, "B1");
  write_bytes(theirs, "another writer's first part\n");
  auto again = jobs.deadlines_and_returns();
  REQUIRE(again.ok());
  CHECK(again->published == 1);
  CHECK(again->failed == 0);
  CHECK(fs::exists(out1 + ".ok"));
  auto ret = read_return(out1);
  REQUIRE(ret.lines.size() == 1);
  CHECK(ret.lines[0].resp_code == "3002");
  CHECK(read_file_bytes(theirs) == "another writer's first part\n");
  // What this round built in its own folder is gone with it.
  int left = 0;
  for (const auto& e : fs::directory_iterator(shared_dir)) left += e.path() != fs::path(theirs) ? 1 : 0;
  CHECK(left == 0);
}

}  // namespace repay::e2e
