#include "settings/settings.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace repay::settings {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// A folder of files for one test, removed after it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "settings-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Replaces every "{dir}" with the folder.
std::string with_dir(std::string text, const std::string& dir) {
  for (size_t at; (at = text.find("{dir}")) != std::string::npos;) text.replace(at, 5, dir);
  return text;
}

const Error* find(const std::vector<Error>& errors, const std::string& field) {
  for (const Error& e : errors) {
    if (e.field == field) return &e;
  }
  return nullptr;
}

std::string dump(const std::vector<Error>& errors) {
  std::string s;
  for (const Error& e : errors) s += e.to_string() + "\n";
  return s;
}

// Checks that an error names `field` at `line` of source "t.ini".
void expect_error(const std::vector<Error>& errors, const std::string& field, int line) {
  INFO(dump(errors));
  const Error* e = find(errors, field);
  REQUIRE(e != nullptr);
  CHECK(e->code == "CONFIG");
  CHECK(e->where == "t.ini line " + std::to_string(line));
}

// A small valid file of 12 lines ending in [center.CC01]: lines appended go to that center.
const char* kBase =
    "[processor]\n"
    "api_port = 8080\n"
    "[channel.BANKC]\n"
    "kind = COLLECT\n"
    "base_url = https://bank.example/bank\n"
    "merchant_id = M0001\n"
    "secret_env = REPAY_TEST_SECRET\n"
    "[center.CC01]\n"
    "secret_env = REPAY_TEST_SECRET\n"
    "local_inbox = /tmp/cc01/in\n"
    "local_outbox = /tmp/cc01/out\n"
    "collect_channel = BANKC\n";

std::vector<Error> parse(const std::string& text, Settings* s) {
  setenv("REPAY_TEST_SECRET", "s3cret-value", 1);
  return parse_settings(text, "t.ini", s);
}

const char* kFull = R"(# Repay settings: every kind of value.
[processor]
id = REPAY01
database = /var/lib/repay/repay.db
api_address = 0.0.0.0
api_port = 8443
api_tls_cert = {dir}/api.crt
api_tls_key = {dir}/api.key
admin_port = 9090
api_threads = 4
max_body_bytes = 65536
log_level = debug

; the collection channel
[channel.BANKC]
kind = COLLECT
base_url = https://bank.example/bank
merchant_id = M0001
secret_file = {dir}/bankc.secret
max_inflight = 20
connect_timeout = 500ms
request_timeout = 8s
realtime_share = 0.25
statement_last_time = 20:30
suspense_days = 5

[channel.BANKQ]
kind = QUICK
base_url = http://127.0.0.1:9000/bank
merchant_id = M_0002
secret_env = REPAY_TEST_SECRET

[center.CC01]
name = Card Center One
secret_env = REPAY_TEST_SECRET
next_secret_file = {dir}/cc01.next
encoding = GB18030
luhn_check = false
transport = sftp
sftp_host = sftp.cc01.example
sftp_port = 2222
sftp_user = repay
sftp_private_key_file = {dir}/id_ed25519
sftp_known_hosts_file = {dir}/known_hosts
send_from = 07:30
return_deadline = 47:59
force_fail_lead = 15m
poll_interval = 30s
poll_window = 06:00-22:00
max_batch_items = 1000
per_item_limit = 10000000
realtime_timeout = 8s
settlement_mode = 2
posting_grace_days = 3
fee_collect = PERCENT:30:min=100:max=2000
fee_collect_payer = CARDHOLDER
fee_quick = FIXED:200
collect_channel = BANKC
quick_channel = BANKQ
default_notify_url = https://cc01.example/notify/default
notify_url_prefixes = https://cc01.example/notify/, http://127.0.0.1:7000/
notify_retries = 10s,1m, 1h

[center.CC02]
secret_env = REPAY_TEST_SECRET
local_inbox = var/cc02/inbox
local_outbox = var/cc02/outbox
quick_channel = BANKQ
)";

