// Cross-key checks of the settings and secret resolution (docs/settings.md says which rule comes
// from which spec section).
#include "settings/settings_check.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "settings/ini.h"
#include "settings/settings_values.h"
#include "core/money.h"
#include "core/validate.h"

namespace repay::settings {
namespace {

bool is_ipv4_loopback(const std::string& a) {
  // 127.0.0.0/8: four dot-separated numbers 0-255, the first 127.
  std::istringstream in(a);
  std::string part;
  int count = 0;
  while (std::getline(in, part, '.')) {
    auto n = parse_setting_int(part, 255);
    if (!n || part.size() > 3) return false;
    if (count == 0 && *n != 127) return false;
    ++count;
  }
  return count == 4 && a.back() != '.';
}

bool is_loopback_address(const std::string& a) {
  return a == "localhost" || a == "::1" || a == "[::1]" || is_ipv4_loopback(a);
}

bool readable_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  return static_cast<bool>(in);
}

class Checker {
 public:
  explicit Checker(const SettingsLines& lines) : lines_(lines) {}

  // The value is quoted as written in the file (`11m`, not its 660000 ms), else as given.
  void fail(const std::string& field, std::string message, std::string value = {}) {
    if (lines_.reported.count(field) != 0) return;  // its value was already reported bad
    if (auto w = lines_.written.find(field); w != lines_.written.end() && !value.empty()) value = w->second;
    errors_.push_back(
        make_error("CONFIG", std::move(message), field, std::move(value), lines_.where(field)));
  }

  void file(const std::string& field, const std::string& path) {
    if (!path.empty() && !readable_file(path)) fail(field, "not a readable file", path);
  }

  void at_least(const std::string& field, int64_t v, int64_t min) {
    if (v < min) fail(field, "must be at least " + std::to_string(min), std::to_string(v));
  }

  // A secret named by <name>_file or <name>_env; `required` when it must be there.
  void secret(const std::string& prefix, const std::string& name, const SecretRef& ref,
              bool required) {
    if (ref.file.empty() && ref.env.empty()) {
      if (required) {
        fail(prefix + name + "_file", "missing: set " + name + "_file or " + name + "_env");
      }
      return;
    }
    if (!ref.file.empty() && !ref.env.empty()) {
      fail(prefix + name + "_env", "set either " + name + "_file or " + name + "_env, not both",
           ref.env);
      return;
    }
    std::string key = prefix + name + (ref.file.empty() ? "_env" : "_file");
    if (lines_.reported.count(key) != 0) return;
    Result<std::string> value = resolve_secret(ref, key);
    if (!value.ok()) {
      Error e = value.error();
      e.where = lines_.where(key);
      errors_.push_back(std::move(e));
    }
  }

  void time_text(const std::string& field, const std::string& v) {
    if (!parse_time_of_day(v)) fail(field, "expected a time HH:MM from 00:00 to 23:59", v);
  }

  // Outgoing and notification URLs: https, or http only to loopback (common.md: NotifyUrl,
  // Transport security).
  void url(const std::string& field, const std::string& v) {
    if (!is_notify_url(v)) {
      fail(field,
           "expected an absolute https:// URL (http:// only to loopback), at most 256 characters",
           v);
    }
  }

  std::vector<Error> take() { return std::move(errors_); }

