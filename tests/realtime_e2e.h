// Shared pieces of the real-time end-to-end tests (realtime_e2e_test.cc): a card center's
// callback endpoint that verifies every notification and can be told to fail, a stack with the
// real-time settings of CC01 pointing at it, and looks at the simulator's ledger and log and the
// processor's database (read-only) by ReqSn. Header-only: CMake builds tests/*_test.cc and
// harness.cc into repay_e2e_test.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "stack/http_get.h"
#include "stack/stack.h"
#include "batch_e2e.h"
#include "centerclient/center_client.h"
#include "core/clock.h"
#include "harness.h"
#include "server/http_server.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::e2e::rt {

using batch::db_rows;
using batch::LedgerEntry;
using NoteFields = std::map<std::string, std::string>;

// The card center's callback endpoint (center-api.md, Notifications): verifies the signature
// (sender PROCESSOR, target = POST + the request-target as sent), answers SUCCESS — or HTTP 500
// while told to fail. Every request is recorded, accepted or not.
class CallbackReceiver {
 public:
  struct Hit {
    NoteFields fields;
    std::string target, nonce;
    bool signature_ok = false;
    bool accepted = false;  // answered 200 SUCCESS
  };

  explicit CallbackReceiver(std::string secret, std::string processor_id = "PROCESSOR")
      : secret_(std::move(secret)), processor_id_(std::move(processor_id)) {
    server::HttpServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    server_ = std::make_unique<server::HttpServer>(
        o, [this](server::HttpRequest&& r, server::Respond respond) { handle(std::move(r), respond); });
    server_->start();
  }
  ~CallbackReceiver() { server_->stop(); }

  std::string prefix() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/cb/";
  }
  std::string url() const { return prefix() + "notify"; }

  // Answer HTTP 500 to the next n notifications (then SUCCESS again).
  void fail_next(int n) { fail_next_ = n; }
  // Answer HTTP 500 to everything while down.
  void set_down(bool down) { down_ = down; }

  std::vector<Hit> hits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_;
  }
  // Hits whose field `name` is `value` (e.g. TxnNo, RefundNo), optionally of one Type.
  std::vector<Hit> hits_for(const std::string& name, const std::string& value,
                            const std::string& type = "") const {
    std::vector<Hit> out;
    for (auto& h : hits()) {
      auto f = h.fields.find(name);
      if (f == h.fields.end() || f->second != value) continue;
      if (!type.empty() && (h.fields.count("Type") == 0 || h.fields.at("Type") != type)) continue;
      out.push_back(h);
    }
    return out;
  }
  std::vector<NoteFields> accepted_for(const std::string& name, const std::string& value,
                                       const std::string& type = "") const {
    std::vector<NoteFields> out;
    for (auto& h : hits_for(name, value, type)) {
      if (h.accepted) out.push_back(h.fields);
    }
    return out;
  }
  int bad_signatures() const {
    int n = 0;
    for (auto& h : hits()) n += h.signature_ok ? 0 : 1;
    return n;
  }
  // Nonces seen more than once (every send is signed afresh: common.md, Signatures).
  int repeated_nonces() const {
    std::set<std::string> seen;
    int n = 0;
    for (auto& h : hits()) n += seen.insert(h.nonce).second ? 0 : 1;
    return n;
  }

 private:
  void handle(server::HttpRequest&& r, const server::Respond& respond) {
    wire::SignedHeaders h{r.header("x-sender-id"), r.header("x-timestamp"), r.header("x-nonce"),
                          r.header("x-signature")};
    Hit hit;
    hit.target = r.target;
    hit.nonce = h.nonce;
    hit.signature_ok = h.sender_id == processor_id_ &&
                       wire::verify_message(h, {secret_}, clock_, "POST " + r.target, r.body) ==
                           wire::SignatureCheck::kOk;
    auto msg = wire::parse_xml_message(r.body);
    if (msg && msg->root == "Notify") hit.fields = msg->fields;
    else hit.signature_ok = false;
    server::HttpResponse out;
    if (!hit.signature_ok) {
      out.status = 401;
      out.body = "bad notification";
    } else if (down_ || fail_next_.fetch_sub(1) > 0) {
      out.status = 500;
      out.body = "try later";
    } else {
      hit.accepted = true;
      out.body = "SUCCESS\n";  // white space around it is ignored
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      hits_.push_back(std::move(hit));
    }
    respond(std::move(out));
  }

  std::string secret_, processor_id_;
  SystemClock clock_;
  std::atomic<int> fail_next_{0};
  std::atomic<bool> down_{false};
  mutable std::mutex mu_;
  std::vector<Hit> hits_;
  std::unique_ptr<server::HttpServer> server_;
};

struct RtOptions {
  int realtime_timeout_s = 10;
  std::string fee_collect = "FIXED:200";
  std::string fee_payer = "CARDHOLDER";
  // Offsets from the first try (docs/settings.md): quick, and long enough to outlive a restart.
  std::string notify_retries = "1s,2s,3s,5s,8s,12s,20s,30s";
  std::string channel_extra;
  std::string cc01_extra;       // more lines for [center.CC01]
  std::string cc02_extra;       // more lines for [center.CC02]
  std::string processor_extra;  // more lines for [processor]
  std::vector<std::string> banksim_args;
};