// The files kFull names.
void write_full_files(const TempDir& dir) {
  for (const char* name : {"api.crt", "api.key", "id_ed25519", "known_hosts"})
    dir.write(name, "x\n");
  dir.write("bankc.secret", "bank-secret\r\n");
  dir.write("cc01.next", "next-secret\n");
}

TEST_CASE("a full valid file parses into the structs") {
  TempDir dir;
  write_full_files(dir);
  Settings s;
  auto errors = parse(with_dir(kFull, dir.path()), &s);
  INFO(dump(errors));
  REQUIRE(errors.empty());

  CHECK(s.source == "t.ini");
  CHECK(s.processor.id == "REPAY01");
  CHECK(s.processor.api.address == "0.0.0.0");
  CHECK(s.processor.api.port == 8443);
  CHECK(s.processor.api.tls_key_file == dir.path() + "/api.key");
  CHECK(s.processor.admin.address == "127.0.0.1");
  CHECK(s.processor.admin.port == 9090);
  CHECK(s.processor.api_threads == 4);
  CHECK(s.processor.log_level == "debug");
  CHECK(s.processor.key_file == "var/repay.key");  // default

  REQUIRE(s.channels.size() == 2);
  const ChannelSettings& bankc = s.channels.at("BANKC");
  CHECK(bankc.id == "BANKC");
  CHECK(bankc.kind == "COLLECT");
  CHECK(bankc.connect_timeout == milliseconds(500));
  CHECK(bankc.request_timeout == seconds(8));
  CHECK(bankc.realtime_share == doctest::Approx(0.25));
  CHECK(bankc.max_inflight == 20);
  CHECK(bankc.max_tps == 200);  // default
  CHECK(bankc.statement_last_time == "20:30");
  CHECK(bankc.suspense_days == 5);
  CHECK(s.channels.at("BANKQ").suspense_days == 3);  // default
  CHECK(s.channels.at("BANKQ").merchant_id == "M_0002");

  REQUIRE(s.centers.size() == 2);
  const CenterSettings& cc = s.centers.at("CC01");
  CHECK(cc.id == "CC01");
  CHECK(cc.name == "Card Center One");
  CHECK(cc.secret.env == "REPAY_TEST_SECRET");
  CHECK(cc.next_secret.file == dir.path() + "/cc01.next");
  CHECK(cc.encoding == "GBK");  // GB18030 is read as GBK
  CHECK_FALSE(cc.luhn_check);
  CHECK(cc.transport == "sftp");
  CHECK(cc.sftp_port == 2222);
  CHECK(cc.sftp_inbox == "inbox");  // default
  CHECK(cc.send_from_minutes == 7 * 60 + 30);
  CHECK(cc.return_deadline_minutes == 47 * 60 + 59);
  CHECK(cc.force_fail_lead_minutes == 15);
  CHECK(cc.poll_interval == seconds(30));
  CHECK(cc.poll_window_start_minutes == 6 * 60);
  CHECK(cc.poll_window_end_minutes == 22 * 60);
  CHECK(cc.max_batch_items == 1000);
  CHECK(cc.per_item_limit == 10'000'000);
  CHECK(cc.realtime_timeout == seconds(8));
  CHECK(cc.settlement_mode == 2);
  CHECK(cc.posting_grace_days == 3);
  CHECK(cc.fee_collect.kind == "PERCENT");
  CHECK(cc.fee_collect.basis_points == 30);
  CHECK(cc.fee_collect.min == 100);
  CHECK(cc.fee_collect.max == 2000);
  CHECK(cc.fee_collect.payer == "CARDHOLDER");
  CHECK(cc.fee_quick.kind == "FIXED");
  CHECK(cc.fee_quick.fixed == 200);
  CHECK(cc.fee_quick.payer == "CENTER");
  CHECK(cc.collect_channel == "BANKC");
  CHECK(cc.quick_channel == "BANKQ");
  CHECK(cc.notify_url_prefixes ==
        std::vector<std::string>{"https://cc01.example/notify/", "http://127.0.0.1:7000/"});
  CHECK(cc.notify_retries == std::vector<seconds>{seconds(10), minutes(1), hours(1)});

  // Defaults of a center that sets only what it must.
  const CenterSettings& cc2 = s.centers.at("CC02");
  CHECK(cc2.transport == "local");
  CHECK(cc2.local_inbox == "var/cc02/inbox");
  CHECK(cc2.send_from_minutes == 6 * 60);
  CHECK(cc2.return_deadline_minutes == 16 * 60);
  CHECK(cc2.force_fail_lead_minutes == 10);
  CHECK(cc2.fee_collect.kind == "NONE");
  CHECK(cc2.notify_retries == std::vector<seconds>{seconds(15), minutes(1), minutes(5), minutes(15),
                                                   hours(1), hours(2), hours(6), hours(15)});
}

