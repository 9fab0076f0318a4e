// The console against a real database file, request by request as a browser sends them: login and
// its CSRF token, lock-out, sessions, roles, maker-checker and CSRF refusals, escaping, audit.
#include "console/console.h"

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <vector>

#include <doctest/doctest.h>

#include "console/password.h"
#include "console/web.h"
#include "support/temp_dir.h"
#include "support/test_db.h"

namespace repay::console {
namespace {

using namespace std::chrono_literals;

const std::string kKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const Instant kT0 = from_unix_ms(1'700'000'000'000);

using testing::TempDir;

crypto::FieldCipher make_cipher() {
  auto c = crypto::FieldCipher::from_hex_key(kKey);
  REQUIRE(c.ok());
  return *c;
}

std::unique_ptr<testing::TestStores> open_store(const std::string& path, const crypto::FieldCipher& c) {
  auto s = testing::TestStores::open(path, c, {.connections = 4});
  REQUIRE_MESSAGE(s.ok(), s.error().to_string());
  return std::move(*s);
}

struct Browser {
  std::map<std::string, std::string> cookies;
  std::string last_body;
};

struct Fixture {
  TempDir dir;
  crypto::FieldCipher cipher = make_cipher();
  std::unique_ptr<testing::TestStores> db = open_store(dir.path + "/repay.db", cipher);
  settlement::ReviewStore& review = db->review();
  ConsoleStore& staff = db->console();
  ManualClock clock{kT0};
  std::unique_ptr<Console> console;

  explicit Fixture(int max_failed = 3, const std::function<void(ConsoleOptions&)>& tune = {}) {
    ConsoleOptions o;
    o.max_failed_logins = max_failed;
    o.session_lifetime = 30min;
    if (tune) tune(o);
    console = std::make_unique<Console>(o, staff, review, clock);
    exec("INSERT INTO agreements(agreement_no, center_id, kind, channel_id, state, credit_card_enc, "
         "credit_card_hash, credit_card_masked, debit_card_enc, debit_card_hash, debit_card_masked, "
         "holder_name, id_type, id_no_enc, id_no_hash, id_no_masked, created_at, updated_at) VALUES "
         "('AG1', 'CC01', 'COLLECT', 'CH01', 'ACTIVE', x'00', 'h1', '620000******0005', x'00', 'h2', "
         "'411111******1111', 'Holder', '01', x'00', 'h3', '110105********002X', 0, 0)");
    exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
         "amount, fee, cardholder_fee, debit_amount, state, resp_code, req_sn, created_at, "
         "finished_at, updated_at) VALUES ('T1', 'CC01', 'Q1', 'f', 'AG1', 'CH01', 10000, 100, 100, "
         "10100, 'SUCCESS', '0000', 'RS1', 0, 0, 0)");
    for (auto [login, role] : {std::pair{"alice", "reviewer"}, {"bob", "reviewer"}, {"vic", "viewer"}, {"ada", "admin"}}) {
      auto st = staff.add_staff(login, role, hash_password(std::string(login) + "-password", 1000), "cli:test", kT0);
      REQUIRE_MESSAGE(st.ok(), st.error().to_string());
    }
  }
  void exec(const std::string& sql) {
    auto st = db->exec(sql);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  }
  std::string text(const std::string& sql) {
    auto rows = db->rows(sql);
    REQUIRE_MESSAGE(rows.ok(), rows.error().to_string());
    return rows->empty() ? std::string("<none>") : (*rows)[0][0];
  }
  std::string propose(const std::string& by, Fen amount) {
    auto p = review.propose(settlement::NewProposal{"CC01", "T1", amount, by, "goodwill"}, clock.now());
    REQUIRE_MESSAGE(p.ok(), p.error().to_string());
    return p->refund_no;
  }