// A stack whose CC01 uses the real-time settings above and notifies `receiver`; CC02 has no
// notification settings.
class RtStack {
 public:
  explicit RtStack(const RtOptions& o = {})
      : receiver(stack::Stack::secret_for("CC01")),
        ts([&](stack::StackOptions& so) {
          so.centers[0].extra = "realtime_timeout = " + std::to_string(o.realtime_timeout_s) +
                                "s\nfee_collect = " + o.fee_collect + "\nfee_collect_payer = " +
                                o.fee_payer + "\ndefault_notify_url = " + receiver.url() +
                                "\nnotify_url_prefixes = " + receiver.prefix() +
                                "\nnotify_retries = " + o.notify_retries + "\n" + o.cc01_extra;
          so.centers[1].extra += o.cc02_extra;
          so.processor_extra += o.processor_extra;
          so.banksim_args.insert(so.banksim_args.end(), o.banksim_args.begin(), o.banksim_args.end());
          so.channel_extra = o.channel_extra;
        }),
        holders(ts.book()) {}

  CallbackReceiver receiver;  // first: its URL goes into the settings
  TestStack ts;
  batch::Holders holders;

  // A NORMAL cardholder with at least `min_balance` fen, each handed out once.
  const BookEntry& holder(long long min_balance = 1'000'000) {
    const BookEntry* e = holders.next(min_balance);
    REQUIRE_MESSAGE(e != nullptr, "the book has no more NORMAL cardholders with " << min_balance);
    return *e;
  }
  // sign3 at `center`: the AgreementNo (REQUIREs SIGNED).
  std::string sign(const std::string& center, const BookEntry& e) {
    auto a = ts.call(center, "sign3", holder_fields(ts.req_no(), e));
    REQUIRE_MESSAGE(a.field("Status") == "SIGNED",
                    "sign3 at " << center << ": " << a.field("RespCode") << " " << a.field("RespMsg"));
    REQUIRE(!a.field("AgreementNo").empty());
    return a.field("AgreementNo");
  }
  centerclient::CenterClientOptions client_options(const std::string& center) {
    centerclient::CenterClientOptions o;
    o.base_url = ts.stack().api_url();
    o.center_id = center;
    o.secret = ts.stack().center_secret(center);
    return o;
  }
  std::string db(const std::string& sql) {
    auto rows = db_rows(ts.stack().database(), sql);
    return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
  }
  std::vector<std::vector<std::string>> rows(const std::string& sql, int columns = 1) {
    return db_rows(ts.stack().database(), sql, columns);
  }
  // The ReqSn of a repayment's DEBIT.
  std::string debit_req_sn(const std::string& txn_no) {
    return db("SELECT req_sn FROM repayments WHERE txn_no = '" + txn_no + "'");
  }
  std::string refund_req_sn(const std::string& refund_no) {
    return db("SELECT req_sn FROM refunds WHERE refund_no = '" + refund_no + "'");
  }
  // The simulator's ledger entries of one ReqSn.
  std::vector<LedgerEntry> ledger_for(const std::string& req_sn) {
    std::vector<LedgerEntry> out;
    for (auto& e : batch::ledger(ts)) {
      if (e.req_sn == req_sn) out.push_back(e);
    }
    return out;
  }
  // Gateway calls the simulator logged for this TxCode with ReqSn `req_sn` (a QUERY: whose
  // OrigReqSn is `req_sn`, its own ReqSn being fresh), optionally only with that outcome.
  int sim_calls(const std::string& tx, const std::string& req_sn, const std::string& ret = "") {
    std::istringstream in(read_file_bytes(ts.dir() + "/banksim.log"));
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      if (line.find("\"event\":\"sim_gateway\"") == std::string::npos) continue;
      if (line.find("\"tx\":\"" + tx + "\"") == std::string::npos) continue;
      const std::string key = tx == "QUERY" ? "\"orig_req_sn\":\"" : "\"req_sn\":\"";
      if (line.find(key + req_sn + "\"") == std::string::npos) continue;
      if (!ret.empty() && line.find("\"ret\":\"" + ret + "\"") == std::string::npos) continue;
      ++n;
    }
    return n;
  }
  // The outcomes ("0000", "NO_ANSWER", "0000 LOST", ...) of one TxCode and ReqSn, in order.
  std::vector<std::string> sim_outcomes(const std::string& tx, const std::string& req_sn) {
    std::istringstream in(read_file_bytes(ts.dir() + "/banksim.log"));
    std::string line;
    std::vector<std::string> out;
    while (std::getline(in, line)) {
      if (line.find("\"event\":\"sim_gateway\"") == std::string::npos) continue;
      if (line.find("\"tx\":\"" + tx + "\"") == std::string::npos) continue;
      if (line.find("\"req_sn\":\"" + req_sn + "\"") == std::string::npos) continue;
      auto p = line.find("\"ret\":\"");
      if (p == std::string::npos) continue;
      out.push_back(line.substr(p + 7, line.find('"', p + 7) - p - 7));
    }
    return out;
  }
  // GET /sim/notifications lines of one ReqSn: `<channelId>|<reqSn>|<status>|<attempt>|<http>|<result>`.
  std::vector<std::vector<std::string>> sim_notifications(const std::string& req_sn) {
    auto text = stack::http_simple(ts.stack().banksim_url() + "/sim/notifications");
    REQUIRE(text.ok());
    std::vector<std::vector<std::string>> out;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      auto f = batch::split(line);
      if (f.size() >= 6 && f[1] == req_sn) out.push_back(f);
    }
    return out;
  }
  // `repay notify ...` against this stack's settings: its stdout (REQUIREs exit status 0).
  std::string notify_command(const std::string& args) {
    const std::string cmd = std::string(REPAY_BIN) + " notify " + args + " --config " +
                            ts.stack().settings_file() + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = ::pclose(p);
    REQUIRE_MESSAGE(rc == 0, cmd << " failed:\n" << out);
    return out;
  }
};