TEST_CASE("the small base file is valid") {
  Settings s;
  auto errors = parse(kBase, &s);
  INFO(dump(errors));
  CHECK(errors.empty());
}

TEST_CASE("database_synchronous: FULL by default, NORMAL only when asked") {
  Settings s;
  auto errors = parse(kBase, &s);
  CHECK(s.processor.database_synchronous == "FULL");
  std::string base(kBase);
  const std::string key_at = "api_port = 8080\n";  // line 2, in [processor]
  std::string normal = base;
  normal.insert(normal.find(key_at) + key_at.size(), "database_synchronous = NORMAL\n");
  errors = parse(normal, &s);
  INFO(dump(errors));
  CHECK(errors.empty());
  CHECK(s.processor.database_synchronous == "NORMAL");
  std::string off = base;
  off.insert(off.find(key_at) + key_at.size(), "database_synchronous = OFF\n");
  errors = parse(off, &s);
  expect_error(errors, "processor.database_synchronous", 3);
}

TEST_CASE("load_settings reads a file and names it in errors") {
  TempDir dir;
  std::string path = dir.write("repay.ini", std::string(kBase) + "bogus = 1\n");
  setenv("REPAY_TEST_SECRET", "x", 1);
  Settings s;
  auto errors = load_settings(path, &s);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where == path + " line 13");
  CHECK(s.source == path);

  errors = load_settings(dir.path() + "/absent.ini", &s);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == "CONFIG");
  CHECK(errors[0].value == dir.path() + "/absent.ini");
}

TEST_CASE("database.engine: sqlite by default, any other engine a CONFIG error naming it") {
  Settings s;
  SUBCASE("no [database] section: sqlite") {
    auto errors = parse(kBase, &s);
    CHECK_MESSAGE(errors.empty(), dump(errors));
    CHECK(s.database.engine == "sqlite");
  }
  SUBCASE("sqlite written out") {
    auto errors = parse(std::string("[database]\nengine = sqlite\n") + kBase, &s);
    CHECK_MESSAGE(errors.empty(), dump(errors));
    CHECK(s.database.engine == "sqlite");
  }
  SUBCASE("an engine Repay has no driver for") {
    auto errors = parse(std::string(kBase) + "[database]\nengine = postgresql\n", &s);
    expect_error(errors, "database.engine", 14);
    CHECK(find(errors, "database.engine")->value == "postgresql");
    CHECK(errors.size() == 1);
  }
  SUBCASE("an unknown key of [database]") {
    auto errors = parse(std::string(kBase) + "[database]\nhost = db1\n", &s);
    expect_error(errors, "database.host", 14);
  }
}

