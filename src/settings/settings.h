// The settings file: one file describing the processor, its card centers and its channels
// (docs/settings.md documents every key). Secrets never sit in it: each secret names a file or
// an environment variable. Loading reports every problem with its key, not just the first.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/fee.h"
#include "core/money.h"
#include "core/result.h"

namespace repay::settings {

struct ListenerSettings {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  std::string tls_cert_file;      // PEM; with tls_key_file, the listener serves TLS
  std::string tls_key_file;
  bool behind_tls_terminator = false;  // plain HTTP on a non-loopback address only with this
};

struct ProcessorSettings {
  std::string id = "PROCESSOR";
  std::string database = "var/repay.db";
  std::string key_file = "var/repay.key";
  ListenerSettings api;           // card-center API and channel notifications
  ListenerSettings admin{"127.0.0.1", 8081, "", "", false};  // staff console, metrics
  int api_threads = 2;
  size_t max_body_bytes = 64 * 1024;
  std::string ca_file;            // CAs for outgoing HTTPS; empty: the system's
  std::string log_level = "info";
  // Log every message to and from card centers and channels, sensitive fields masked.
  bool log_messages = false;
  // SIGTERM/SIGINT: stop taking work, let in-flight calls finish, exit within this bound.
  std::chrono::milliseconds shutdown_timeout{30000};
  // FULL: every commit survives a power loss; NORMAL: a crash of the process only (db/connection.h).
  std::string database_synchronous = "FULL";
  // Refund review (domain.md flow 4; docs/decisions.md, Refund review).
  int refund_review_expiry_days = 30;            // a proposal still pending after this expires
  Fen refund_two_approvals_above = 1'000'000;    // fen: above it, two different approvers
  // Staff console on the admin listener (src/console/console.h).
  int console_max_failed_logins = 5;             // consecutive failed logins that lock an account
  int console_session_minutes = 30;              // a console session ends this long after login
  // T+1 jobs (app/settle_jobs.h; docs/decisions.md, T+1 scheduling).
  std::string holiday_calendar;                  // file of HOLIDAY/WORKDAY days; "": weekends only
  int settle_catch_up_days = 7;                  // missed days looked at again at start-up
  std::chrono::seconds settle_tick{60};          // how often the scheduler looks at what is due
};

// [database] (docs/settings.md): which engine keeps the data (store/factory.h opens it). The
// SQLite file itself is processor.database.
struct DatabaseSettings {
  std::string engine = "sqlite";  // the only engine for now
};

struct SecretRef {
  std::string file;   // read the secret from this file (trailing newline dropped)
  std::string env;    // or from this environment variable
};

using FeeRule = repay::FeeRule;  // core/fee.h

struct CenterSettings {
  std::string id;                 // centerId
  std::string name;
  bool active = true;
  SecretRef secret;
  SecretRef next_secret;          // optional, for rotation
  std::string encoding = "UTF-8"; // UTF-8 or GBK (GB18030 accepted)
  bool luhn_check = true;
  // File exchange: "local" (folders) or "sftp".
  std::string transport = "local";
  std::string local_inbox;        // local: the folder the center drops files into
  std::string local_outbox;       // local: the folder we publish into
  std::string sftp_host;
  uint16_t sftp_port = 22;
  std::string sftp_user;
  SecretRef sftp_password;        // or a key:
  std::string sftp_private_key_file;
  std::string sftp_public_key_file;
  std::string sftp_known_hosts_file;
  std::string sftp_inbox = "inbox";
  std::string sftp_outbox = "outbox";
  // Batch timing (files.md): minutes after midnight of batchDate.
  int send_from_minutes = 6 * 60;
  int return_deadline_minutes = 16 * 60;   // up to 47:59
  int force_fail_lead_minutes = 10;
  std::chrono::seconds poll_interval{60};
  int poll_window_start_minutes = 0;       // polling window, time of day
  int poll_window_end_minutes = 24 * 60;
  int64_t max_batch_items = 20'000'000;
  int64_t max_batch_bytes = 4LL * 1024 * 1024 * 1024;
  // Limits and real time.
  Fen per_item_limit = 5'000'000;          // fen
  std::chrono::seconds realtime_timeout{10};
  int max_requests_per_second = 500;       // 4003 above it
  // Settlement.
  int settlement_mode = 1;                 // 1 or 2
  int posting_grace_days = 2;
  bool business_days_only = false;
  std::string publish_time = "09:00";      // RECON and SETTLE published by then on T+1
  std::string posting_expected_by = "12:00";
  // Fees per channel kind.
  FeeRule fee_collect;
  FeeRule fee_quick;
  // Channels.
  std::string collect_channel;             // channelId of kind COLLECT
  std::string quick_channel;               // channelId of kind QUICK
  // Notifications.
  std::string default_notify_url;
  std::vector<std::string> notify_url_prefixes;  // allowed prefixes of NotifyUrl
  std::vector<std::chrono::seconds> notify_retries = {
      std::chrono::seconds(15),   std::chrono::minutes(1), std::chrono::minutes(5),
      std::chrono::minutes(15),   std::chrono::hours(1),   std::chrono::hours(2),
      std::chrono::hours(6),      std::chrono::hours(15)};  // center-api.md: Notifications
};

struct ChannelSettings {
  std::string id;                 // channelId
  std::string kind;               // COLLECT or QUICK
  std::string base_url;
  std::string merchant_id;
  SecretRef secret;
  SecretRef next_secret;
  int max_inflight = 50;
  int max_tps = 200;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
  double realtime_share = 0.2;
  std::string statement_last_time = "18:00";  // keep fetching T's statement until then on T+1
  int suspense_days = 3;  // a success the statements lack is held, then an exception after N days
  std::chrono::seconds statement_retry{300};  // wait after a 404 (doubled per try, at most 1 h)
};

struct Settings {
  ProcessorSettings processor;
  DatabaseSettings database;
  std::map<std::string, CenterSettings> centers;    // by centerId
  std::map<std::string, ChannelSettings> channels;  // by channelId
  std::string source;                               // the file it came from
};

// Parses and checks the settings file into *out. Every problem becomes one Error (code "CONFIG")
// with the key ("center.CC01.return_deadline") in `field`, the line in `where`; all of them are
// returned together, empty when the settings are good. Includes check_settings().
std::vector<Error> load_settings(const std::string& path, Settings* out);
// Same from text (tests, embedded defaults); `source` names it in errors.
std::vector<Error> parse_settings(const std::string& text, const std::string& source, Settings* out);
// Cross-key checks: channels referenced exist and have the right kind, force-fail time after
// send_from, listeners' TLS rules, secrets resolvable, folders set for the transport, ...
std::vector<Error> check_settings(const Settings& s);
// The secret's value from its file or environment variable. Error names `key`, never the value.
Result<std::string> resolve_secret(const SecretRef& ref, const std::string& key);

}  // namespace repay::settings