  server::HttpResponse send(Browser& b, const std::string& method, const std::string& target,
                            const std::string& body = "") {
    server::HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    std::string cookie_header;
    for (auto& [k, v] : b.cookies) cookie_header += (cookie_header.empty() ? "" : "; ") + k + "=" + v;
    if (!cookie_header.empty()) req.headers["cookie"] = cookie_header;
    auto r = console->handle(req);
    for (auto& [k, v] : r.headers) {
      if (k != "Set-Cookie") continue;
      const auto eq = v.find('='), semi = v.find(';');
      const std::string name = v.substr(0, eq), value = v.substr(eq + 1, semi - eq - 1);
      if (value.empty()) b.cookies.erase(name);
      else b.cookies[name] = value;
    }
    b.last_body = r.body;
    return r;
  }
  // The value of the first hidden csrf field of the last page.
  static std::string csrf_of(const std::string& body) {
    const std::string mark = "name=\"csrf\" value=\"";
    auto p = body.find(mark);
    REQUIRE(p != std::string::npos);
    p += mark.size();
    return body.substr(p, body.find('"', p) - p);
  }
  server::HttpResponse login(Browser& b, const std::string& login, const std::string& password) {
    send(b, "GET", "/login");
    return send(b, "POST", "/login",
                "csrf=" + csrf_of(b.last_body) + "&login=" + url_encode(login) + "&password=" + url_encode(password));
  }
  Browser logged_in(const std::string& login) {
    Browser b;
    auto r = this->login(b, login, login + "-password");
    REQUIRE(r.status == 303);
    REQUIRE(b.cookies.count("repay_session") == 1);
    return b;
  }
};

std::string header(const server::HttpResponse& r, const std::string& name) {
  for (auto& [k, v] : r.headers) if (k == name) return v;
  return "";
}

}  // namespace

TEST_CASE("console: nothing without a session; login sets an HttpOnly SameSite cookie") {
  Fixture f;
  Browser b;
  auto r = f.send(b, "GET", "/refunds");
  CHECK(r.status == 303);
  CHECK(header(r, "Location") == "/login");
  auto ok = f.login(b, "alice", "alice-password");
  CHECK(ok.status == 303);
  bool found = false;
  for (auto& [k, v] : ok.headers) {
    if (k == "Set-Cookie" && v.rfind("repay_session=", 0) == 0) {
      found = true;
      CHECK(v.find("HttpOnly") != std::string::npos);
      CHECK(v.find("SameSite=Strict") != std::string::npos);
    }
  }
  CHECK(found);
  // The store keeps only a hash of the cookie.
  CHECK(f.text("SELECT COUNT(*) FROM staff_sessions WHERE token_hash = '" + b.cookies["repay_session"] + "'") == "0");
  CHECK(f.send(b, "GET", "/refunds").status == 200);
  CHECK(f.text("SELECT new_state FROM audit WHERE entity = 'staff' AND entity_id = 'alice' ORDER BY id DESC") == "LOGIN");
}

TEST_CASE("console: the login form needs its own token") {
  Fixture f;
  Browser b;
  f.send(b, "GET", "/login");
  auto r = f.send(b, "POST", "/login", "csrf=wrong&login=alice&password=alice-password");
  CHECK(r.status == 403);
  CHECK(b.cookies.count("repay_session") == 0);
  Browser none;  // no login cookie at all
  CHECK(f.send(none, "POST", "/login", "csrf=&login=alice&password=alice-password").status == 403);
}

TEST_CASE("console: lock-out after repeated failures, even with the right password after") {
  Fixture f(3);
  Browser b;
  CHECK(f.login(b, "alice", "nope").status == 401);
  CHECK(f.login(b, "alice", "nope again").status == 401);
  auto third = f.login(b, "alice", "still nope");
  CHECK(third.status == 403);
  CHECK(b.last_body.find("locked") != std::string::npos);
  auto right = f.login(b, "alice", "alice-password");
  CHECK(right.status == 403);
  CHECK(b.cookies.count("repay_session") == 0);
  CHECK(f.text("SELECT COUNT(*) FROM audit WHERE entity = 'staff' AND entity_id = 'alice' AND new_state = 'LOCKED'") == "1");
  // Unlocked by an admin: in again.
  REQUIRE(f.staff.unlock("alice", "cli:root", f.clock.now()).ok());
  CHECK(f.login(b, "alice", "alice-password").status == 303);
  // Unknown logins fail the same way and lock nothing.
  Browser c;
  CHECK(f.login(c, "nobody", "whatever-pass").status == 401);
}

TEST_CASE("console: a session ends after its lifetime and at log-out") {
  Fixture f;
  Browser b = f.logged_in("alice");
  CHECK(f.send(b, "GET", "/refunds").status == 200);
  f.clock.advance(31min);
  CHECK(f.send(b, "GET", "/refunds").status == 303);
  Browser c = f.logged_in("bob");
  f.send(c, "GET", "/refunds");
  const std::string csrf = Fixture::csrf_of(c.last_body);
  CHECK(f.send(c, "POST", "/logout", "csrf=" + csrf).status == 303);
  CHECK(f.send(c, "GET", "/refunds").status == 303);
}