TEST_CASE("each kind of reading error names its key and line") {
  Settings s;
  SUBCASE("unknown section") {
    auto errors = parse(std::string(kBase) + "[centre.CC02]\nsecret_env = X\n", &s);
    expect_error(errors, "centre.CC02", 13);
    CHECK(errors.size() == 1);  // its keys are not reported one by one
  }
  SUBCASE("unknown key, its value never echoed") {
    auto errors = parse(std::string(kBase) + "secret = hunter2\n", &s);
    expect_error(errors, "center.CC01.secret", 13);
    CHECK(find(errors, "center.CC01.secret")->value.empty());
    CHECK(dump(errors).find("hunter2") == std::string::npos);
  }
  SUBCASE("repeated key: the first stands") {
    auto errors = parse(std::string(kBase) + "send_from = 07:00\nsend_from = 08:00\n", &s);
    expect_error(errors, "center.CC01.send_from", 14);
    CHECK(s.centers.at("CC01").send_from_minutes == 7 * 60);
  }
  SUBCASE("repeated section") {
    auto errors = parse(std::string(kBase) + "[channel.BANKC]\nmax_tps = 5\n", &s);
    expect_error(errors, "channel.BANKC", 13);
    CHECK(s.channels.at("BANKC").max_tps == 5);  // merged into the first
  }
  SUBCASE("bad value forms") {
    auto errors = parse(std::string(kBase) +
                            "poll_interval = 10\n"            // 13: no unit
                            "return_deadline = 48:00\n"       // 14
                            "luhn_check = yes\n"              // 15
                            "fee_quick = PERCENT:30:cap=5\n"  // 16
                            "per_item_limit = -1\n"           // 17
                            "poll_window = 22:00-06:00\n"     // 18
                            "realtime_timeout = 1500ms\n"     // 19: not whole seconds
                            "notify_retries = 15s,,1m\n",     // 20
                        &s);
    expect_error(errors, "center.CC01.poll_interval", 13);
    expect_error(errors, "center.CC01.return_deadline", 14);
    expect_error(errors, "center.CC01.luhn_check", 15);
    expect_error(errors, "center.CC01.fee_quick", 16);
    expect_error(errors, "center.CC01.per_item_limit", 17);
    expect_error(errors, "center.CC01.poll_window", 18);
    expect_error(errors, "center.CC01.realtime_timeout", 19);
    expect_error(errors, "center.CC01.notify_retries", 20);
    CHECK(find(errors, "center.CC01.return_deadline")->value == "48:00");
    CHECK(errors.size() == 8);  // a bad value is not reported again by the cross-key checks
  }
  SUBCASE("a line that is not a key = value") {
    auto errors = parse(std::string(kBase) + "send_from 07:00\n", &s);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].where == "t.ini line 13");
  }
  SUBCASE("a key before any section") {
    auto errors = parse("id = X\n" + std::string(kBase), &s);
    expect_error(errors, "id", 1);
  }
  SUBCASE("missing keys of a center: at its section's line") {
    auto errors = parse(std::string(kBase) + "[center.CC02]\ntransport = sftp\n", &s);
    expect_error(errors, "center.CC02.secret_file", 13);
    expect_error(errors, "center.CC02.collect_channel", 13);
    expect_error(errors, "center.CC02.sftp_host", 13);
    expect_error(errors, "center.CC02.sftp_user", 13);
    expect_error(errors, "center.CC02.sftp_known_hosts_file", 13);
    expect_error(errors, "center.CC02.sftp_private_key_file", 13);
    CHECK(errors.size() == 6);
  }
  SUBCASE("missing keys of a local center") {
    auto errors =
        parse(std::string(kBase) +
                  "[center.CC02]\nsecret_env = REPAY_TEST_SECRET\ncollect_channel = BANKC\n",
              &s);
    expect_error(errors, "center.CC02.local_inbox", 13);
    expect_error(errors, "center.CC02.local_outbox", 13);
    CHECK(errors.size() == 2);
  }
  SUBCASE("missing keys of a channel") {
    auto errors = parse(std::string(kBase) + "[channel.BANKQ]\nmax_tps = 10\n", &s);
    expect_error(errors, "channel.BANKQ.kind", 13);
    expect_error(errors, "channel.BANKQ.base_url", 13);
    expect_error(errors, "channel.BANKQ.merchant_id", 13);
    expect_error(errors, "channel.BANKQ.secret_file", 13);
    CHECK(errors.size() == 4);
  }
}