 private:
  const SettingsLines& lines_;
  std::vector<Error> errors_;
};

void check_listener(Checker& c, const std::string& name, const ListenerSettings& l) {
  const std::string p = "processor." + name;
  if (l.address.empty()) c.fail(p + "_address", "missing: the address to listen on");
  bool cert = !l.tls_cert_file.empty(), key = !l.tls_key_file.empty();
  if (cert && !key) c.fail(p + "_tls_key", "missing: " + name + "_tls_cert is set without it");
  if (key && !cert) c.fail(p + "_tls_cert", "missing: " + name + "_tls_key is set without it");
  c.file(p + "_tls_cert", l.tls_cert_file);
  c.file(p + "_tls_key", l.tls_key_file);
  // common.md, Transport security: TLS, or plain HTTP on loopback, or behind a TLS terminator.
  if (!l.address.empty() && !cert && !key && !l.behind_tls_terminator &&
      !is_loopback_address(l.address)) {
    c.fail(p + "_address",
           "plain HTTP on a non-loopback address: set " + name + "_tls_cert and " + name +
               "_tls_key, or " + name +
               "_behind_tls_terminator = true when a TLS terminator "
               "stands in front",
           l.address);
  }
}

void check_processor(Checker& c, const ProcessorSettings& p) {
  if (!is_identifier(p.id)) c.fail("processor.id", "expected [0-9A-Za-z_-]{1,32}", p.id);
  if (p.database.empty()) c.fail("processor.database", "missing: the database file");
  if (p.key_file.empty()) c.fail("processor.key_file", "missing: the data key file");
  check_listener(c, "api", p.api);
  check_listener(c, "admin", p.admin);
  if (p.api.port != 0 && p.api.port == p.admin.port && p.api.address == p.admin.address) {
    c.fail("processor.admin_port", "the same address and port as the api listener",
           std::to_string(p.admin.port));
  }
  c.at_least("processor.api_threads", p.api_threads, 1);
  c.at_least("processor.max_body_bytes", static_cast<int64_t>(p.max_body_bytes), 1);
  c.at_least("processor.refund_review_expiry_days", p.refund_review_expiry_days, 1);
  c.at_least("processor.refund_two_approvals_above", p.refund_two_approvals_above, 0);
  c.at_least("processor.console_max_failed_logins", p.console_max_failed_logins, 1);
  c.at_least("processor.console_session_minutes", p.console_session_minutes, 1);
  c.file("processor.holiday_calendar", p.holiday_calendar);
  c.at_least("processor.settle_catch_up_days", p.settle_catch_up_days, 0);
  c.at_least("processor.settle_tick", static_cast<int64_t>(p.settle_tick.count()), 1);
  c.file("processor.ca_file", p.ca_file);
  const std::string& l = p.log_level;  // core/log.h levels
  if (l != "debug" && l != "info" && l != "warn" && l != "error") {
    c.fail("processor.log_level", "expected debug, info, warn or error", l);
  }
  if (p.database_synchronous != "FULL" && p.database_synchronous != "NORMAL") {
    c.fail("processor.database_synchronous", "expected FULL or NORMAL", p.database_synchronous);
  }
  // The bound on a stop: long enough to flush, short enough for an upgrade window (packaging/
  // repay.service's TimeoutStopSec is above the largest).
  if (p.shutdown_timeout < std::chrono::seconds(1) || p.shutdown_timeout > std::chrono::minutes(10)) {
    c.fail("processor.shutdown_timeout", "expected a duration from 1s to 10m",
           std::to_string(p.shutdown_timeout.count()) + "ms");
  }
}

// database.engine: the engines store/factory.h can open (only SQLite for now).
void check_database(Checker& c, const DatabaseSettings& d) {
  if (d.engine != "sqlite") c.fail("database.engine", "unknown database engine (expected sqlite)", d.engine);
}

void check_fee(Checker& c, const std::string& field, const FeeRule& f) {
  if (f.kind != "NONE" && f.kind != "FIXED" && f.kind != "PERCENT") {
    c.fail(field, "expected NONE, FIXED or PERCENT", f.kind);
  }
  if (f.basis_points < 0 || f.basis_points > 10000) {
    c.fail(field, "basis points must be 0 to 10000", std::to_string(f.basis_points));
  }
  for (Fen v : {f.fixed, f.min, f.max}) {
    if (v < 0 || v > kMaxAmount)
      c.fail(field, "an amount must be 0 to 99999999999 fen", std::to_string(v));
  }
  if (f.kind == "PERCENT" && f.max != 0 && f.min > f.max) {
    c.fail(field, "min is above max", std::to_string(f.min) + ">" + std::to_string(f.max));
  }
  if (f.payer != "CENTER" && f.payer != "CARDHOLDER") {
    c.fail(field + "_payer", "expected CENTER or CARDHOLDER", f.payer);
  }
}

void check_transport(Checker& c, const std::string& p, const CenterSettings& s) {
  if (s.transport == "local") {
    if (s.local_inbox.empty())
      c.fail(p + "local_inbox", "missing: the folder the card center drops files into");
    if (s.local_outbox.empty()) c.fail(p + "local_outbox", "missing: the folder we publish into");
    return;
  }
  if (s.transport != "sftp") {
    c.fail(p + "transport", "expected local or sftp", s.transport);
    return;
  }
  if (s.sftp_host.empty()) c.fail(p + "sftp_host", "missing: the SFTP server");
  if (s.sftp_user.empty()) c.fail(p + "sftp_user", "missing: the SFTP account");
  c.at_least(p + "sftp_port", s.sftp_port, 1);
  if (s.sftp_known_hosts_file.empty()) {
    c.fail(p + "sftp_known_hosts_file", "missing: the server's known host key is always checked");
  }
  c.file(p + "sftp_known_hosts_file", s.sftp_known_hosts_file);
  bool password = !s.sftp_password.file.empty() || !s.sftp_password.env.empty();
  if (s.sftp_private_key_file.empty() && !password) {
    c.fail(p + "sftp_private_key_file",
           "missing: set sftp_private_key_file or sftp_password_file / sftp_password_env");
  }
  c.file(p + "sftp_private_key_file", s.sftp_private_key_file);
  c.file(p + "sftp_public_key_file", s.sftp_public_key_file);
  c.secret(p, "sftp_password", s.sftp_password, false);
  if (s.sftp_inbox.empty()) c.fail(p + "sftp_inbox", "missing: the inbox folder");
  if (s.sftp_outbox.empty()) c.fail(p + "sftp_outbox", "missing: the outbox folder");
}

void check_timing(Checker& c, const std::string& p, const CenterSettings& s) {
  constexpr int kDay = 24 * 60;
  if (s.send_from_minutes < 0 || s.send_from_minutes >= kDay) {
    c.fail(p + "send_from", "expected 00:00 to 23:59", std::to_string(s.send_from_minutes));
  }
  if (s.return_deadline_minutes < 0 || s.return_deadline_minutes > 47 * 60 + 59) {
    c.fail(p + "return_deadline", "expected 00:00 to 47:59",
           std::to_string(s.return_deadline_minutes));
  }
  c.at_least(p + "force_fail_lead", s.force_fail_lead_minutes, 0);
  // files.md, Timing: settings whose force-fail time is not after send_from are rejected.
  int force_fail = s.return_deadline_minutes - s.force_fail_lead_minutes;
  if (force_fail <= s.send_from_minutes) {
    c.fail(p + "return_deadline",
           "the force-fail time (return_deadline - force_fail_lead = " +
               (force_fail < 0 ? std::to_string(force_fail) + " min"
                               : format_time_of_day(force_fail)) +
               ") must be after send_from " + format_time_of_day(s.send_from_minutes),
           format_time_of_day(s.return_deadline_minutes));
  }
  c.at_least(p + "poll_interval", s.poll_interval.count(), 1);
  if (s.poll_window_start_minutes < 0 || s.poll_window_end_minutes > kDay ||
      s.poll_window_start_minutes >= s.poll_window_end_minutes) {
    c.fail(p + "poll_window", "expected start before end within 00:00-24:00");
  }
}

void check_channel_ref(Checker& c, const Settings& all, const std::string& field,
                       const std::string& id, const std::string& kind) {
  if (id.empty()) return;
  auto ch = all.channels.find(id);
  if (ch == all.channels.end()) {
    c.fail(field, "no [channel." + id + "] section", id);
  } else if (ch->second.kind != kind) {
    c.fail(field, "channel " + id + " is of kind " + ch->second.kind + ", expected " + kind, id);
  }
}

void check_notify(Checker& c, const std::string& p, const CenterSettings& s) {
  for (const std::string& prefix : s.notify_url_prefixes) {
    c.url(p + "notify_url_prefixes", prefix);
    // A prefix must reach past the host: "https://center.example" would also admit
    // "https://center.example.evil.net/...".
    auto scheme = prefix.find("://");
    if (scheme != std::string::npos && prefix.find('/', scheme + 3) == std::string::npos) {
      c.fail(p + "notify_url_prefixes", "must include the path after the host (end the host with '/')",
             prefix);
    }
  }
  if (!s.default_notify_url.empty()) {
    c.url(p + "default_notify_url", s.default_notify_url);
    bool allowed = s.notify_url_prefixes.empty();
    for (const std::string& prefix : s.notify_url_prefixes) {
      allowed = allowed || s.default_notify_url.starts_with(prefix);
    }
    if (!allowed) {
      c.fail(p + "default_notify_url", "does not start with one of notify_url_prefixes",
             s.default_notify_url);
    }
  }
  for (size_t i = 0; i < s.notify_retries.size(); ++i) {
    if (s.notify_retries[i].count() < 1 ||
        (i > 0 && s.notify_retries[i] <= s.notify_retries[i - 1])) {
      c.fail(p + "notify_retries",
             "each retry is a time after the first try: at least 1s, increasing");
      break;
    }
  }
}

void check_center(Checker& c, const Settings& all, const CenterSettings& s) {
  const std::string section = "center." + s.id;
  const std::string p = section + ".";
  if (!is_party_id(s.id)) c.fail(section, "a centerId is [A-Z0-9]{2,16}", s.id);
  c.secret(p, "secret", s.secret, true);
  c.secret(p, "next_secret", s.next_secret, false);
  if (s.encoding != "UTF-8" && s.encoding != "GBK") {
    c.fail(p + "encoding", "expected UTF-8 or GBK (GB18030 is read as GBK)", s.encoding);
  }
  check_transport(c, p, s);
  check_timing(c, p, s);
  c.at_least(p + "max_batch_items", s.max_batch_items, 1);
  c.at_least(p + "max_batch_bytes", s.max_batch_bytes, 1);
  if (s.per_item_limit < 1 || s.per_item_limit > kMaxAmount) {
    c.fail(p + "per_item_limit", "expected 1 to 99999999999 fen", std::to_string(s.per_item_limit));
  }
  c.at_least(p + "realtime_timeout", s.realtime_timeout.count(), 1);
  c.at_least(p + "max_requests_per_second", s.max_requests_per_second, 1);
  if (s.settlement_mode != 1 && s.settlement_mode != 2) {
    c.fail(p + "settlement_mode", "expected 1 (we send RECON) or 2 (the card center sends POST)",
           std::to_string(s.settlement_mode));
  }
  c.at_least(p + "posting_grace_days", s.posting_grace_days, 0);
  c.time_text(p + "publish_time", s.publish_time);
  c.time_text(p + "posting_expected_by", s.posting_expected_by);
  check_fee(c, p + "fee_collect", s.fee_collect);
  check_fee(c, p + "fee_quick", s.fee_quick);
  if (s.collect_channel.empty() && s.quick_channel.empty()) {
    c.fail(p + "collect_channel", "missing: set collect_channel, quick_channel or both");
  }
  check_channel_ref(c, all, p + "collect_channel", s.collect_channel, "COLLECT");
  check_channel_ref(c, all, p + "quick_channel", s.quick_channel, "QUICK");
  check_notify(c, p, s);
}

void check_channel(Checker& c, const ChannelSettings& s) {
  const std::string section = "channel." + s.id;
  const std::string p = section + ".";
  if (!is_party_id(s.id)) c.fail(section, "a channelId is [A-Z0-9]{2,16}", s.id);
  if (s.kind.empty()) {
    c.fail(p + "kind", "missing: COLLECT or QUICK");
  } else if (s.kind != "COLLECT" && s.kind != "QUICK") {
    c.fail(p + "kind", "expected COLLECT or QUICK", s.kind);
  }
  if (s.base_url.empty()) {
    c.fail(p + "base_url", "missing: the channel's base URL");
  } else {
    c.url(p + "base_url", s.base_url);
    if (s.base_url.back() == '/' || s.base_url.find('?') != std::string::npos) {
      c.fail(p + "base_url", "no trailing '/' and no query: paths such as /gateway are added to it",
             s.base_url);
    }
  }
  if (s.merchant_id.empty()) {
    c.fail(p + "merchant_id", "missing: our MerchantId at the channel");
  } else if (!is_identifier(s.merchant_id)) {
    c.fail(p + "merchant_id", "expected [0-9A-Za-z_-]{1,32}", s.merchant_id);
  }
  c.secret(p, "secret", s.secret, true);
  c.secret(p, "next_secret", s.next_secret, false);
  c.at_least(p + "max_inflight", s.max_inflight, 1);
  c.at_least(p + "max_tps", s.max_tps, 1);
  c.at_least(p + "connect_timeout", s.connect_timeout.count(), 1);
  c.at_least(p + "request_timeout", s.request_timeout.count(), 1);
  if (!(s.realtime_share >= 0 && s.realtime_share < 1)) {
    c.fail(p + "realtime_share", "expected at least 0 and below 1",
           std::to_string(s.realtime_share));
  }
  c.time_text(p + "statement_last_time", s.statement_last_time);
  c.at_least(p + "suspense_days", s.suspense_days, 1);
  c.at_least(p + "statement_retry", static_cast<int64_t>(s.statement_retry.count()), 1);
}

}  // namespace