TEST_CASE("console: approve through the ReviewStore; the maker and a missing CSRF token are refused") {
  Fixture f;
  const std::string no = f.propose("bob", 4000);
  Browser bob = f.logged_in("bob");
  auto list = f.send(bob, "GET", "/refunds");
  REQUIRE(list.status == 200);
  CHECK(list.body.find(no) != std::string::npos);
  CHECK(list.body.find("411111******1111") != std::string::npos);  // masked debit card
  f.send(bob, "GET", "/refunds/" + no);
  const std::string bob_csrf = Fixture::csrf_of(bob.last_body);
  auto own = f.send(bob, "POST", "/refunds/" + no + "/approve", "csrf=" + bob_csrf + "&comment=mine");
  CHECK(own.status == 403);
  CHECK(own.body.find("MAKER_CHECKER") != std::string::npos);
  CHECK(f.text("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "PENDING_REVIEW");
  // The refusal is in the audit trail.
  CHECK(f.text("SELECT reason FROM audit WHERE entity = 'staff' AND entity_id = 'bob' AND new_state = 'REFUSED'")
            .find("MAKER_CHECKER") != std::string::npos);

  Browser alice = f.logged_in("alice");
  auto no_token = f.send(alice, "POST", "/refunds/" + no + "/approve", "comment=x");
  CHECK(no_token.status == 403);
  auto wrong_token = f.send(alice, "POST", "/refunds/" + no + "/approve", "csrf=" + bob_csrf);
  CHECK(wrong_token.status == 403);
  CHECK(f.text("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "PENDING_REVIEW");

  f.send(alice, "GET", "/refunds/" + no);
  auto ok = f.send(alice, "POST", "/refunds/" + no + "/approve",
                   "csrf=" + Fixture::csrf_of(alice.last_body) + "&comment=%3Cscript%3Ex%3C%2Fscript%3E");
  CHECK(ok.status == 303);
  CHECK(header(ok, "Location") == "/refunds/" + no + "?done=approved");
  CHECK(f.text("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "APPROVED");
  CHECK(f.text("SELECT actor FROM audit WHERE entity = 'refund' AND entity_id = '" + no +
               "' AND new_state = 'APPROVED'") == "staff:alice");
  auto shown = f.send(alice, "GET", "/refunds/" + no + "?done=approved");
  CHECK(shown.body.find("<script>x") == std::string::npos);
  CHECK(shown.body.find("id=\"approve\"") == std::string::npos);  // nothing left to decide
}

TEST_CASE("console: above the threshold two different approvers") {
  Fixture f;
  f.exec("UPDATE repayments SET amount = 2000000, debit_amount = 2000100 WHERE txn_no = 'T1'");
  const std::string no = f.propose("vic", 1500000);
  for (const char* who : {"alice", "bob"}) {
    Browser b = f.logged_in(who);
    f.send(b, "GET", "/refunds/" + no);
    auto r = f.send(b, "POST", "/refunds/" + no + "/approve", "csrf=" + Fixture::csrf_of(b.last_body));
    CHECK(r.status == 303);
    CHECK(header(r, "Location").find(std::string(who) == "alice" ? "done=waiting" : "done=approved") != std::string::npos);
  }
  CHECK(f.text("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "APPROVED");
}

TEST_CASE("console: a job's proposal of a debit we answered FAILED shows the statement line and is approved") {
  Fixture f;
  // Real time answered FAILED 3001; the channel's statement lists the debit; reconciliation kept
  // the line and proposed the whole debit back (issue 16).
  f.exec("INSERT INTO repayments(txn_no, center_id, req_no, fingerprint, agreement_no, channel_id, "
         "amount, fee, cardholder_fee, debit_amount, state, resp_code, req_sn, created_at, "
         "finished_at, updated_at) VALUES ('T2', 'CC01', 'Q2', 'f', 'AG1', 'CH01', 10000, 100, 100, "
         "10100, 'FAILED', '3001', 'RS2', 0, " + std::to_string(to_unix_ms(kT0)) + ", 0)");
  f.exec("INSERT INTO bank_debits(channel_id, req_sn, center_id, txn_no, amount, statement_date, "
         "line_no, channel_txn_no, recorded_at) VALUES ('CH01', 'RS2', 'CC01', 'T2', 10100, 20231115, "
         "4, 'CH0120231115000042', " + std::to_string(to_unix_ms(kT0)) + ")");
  f.exec("INSERT INTO refunds(refund_no, center_id, origin, reason, orig_txn_no, orig_source, orig_ref, "
         "channel_id, orig_req_sn, amount, fee, cardholder_fee, debit_amount, state, created_at, "
         "created_by, updated_at) VALUES ('RFJ1', 'CC01', 'US', 'OTHER', 'T2', 'R', 'Q2', 'CH01', 'RS2', "
         "10000, 100, 100, 10100, 'PENDING_REVIEW', " + std::to_string(to_unix_ms(kT0)) +
         ", 'job:reconcile', 0)");
  Browser alice = f.logged_in("alice");
  auto page = f.send(alice, "GET", "/refunds/RFJ1");
  REQUIRE(page.status == 200);
  CHECK(page.body.find("id=\"statement\"") != std::string::npos);
  CHECK(page.body.find("CH0120231115000042") != std::string::npos);
  CHECK(page.body.find("20231115") != std::string::npos);
  CHECK(page.body.find("FAILED 3001") != std::string::npos);
  CHECK(page.body.find("proposed by staff") == std::string::npos);
  auto ok = f.send(alice, "POST", "/refunds/RFJ1/approve", "csrf=" + Fixture::csrf_of(alice.last_body));
  CHECK(ok.status == 303);
  CHECK(f.text("SELECT state || ' ' || debit_amount FROM refunds WHERE refund_no = 'RFJ1'") == "APPROVED 10100");
}

TEST_CASE("console: a viewer looks but may not decide; a rejection needs a comment") {
  Fixture f;
  const std::string no = f.propose("bob", 3000);
  Browser vic = f.logged_in("vic");
  auto page = f.send(vic, "GET", "/refunds/" + no);
  CHECK(page.body.find("id=\"approve\"") == std::string::npos);
  auto r = f.send(vic, "POST", "/refunds/" + no + "/reject", "csrf=" + Fixture::csrf_of(page.body) + "&comment=no");
  CHECK(r.status == 403);
  Browser alice = f.logged_in("alice");
  f.send(alice, "GET", "/refunds/" + no);
  const std::string csrf = Fixture::csrf_of(alice.last_body);
  CHECK(f.send(alice, "POST", "/refunds/" + no + "/reject", "csrf=" + csrf + "&comment=").status == 409);
  CHECK(f.send(alice, "POST", "/refunds/" + no + "/reject", "csrf=" + csrf + "&comment=center+refunded").status == 303);
  CHECK(f.text("SELECT state FROM refunds WHERE refund_no = '" + no + "'") == "REJECTED");
}

TEST_CASE("console: exceptions get notes and are resolved once, audited") {
  Fixture f;
  f.exec("INSERT INTO exceptions(kind, center_id, channel_id, ref, detail, created_at) VALUES "
         "('BANK_ONLY', 'CC01', 'CH01', 'RS9', 'debit on the statement only', 0)");
  Browser alice = f.logged_in("alice");
  auto list = f.send(alice, "GET", "/exceptions");
  CHECK(list.body.find("BANK_ONLY") != std::string::npos);
  const std::string csrf = Fixture::csrf_of(list.body);
  CHECK(f.send(alice, "POST", "/exceptions/1/note", "csrf=" + csrf + "&note=asked+the+bank").status == 303);
  CHECK(f.text("SELECT state FROM exceptions WHERE id = 1") == "OPEN");
  CHECK(f.send(alice, "POST", "/exceptions/1/note", "csrf=" + csrf + "&note=refunded&resolve=1").status == 303);
  CHECK(f.text("SELECT state FROM exceptions WHERE id = 1") == "RESOLVED");
  CHECK(f.send(alice, "POST", "/exceptions/1/note", "csrf=" + csrf + "&note=again&resolve=1").status == 409);
  CHECK(f.send(alice, "POST", "/exceptions/99/note", "csrf=" + csrf + "&note=x").status == 404);
  CHECK(f.text("SELECT reason FROM audit WHERE entity = 'exception' AND entity_id = '1' AND new_state = 'RESOLVED'") == "refunded");
  auto resolved = f.send(alice, "GET", "/exceptions?state=RESOLVED");
  CHECK(resolved.body.find("asked the bank") != std::string::npos);
}

TEST_CASE("console: the audit trail is searchable and every page renders") {
  Fixture f;
  Browser alice = f.logged_in("alice");
  auto r = f.send(alice, "GET", "/audit?entity=staff&entity_id=alice");
  CHECK(r.status == 200);
  CHECK(r.body.find("LOGIN") != std::string::npos);
  auto by_actor = f.send(alice, "GET", "/audit?actor=cli%3A");
  CHECK(by_actor.body.find("account created") != std::string::npos);
  CHECK(f.send(alice, "GET", "/audit?actor=nobody").body.find("Nothing found") != std::string::npos);
  CHECK(f.send(alice, "GET", "/batches").status == 200);
  CHECK(f.send(alice, "GET", "/reconciliation").status == 200);
  CHECK(f.send(alice, "GET", "/reconciliation?channel=CH01&day=20231114").status == 200);
  CHECK(f.send(alice, "GET", "/nothing").status == 404);
}

TEST_CASE("console: the batches page shows open batches and those returned in the last days") {
  std::vector<Instant> asked;
  std::vector<batch::BatchSummary> returned;
  Fixture f(3, [&](ConsoleOptions& o) {
    o.batches = [] {
      BatchView v;
      v.batch.center_id = "CC01";
      v.batch.batch_no = "B002";
      v.batch.state = batch::BatchState::kOpen;
      v.batch.total = 5;
      v.batch.open = 5;
      v.batch.force_fail_at = kT0 + 1h;
      return std::vector<BatchView>{v};
    };
    o.returned = [&](Instant since) {
      asked.push_back(since);
      return returned;
    };
  });
  Browser alice = f.logged_in("alice");
  auto none = f.send(alice, "GET", "/batches");
  REQUIRE(none.status == 200);
  CHECK(none.body.find("<table id=\"batches\">") != std::string::npos);
  CHECK(none.body.find("B002") != std::string::npos);
  CHECK(none.body.find("No batch returned in the last 7 days.") != std::string::npos);
  REQUIRE(asked.size() == 1);
  CHECK(asked.front() == kT0 - 7 * 24h);

  batch::BatchSummary b;
  b.center_id = "CC01";
  b.batch_no = "B001";
  b.batch_date = "20261121";
  b.state = batch::BatchState::kReturned;
  b.total = 7;
  b.total_amount = 210000;
  b.returned_at = kT0 - 1h;
  b.return_file = "RET_CC01_20261121_B001.txt";
  returned.push_back(b);
  auto listed = f.send(alice, "GET", "/batches");
  REQUIRE(listed.status == 200);
  const size_t table = listed.body.find("<table id=\"returned\">");
  REQUIRE(table != std::string::npos);
  CHECK(listed.body.find("RET_CC01_20261121_B001.txt", table) != std::string::npos);
  CHECK(listed.body.find("2100.00", table) != std::string::npos);
  CHECK(listed.body.find("No batch returned") == std::string::npos);
}

TEST_CASE("console: only an admin sees staff accounts and unlocks them") {
  Fixture f(3);
  Browser x;
  for (int i = 0; i < 3; ++i) f.login(x, "vic", "wrong password");
  Browser alice = f.logged_in("alice");
  CHECK(f.send(alice, "GET", "/staff").status == 403);
  f.send(alice, "GET", "/refunds");
  CHECK(f.send(alice, "POST", "/staff/vic/unlock", "csrf=" + Fixture::csrf_of(alice.last_body)).status == 403);
  Browser ada = f.logged_in("ada");
  auto page = f.send(ada, "GET", "/staff");
  REQUIRE(page.status == 200);
  CHECK(page.body.find("LOCKED") != std::string::npos);
  CHECK(page.body.find("pbkdf2") == std::string::npos);  // never a password hash
  CHECK(f.send(ada, "POST", "/staff/vic/unlock", "csrf=" + Fixture::csrf_of(page.body)).status == 303);
  CHECK(f.text("SELECT actor FROM audit WHERE entity = 'staff' AND entity_id = 'vic' AND new_state = 'ACTIVE' "
               "ORDER BY id DESC") == "staff:ada");
  CHECK(f.login(x, "vic", "vic-password").status == 303);
  CHECK(f.send(ada, "POST", "/staff/nobody/unlock", "csrf=" + Fixture::csrf_of(page.body)).status == 404);
}

}  // namespace repay::console