TEST_CASE("several errors are reported together, in file order") {
  Settings s;
  auto errors = parse(
      "[processor]\n"
      "api_port = 99999\n"  // 2
      "log_level = loud\n"  // 3
      "[channel.BANKC]\n"   // 4
      "kind = COLLECT\n"
      "base_url = https://bank.example/bank\n"
      "merchant_id = M0001\n"
      "secret_env = REPAY_TEST_SECRET\n"
      "colour = blue\n"  // 9
      "[center.CC01]\n"  // 10
      "secret_env = REPAY_TEST_SECRET\n"
      "local_inbox = in\n"
      "local_outbox = out\n"
      "collect_channel = BANKC\n"
      "settlement_mode = 3\n",  // 15
      &s);
  INFO(dump(errors));
  REQUIRE(errors.size() == 4);
  expect_error(errors, "processor.api_port", 2);
  expect_error(errors, "processor.log_level", 3);
  expect_error(errors, "channel.BANKC.colour", 9);
  expect_error(errors, "center.CC01.settlement_mode", 15);
  CHECK(errors[0].field == "processor.api_port");
  CHECK(errors[1].field == "processor.log_level");
  CHECK(errors[2].field == "channel.BANKC.colour");
  CHECK(errors[3].field == "center.CC01.settlement_mode");
}

TEST_CASE("secrets come from a file or the environment") {
  TempDir dir;
  SUBCASE("a file: one trailing newline dropped") {
    auto v = resolve_secret({dir.write("a", "abc\n"), ""}, "center.CC01.secret_file");
    REQUIRE(v.ok());
    CHECK(*v == "abc");
    v = resolve_secret({dir.write("b", "abc\r\n"), ""}, "k");
    CHECK(*v == "abc");
    v = resolve_secret({dir.write("c", "abc\n\n"), ""}, "k");
    CHECK(*v == "abc\n");
    v = resolve_secret({dir.write("d", "no-newline"), ""}, "k");
    CHECK(*v == "no-newline");
  }
  SUBCASE("an empty or absent file is an error naming the key and the file") {
    auto v = resolve_secret({dir.write("e", "\n"), ""}, "center.CC01.secret_file");
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().field == "center.CC01.secret_file");
    CHECK(v.error().value == dir.path() + "/e");
    v = resolve_secret({dir.path() + "/absent", ""}, "k");
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message.find("absent") != std::string::npos);
    v = resolve_secret({dir.path(), ""}, "k");  // a folder
    CHECK_FALSE(v.ok());
  }
  SUBCASE("the environment") {
    setenv("REPAY_TEST_ENV_SECRET", "from-env", 1);
    auto v = resolve_secret({"", "REPAY_TEST_ENV_SECRET"}, "k");
    REQUIRE(v.ok());
    CHECK(*v == "from-env");
    setenv("REPAY_TEST_ENV_SECRET", "", 1);
    v = resolve_secret({"", "REPAY_TEST_ENV_SECRET"}, "k");
    CHECK_FALSE(v.ok());
    unsetenv("REPAY_TEST_ENV_SECRET");
    v = resolve_secret({"", "REPAY_TEST_ENV_SECRET"}, "channel.B1.secret_env");
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().field == "channel.B1.secret_env");
    CHECK(v.error().value == "REPAY_TEST_ENV_SECRET");
  }
  SUBCASE("an unresolvable secret in the file is reported at its key, never its value") {
    setenv("REPAY_TEST_OTHER", "top-secret", 1);
    Settings s;
    auto errors = parse(std::string(kBase) + "next_secret_file = " + dir.path() + "/none\n" +
                            "[center.CC02]\nsecret_env = REPAY_TEST_UNSET_VAR\n"
                            "secret_file = " +
                            dir.write("f", "top-secret") + "\n" +
                            "local_inbox = i\nlocal_outbox = o\ncollect_channel = BANKC\n",
                        &s);
    expect_error(errors, "center.CC01.next_secret_file", 13);
    expect_error(errors, "center.CC02.secret_env", 15);  // both set
    CHECK(dump(errors).find("top-secret") == std::string::npos);
    unsetenv("REPAY_TEST_OTHER");
  }
}