std::string SettingsLines::where(const std::string& key) const {
  auto found = lines.find(key);
  if (found == lines.end()) {
    // A missing key: the line of its section ("center.CC01" of "center.CC01.secret_file").
    size_t dot = key.rfind('.');
    if (dot != std::string::npos) found = lines.find(key.substr(0, dot));
  }
  if (found == lines.end()) return source;
  return ini_where(source, found->second);
}

std::vector<Error> check_settings(const Settings& s, const SettingsLines& lines) {
  Checker c(lines);
  check_processor(c, s.processor);
  check_database(c, s.database);
  for (const auto& [id, channel] : s.channels) check_channel(c, channel);
  for (const auto& [id, center] : s.centers) check_center(c, s, center);
  return c.take();
}

std::vector<Error> check_settings(const Settings& s) {
  SettingsLines lines;
  lines.source = s.source;
  return check_settings(s, lines);
}

Result<std::string> resolve_secret(const SecretRef& ref, const std::string& key) {
  if (!ref.file.empty() && !ref.env.empty()) {
    return make_error("CONFIG", "a secret names both a file and an environment variable", key);
  }
  if (!ref.file.empty()) {
    std::ifstream in(ref.file, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(ref.file, ec)) {
      return make_error("CONFIG", "cannot read the secret file " + ref.file, key, ref.file);
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string v = text.str();
    if (v.ends_with("\r\n"))
      v.resize(v.size() - 2);
    else if (v.ends_with('\n'))
      v.pop_back();
    if (v.empty())
      return make_error("CONFIG", "the secret file " + ref.file + " is empty", key, ref.file);
    return v;
  }
  if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (v == nullptr) {
      return make_error("CONFIG", "the environment variable " + ref.env + " is not set", key,
                        ref.env);
    }
    if (*v == '\0') {
      return make_error("CONFIG", "the environment variable " + ref.env + " is empty", key,
                        ref.env);
    }
    return std::string(v);
  }
  return make_error("CONFIG", "no secret: name a file or an environment variable", key);
}

}  // namespace repay::settings
