// The demo's repayment day: batch files from two card centers, debited against the simulator.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iconv.h>
#include <map>
#include <sstream>
#include <thread>

#include "stack/demo.h"
#include "stack/http_get.h"
#include "centerclient/center_client.h"
#include "core/clock.h"
#include "core/codes.h"
#include "crypto/crypto.h"
#include "settlement/review_ports.h"
#include "store/factory.h"

namespace fs = std::filesystem;

namespace repay::stack {
namespace {

struct Signed {
  const BookEntry* holder = nullptr;
  std::string agreement_no;
};

std::string to_gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size(), out_left = out.size();
  char* o = out.data();
  iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

// Signs `n` cardholders with enough balance: three elements for CC01, quick pay for CC02.
std::vector<Signed> sign_for_batches(const Stack& stack, const Clock& clock, Picker& pick,
                                     const std::string& center, bool quick, int n) {
  centerclient::CenterClientOptions o;
  o.base_url = stack.api_url();
  o.center_id = center;
  o.secret = stack.center_secret(center);
  centerclient::CenterClient client(o, clock);
  std::vector<Signed> out;
  for (int i = 0; i < n; ++i) {
    const BookEntry* e = pick.next("NORMAL", 500000);
    if (!e) break;
    std::vector<std::pair<std::string, std::string>> f = {
        {"ReqNo", center + "BS" + std::to_string(i)}, {"CreditCardNo", e->credit_card},
        {"Name", e->name}, {"IdType", e->id_type}, {"IdNo", e->id_no}, {"DebitCardNo", e->debit_card}};
    std::string agreement;
    if (!quick) {
      auto a = client.call("sign3", f);
      if (a) agreement = a->field("AgreementNo");
    } else {
      f.emplace_back("Mobile", e->mobile);
      auto a = client.call("qsign/apply", f);
      auto code = http_simple(stack.banksim_url() + "/sim/sms?mobile=" + e->mobile);
      if (a && code) {
        auto c = client.call("qsign/confirm", {{"ReqNo", center + "BC" + std::to_string(i)},
                                               {"OrigReqNo", center + "BS" + std::to_string(i)},
                                               {"SmsCode", *code}});
        if (c) agreement = c->field("AgreementNo");
      }
    }
    if (!agreement.empty()) out.push_back({e, agreement});
  }
  return out;
}

struct Line {
  std::string item_id, credit, name, id_type, id_no, debit, agreement;
  long long amount = 0;
  std::string memo;
};

std::string batch_text(const std::string& center, const std::string& batch_no,
                       const std::string& date, const std::vector<Line>& lines,
                       long long count_delta = 0) {
  long long sum = 0;
  for (const auto& l : lines) sum += l.amount;
  std::ostringstream s;
  s << "H|" << center << "|" << batch_no << "|" << date << "|"
    << static_cast<long long>(lines.size()) + count_delta << "|" << sum << "\n";
  int seq = 0;
  for (const auto& l : lines) {
    s << "D|" << ++seq << "|" << l.item_id << "|" << l.credit << "|" << l.name << "|" << l.id_type
      << "|" << l.id_no << "|" << l.debit << "|" << l.agreement << "|" << l.amount << "|" << l.memo
      << "\n";
  }
  return s.str();
}

Line line_of(const Signed& s, const std::string& item_id, long long amount) {
  const BookEntry& e = *s.holder;
  return Line{item_id, e.credit_card, e.name, e.id_type, e.id_no, e.debit_card, s.agreement_no,
              amount, "auto repayment"};
}

void drop(const Stack& stack, const std::string& center, const std::string& name,
          const std::string& bytes) {
  const std::string inbox = stack.dir() + "/centers/" + center + "/inbox/";
  {
    std::ofstream out(inbox + name, std::ios::binary);
    out << bytes;
  }
  std::ofstream ok(inbox + name + ".ok");  // files.md: complete only with its .ok flag
}

bool published(const Stack& stack, const std::string& center, const std::string& name) {
  return fs::exists(stack.dir() + "/centers/" + center + "/outbox/" + name + ".ok");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "RET file: header status, S/F counts, codes".
std::string summarise_return(const std::string& path, std::map<std::string, int>* codes_out) {
  std::istringstream in(read_file(path));
  std::string line, header;
  std::map<std::string, int> by;
  while (std::getline(in, line)) {
    if (line.rfind("H|", 0) == 0) header = line;
    if (line.rfind("D|", 0) != 0) continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string p;
    while (std::getline(ls, p, '|')) f.push_back(p);
    if (f.size() >= 9) by[f[6] + " " + f[7]]++;
  }
  std::string s = header + "\n      ";
  for (const auto& [k, n] : by) s += k + " x" + std::to_string(n) + "   ";
  if (codes_out) *codes_out = by;
  return s;
}

}  // namespace

BatchDemoReport run_batch_demo(const Stack& stack, const Clock& clock, Picker& pick,
                               Instant cc02_force_fail_at) {
  BatchDemoReport rep;
  auto cc01 = sign_for_batches(stack, clock, pick, "CC01", false, 40);
  auto cc02 = sign_for_batches(stack, clock, pick, "CC02", true, 30);
  rep.lines.push_back("signed for batches: CC01 " + std::to_string(cc01.size()) +
                      " three-element, CC02 " + std::to_string(cc02.size()) + " quick-pay");
  const std::string date = format_date(cst_date(clock.now()));
  const std::string tag = format_cst_timestamp(clock.now()).substr(8, 6);

  // CC01: a UTF-8 batch with one item of every item check, and one over its balance.
  std::vector<Line> l1;
  int n = 0;
  for (const auto& s : cc01) {
    ++n;
    l1.push_back(line_of(s, "I" + tag + "-" + std::to_string(n), 1000 + n * 37));
  }
  if (cc01.size() >= 8) {
    l1.push_back(line_of(cc01[0], "I" + tag + "-1", 500));                 // 2006 repeated itemId
    Line luhn = line_of(cc01[1], "I" + tag + "-X1", 700);
    luhn.credit.back() = luhn.credit.back() == '9' ? '0' : static_cast<char>(luhn.credit.back() + 1);
    l1.push_back(luhn);                                                    // 2003
    Line id = line_of(cc01[2], "I" + tag + "-X2", 700);
    id.id_no.back() = id.id_no.back() == '0' ? '1' : '0';
    l1.push_back(id);                                                      // 2004
    l1.push_back(line_of(cc01[3], "I" + tag + "-X3", 0));                  // 2005
    Line unknown = line_of(cc01[4], "I" + tag + "-X4", 700);
    unknown.agreement = "AG-UNKNOWN";
    l1.push_back(unknown);                                                 // 2001
    Line other = line_of(cc01[5], "I" + tag + "-X5", 700);
    other.name = cc01[6].holder->name == other.name ? other.name + "某" : cc01[6].holder->name;
    l1.push_back(other);                                                   // 2002
    l1.push_back(line_of(cc01[7], "I" + tag + "-X6", cc01[7].holder->balance + 100));  // 1001
  }
  const std::string b1 = "B" + tag;
  const std::string f1 = "REPAY_CC01_" + date + "_" + b1 + ".txt";
  drop(stack, "CC01", f1, batch_text("CC01", b1, date, l1));
  // CC01: a file whose header count is wrong: rejected F2 as a whole.
  const std::string b2 = "B" + tag + "BAD";
  const std::string f2 = "REPAY_CC01_" + date + "_" + b2 + ".txt";
  drop(stack, "CC01", f2, batch_text("CC01", b2, date, {l1.begin(), l1.begin() + 3}, 1));
  // CC02: a GBK batch, larger than its throttled quick-pay channel can send before its deadline.
  std::vector<Line> l2;
  n = 0;
  for (int round = 0; round < 12; ++round) {
    for (const auto& s : cc02) l2.push_back(line_of(s, "G" + tag + "-" + std::to_string(++n), 100 + round));
  }
  const std::string b3 = "G" + tag;
  const std::string f3 = "REPAY_CC02_" + date + "_" + b3 + ".txt";
  drop(stack, "CC02", f3, to_gbk(batch_text("CC02", b3, date, l2)));
  rep.lines.push_back("dropped " + f1 + " (" + std::to_string(l1.size()) + " items), " + f2 +
                      " (header count wrong), " + f3 + " (GBK, " + std::to_string(l2.size()) + " items)");
  rep.lines.push_back("CC02's force-fail time is " + format_cst_timestamp(cc02_force_fail_at) +
                      " CST; waiting for the return files...");

  const std::string r1 = "RET_CC01_" + date + "_" + b1 + ".txt";
  const std::string r2 = "RET_CC01_" + date + "_" + b2 + "_REJ1.txt";
  const std::string r3 = "RET_CC02_" + date + "_" + b3 + ".txt";
  const Instant give_up = cc02_force_fail_at + std::chrono::seconds(90);
  while (clock.now() < give_up &&
         !(published(stack, "CC01", r1) && published(stack, "CC01", r2) && published(stack, "CC02", r3))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  for (const auto& [center, name, expect] : {std::tuple{"CC01", r1, "00"}, std::tuple{"CC01", r2, "F2"},
                                             std::tuple{"CC02", r3, "00"}}) {
    if (!published(stack, center, name)) {
      rep.lines.push_back(std::string(center) + " " + name + ": NOT PUBLISHED");
      ++rep.unexpected;
      continue;
    }
    std::map<std::string, int> by;
    std::string s = summarise_return(stack.dir() + "/centers/" + center + "/outbox/" + name, &by);
    rep.lines.push_back(std::string(center) + " " + name + ":\n      " + s);
    if (s.find(std::string("|") + expect + "|") == std::string::npos) ++rep.unexpected;
  }
  // Late results of force-failed items become refund proposals pending review.
  std::this_thread::sleep_for(std::chrono::seconds(25));
  auto db = open_demo_database(stack, 1);
  if (!db) {
    rep.lines.push_back("refund proposals: " + db.error().to_string());
    ++rep.unexpected;
    return rep;
  }
  settlement::ReviewFilter all;
  all.limit = 100000;
  auto proposals = (*db)->stores->review().list_proposals(all);
  if (!proposals) {
    rep.lines.push_back("refund proposals: " + proposals.error().to_string());
    ++rep.unexpected;
    return rep;
  }
  std::map<std::pair<std::string, std::string>, int> by_reason_state;
  for (const auto& p : *proposals) ++by_reason_state[{p.reason, realtime::to_text(p.state)}];
  for (const auto& [key, n] : by_reason_state) {
    rep.lines.push_back("refund proposals: " + key.first + " " + key.second + " x" + std::to_string(n));
  }
  if (by_reason_state.empty()) {
    rep.lines.push_back("refund proposals: none (no force-failed item was debited late)");
  }
  return rep;
}

}  // namespace repay::stack