TEST_CASE("the force-fail time must be after send_from") {
  Settings s;
  // files.md: force-fail time = return_deadline - force_fail_lead.
  auto errors = parse(std::string(kBase) + "send_from = 16:00\nreturn_deadline = 16:10\n", &s);
  expect_error(errors, "center.CC01.return_deadline", 14);
  errors = parse(std::string(kBase) + "send_from = 16:00\nreturn_deadline = 16:11\n", &s);
  CHECK(errors.empty());
  errors = parse(std::string(kBase) + "return_deadline = 30:00\nforce_fail_lead = 24h\n", &s);
  expect_error(errors, "center.CC01.return_deadline", 13);
  errors = parse(std::string(kBase) + "return_deadline = 40:00\nforce_fail_lead = 60\n", &s);
  CHECK(errors.empty());
  CHECK(s.centers.at("CC01").force_fail_lead_minutes == 60);
}

TEST_CASE("a center's channels must exist and be of the right kind") {
  Settings s;
  auto errors = parse(std::string(kBase) + "quick_channel = BANKC\n", &s);
  expect_error(errors, "center.CC01.quick_channel", 13);
  CHECK(errors.size() == 1);
  errors = parse(std::string(kBase) + "quick_channel = NOPE\n", &s);
  expect_error(errors, "center.CC01.quick_channel", 13);
}

TEST_CASE("listeners: TLS, loopback, or behind a TLS terminator") {
  Settings s;
  auto errors = parse(std::string(kBase) + "[processor]\napi_address = 0.0.0.0\n", &s);
  expect_error(errors, "processor.api_address", 14);  // merged into [processor] at line 1
  CHECK(find(errors, "processor.api_address")->value == "0.0.0.0");

  errors = parse(std::string(kBase) +
                     "[processor]\napi_address = 10.0.0.5\napi_behind_tls_terminator = true\n",
                 &s);
  CHECK(find(errors, "processor.api_address") == nullptr);

  for (const char* loopback : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
    errors = parse(std::string(kBase) + "[processor]\nadmin_address = " + loopback + "\n", &s);
    CHECK_MESSAGE(find(errors, "processor.admin_address") == nullptr, loopback);
  }
  errors = parse(std::string(kBase) + "[processor]\nadmin_address = 127.0.0.1.5\n", &s);
  expect_error(errors, "processor.admin_address", 14);

  TempDir dir;
  errors = parse(std::string(kBase) + "[processor]\napi_address = 0.0.0.0\napi_tls_cert = " +
                     dir.write("c.pem", "x") + "\n",
                 &s);
  expect_error(errors, "processor.api_tls_key", 1);         // missing: at its section's first line
  CHECK(find(errors, "processor.api_address") == nullptr);  // it names TLS, just incompletely
}