// Runs a shell command: its exit status and everything it printed on stdout.
inline std::pair<int, std::string> run_shell(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  return {WEXITSTATUS(rc), out};
}

// `repay <args> --config <the stack's settings>`: exit status and everything it printed.
inline std::pair<int, std::string> repay_cli(RtStack& s, const std::string& args,
                                             const std::string& env = "") {
  return run_shell(env + std::string(REPAY_BIN) + " " + args + " --config " +
                   s.ts.stack().settings_file() + " 2>&1");
}

// Runs `sql` on the stack's database from outside the processor (a fixture the API cannot make).
inline void write_db(const std::string& database, const std::string& sql) {
  auto db = testing::Database::open(database);
  REQUIRE_MESSAGE(db.ok(), db.error().to_string());
  auto st = (*db)->exec(sql);
  REQUIRE_MESSAGE(st.ok(), st.error().to_string());
}

// Adds a staff account (`repay staff add`) whose password is in a file of the stack's folder:
// " --staff LOGIN --password-file FILE", for the `repay refunds` commands that act for staff.
inline std::string staff_args(RtStack& s, const std::string& login, const std::string& role = "reviewer") {
  const std::string file = s.ts.dir() + "/" + login + ".pw";
  {
    std::ofstream out(file);
    out << "pw-of-" << login << "-1234\n";
  }
  auto [rc, out] = repay_cli(s, "staff add --login " + login + " --role " + role + " --password-file " + file);
  REQUIRE_MESSAGE(rc == 0, out);
  return " --staff " + login + " --password-file " + file;
}

inline Fields repay_fields(const std::string& req_no, const std::string& agreement,
                           const std::string& card, long long amount,
                           const std::string& notify_url = "") {
  Fields f = {{"ReqNo", req_no},
              {"AgreementNo", agreement},
              {"CreditCardNo", card},
              {"Amount", std::to_string(amount)}};
  if (!notify_url.empty()) f.emplace_back("NotifyUrl", notify_url);
  return f;
}

inline Fields refund_fields(const std::string& req_no, const std::string& txn_no, long long amount) {
  return {{"ReqNo", req_no}, {"OrigTxnNo", txn_no}, {"Amount", std::to_string(amount)}};
}

// Polls `done` every `step` until it holds or `limit` passes; true when it held. Bounded, and no
// duration is asserted.
template <class Pred>
bool wait_for(Pred done, std::chrono::milliseconds limit,
              std::chrono::milliseconds step = std::chrono::milliseconds(200)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(step);
  }
}

inline long long num(const std::string& s) {
  if (s.empty()) return -1;
  try {
    return std::stoll(s);
  } catch (...) {
    return -1;
  }
}

inline std::string show(const CenterAnswer& a) {
  std::string s = "HTTP " + std::to_string(a.http_status) + " " + a.field("Status") + " " +
                  a.field("RespCode") + " '" + a.field("RespMsg") + "'";
  for (const char* k : {"TxnNo", "RefundNo", "Amount", "Fee", "DebitAmount"}) {
    if (!a.field(k).empty()) s += std::string(" ") + k + "=" + a.field(k);
  }
  return s;
}

// A SUCCESS real-time repayment of `amount` at CC01 (fee 200 borne by the cardholder): its TxnNo.
inline std::string repaid(RtStack& s, long long amount) {
  const BookEntry& h = s.holder();
  const std::string ag = s.sign("CC01", h);
  auto paid = s.ts.call("CC01", "repay", repay_fields(s.ts.req_no(), ag, h.credit_card, amount));
  REQUIRE_MESSAGE(paid.field("Status") == "SUCCESS", show(paid));
  return paid.field("TxnNo");
}

}  // namespace repay::e2e::rt