TEST_CASE("cross-key checks of values") {
  Settings s;
  SUBCASE("ids") {
    auto errors = parse(std::string(kBase) + "[center.cc-2]\n", &s);
    expect_error(errors, "center.cc-2", 13);
  }
  SUBCASE("encoding") {
    auto errors = parse(std::string(kBase) + "encoding = latin1\n", &s);
    expect_error(errors, "center.CC01.encoding", 13);
    errors = parse(std::string(kBase) + "encoding = gbk\n", &s);
    CHECK(errors.empty());
    CHECK(s.centers.at("CC01").encoding == "GBK");
  }
  SUBCASE("limits") {
    auto errors = parse(std::string(kBase) +
                            "per_item_limit = 0\n"           // 13
                            "max_requests_per_second = 0\n"  // 14
                            "[channel.BANKC]\n"              // 15
                            "max_inflight = 0\n"             // 16
                            "max_tps = 0\n"                  // 17
                            "realtime_share = 1.0\n",        // 18
                        &s);
    expect_error(errors, "center.CC01.per_item_limit", 13);
    expect_error(errors, "center.CC01.max_requests_per_second", 14);
    expect_error(errors, "channel.BANKC.max_inflight", 16);
    expect_error(errors, "channel.BANKC.max_tps", 17);
    expect_error(errors, "channel.BANKC.realtime_share", 18);
    CHECK(errors.size() == 6);  // and the repeated section
    errors = parse(std::string(kBase) + "per_item_limit = 100000000000\n", &s);
    expect_error(errors, "center.CC01.per_item_limit", 13);
    errors = parse(std::string(kBase) + "per_item_limit = 99999999999\n", &s);
    CHECK(errors.empty());
  }
  SUBCASE("notification URLs") {
    auto errors = parse(std::string(kBase) +
                            "notify_url_prefixes = https://cc.example/n/, http://cc.example/\n"
                            "default_notify_url = https://other.example/n\n",
                        &s);
    expect_error(errors, "center.CC01.notify_url_prefixes", 13);
    expect_error(errors, "center.CC01.default_notify_url", 14);
    errors = parse(std::string(kBase) + "notify_retries = 1m,30s\n", &s);
    expect_error(errors, "center.CC01.notify_retries", 13);
    errors = parse(std::string(kBase) + "notify_retries =\n", &s);
    CHECK(errors.empty());
    CHECK(s.centers.at("CC01").notify_retries.empty());
  }
  SUBCASE("channel URL and merchant") {
    auto errors = parse(std::string(kBase) +
                            "[channel.BANKX]\nkind = DIRECT\nbase_url = http://bank.example/\n"
                            "merchant_id = M 1\nsecret_env = REPAY_TEST_SECRET\n",
                        &s);
    expect_error(errors, "channel.BANKX.kind", 14);
    expect_error(errors, "channel.BANKX.base_url", 15);
    expect_error(errors, "channel.BANKX.merchant_id", 16);
  }
  SUBCASE("an error quotes the value as written, not as normalised") {
    auto errors = parse(std::string("[processor]\nshutdown_timeout = 11m\n") +
                            (std::string(kBase).substr(12)),
                        &s);
    const Error* e = find(errors, "processor.shutdown_timeout");
    REQUIRE(e != nullptr);
    CHECK(e->value == "11m");
    CHECK(e->to_string().find("660000") == std::string::npos);
  }
  SUBCASE("fee payer") {
    auto errors = parse(std::string(kBase) + "fee_collect_payer = BANK\n", &s);
    expect_error(errors, "center.CC01.fee_collect_payer", 13);
    errors = parse(std::string(kBase) + "fee_collect = PERCENT:10:min=500:max=100\n", &s);
    expect_error(errors, "center.CC01.fee_collect", 13);
  }
}

TEST_CASE("check_settings on settings built in code") {
  Settings s;
  s.source = "built-in";
  ChannelSettings ch;
  ch.id = "B1";
  ch.kind = "QUICK";
  ch.base_url = "http://localhost:9000";
  ch.merchant_id = "M1";
  ch.secret.env = "REPAY_TEST_SECRET";
  s.channels["B1"] = ch;
  CenterSettings c;
  c.id = "C1";
  c.secret.env = "REPAY_TEST_SECRET";
  c.local_inbox = "in";
  c.local_outbox = "out";
  c.collect_channel = "B1";
  s.centers["C1"] = c;
  setenv("REPAY_TEST_SECRET", "x", 1);
  auto errors = check_settings(s);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == "center.C1.collect_channel");
  CHECK(errors[0].where == "built-in");
}

}  // namespace
}  // namespace repay::settings
