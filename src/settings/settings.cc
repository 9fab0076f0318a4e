// Reading the settings file: the INI sections and keys mapped onto the structs of settings.h.
// Each key's form is checked here; what depends on other keys is in settings_check.cc.
#include "settings/settings.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <utility>

#include "settings/ini.h"
#include "settings/settings_check.h"
#include "settings/settings_values.h"

namespace repay::settings {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Applies one value; returns "" when it is in the key's form, else what the form is.
using Setter = std::function<std::string(const std::string&)>;
using KeyTable = std::map<std::string, Setter>;

Setter text(std::string* f) {
  return [f](const std::string& v) {
    *f = v;
    return std::string();
  };
}

template <class T>
Setter integer(T* f) {
  constexpr int64_t kMax = static_cast<uint64_t>(std::numeric_limits<T>::max()) >
                                   static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                               ? std::numeric_limits<int64_t>::max()
                               : static_cast<int64_t>(std::numeric_limits<T>::max());
  return [f](const std::string& v) {
    auto n = parse_setting_int(v, kMax);
    if (!n) return "expected a whole number, digits only, at most " + std::to_string(kMax);
    *f = static_cast<T>(*n);
    return std::string();
  };
}

Setter boolean(bool* f) {
  return [f](const std::string& v) {
    auto b = parse_setting_bool(v);
    if (!b) return std::string("expected true or false");
    *f = *b;
    return std::string();
  };
}

Setter millis(milliseconds* f) {
  return [f](const std::string& v) {
    auto d = parse_setting_duration(v);
    if (!d)
      return std::string("expected a duration: digits and ms, s, m or h (500ms, 10s, 1m, 2h)");
    *f = *d;
    return std::string();
  };
}

std::optional<seconds> whole_seconds(const std::string& v) {
  auto d = parse_setting_duration(v);
  if (!d || d->count() % 1000 != 0) return std::nullopt;
  return std::chrono::duration_cast<seconds>(*d);
}

Setter secs(seconds* f) {
  return [f](const std::string& v) {
    auto d = whole_seconds(v);
    if (!d)
      return std::string(
          "expected a duration of whole seconds: digits and s, m or h (10s, 1m, 2h)");
    *f = *d;
    return std::string();
  };
}

// force_fail_lead: minutes ("10") or a duration of whole minutes ("10m", "1h").
Setter lead_minutes(int* f) {
  return [f](const std::string& v) {
    if (auto n = parse_setting_int(v, 48 * 60)) {
      *f = static_cast<int>(*n);
      return std::string();
    }
    auto d = parse_setting_duration(v);
    if (!d || d->count() % 60000 != 0 || *d > std::chrono::hours(48)) {
      return std::string("expected minutes (10) or a duration of whole minutes (10m, 1h)");
    }
    *f = static_cast<int>(d->count() / 60000);
    return std::string();
  };
}

Setter time_of_day(int* f, int max_minutes) {
  return [f, max_minutes](const std::string& v) {
    auto m = parse_time_of_day(v, max_minutes);
    if (!m) return "expected a time HH:MM from 00:00 to " + format_time_of_day(max_minutes);
    *f = *m;
    return std::string();
  };
}

// A time kept as its text ("09:00"), checked for form.
Setter time_text(std::string* f) {
  return [f](const std::string& v) {
    if (!parse_time_of_day(v)) return std::string("expected a time HH:MM from 00:00 to 23:59");
    *f = v;
    return std::string();
  };
}

Setter window(int* start, int* end) {
  return [start, end](const std::string& v) {
    auto w = parse_time_window(v);
    if (!w) return std::string("expected HH:MM-HH:MM, start before end, end at most 24:00");
    *start = w->first;
    *end = w->second;
    return std::string();
  };
}

Setter list(std::vector<std::string>* f) {
  return [f](const std::string& v) {
    auto l = parse_setting_list(v);
    if (!l) return std::string("expected a comma-separated list without empty items");
    *f = std::move(*l);
    return std::string();
  };
}

Setter duration_list(std::vector<seconds>* f) {
  return [f](const std::string& v) {
    auto l = parse_setting_list(v);
    std::vector<seconds> out;
    for (const std::string& item : l ? *l : std::vector<std::string>{""}) {
      auto d = whole_seconds(item);
      if (!d) return std::string("expected a comma-separated list of durations (15s,1m,5m,1h)");
      out.push_back(*d);
    }
    *f = std::move(out);
    return std::string();
  };
}

Setter decimal(double* f) {
  return [f](const std::string& v) {
    auto d = parse_setting_decimal(v);
    if (!d) return std::string("expected a decimal number such as 0.2");
    *f = *d;
    return std::string();
  };
}

Setter fee(FeeRule* f) {
  return [f](const std::string& v) {
    if (!parse_fee_rule(v, f)) {
      return std::string(
          "expected NONE, FIXED:<fen> or PERCENT:<basis points 0-10000>[:min=<fen>][:max=<fen>]");
    }
    return std::string();
  };
}

// UTF-8 or GBK whatever the case; GB18030 is read as GBK, its superset being what GBK files are
// decoded with (common.md: Files). Anything else is kept for check_settings to reject.
Setter encoding(std::string* f) {
  return [f](const std::string& v) {
    std::string up = v;
    std::transform(up.begin(), up.end(), up.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    *f = v;
    if (up == "UTF-8" || up == "UTF8") *f = "UTF-8";
    if (up == "GBK" || up == "GB18030") *f = "GBK";
    return std::string();
  };
}

void add_secret(KeyTable& t, const std::string& name, SecretRef* ref) {
  t[name + "_file"] = text(&ref->file);
  t[name + "_env"] = text(&ref->env);
}

void add_listener(KeyTable& t, const std::string& name, ListenerSettings* l) {
  t[name + "_address"] = text(&l->address);
  t[name + "_port"] = integer(&l->port);
  t[name + "_tls_cert"] = text(&l->tls_cert_file);
  t[name + "_tls_key"] = text(&l->tls_key_file);
  t[name + "_behind_tls_terminator"] = boolean(&l->behind_tls_terminator);
}

KeyTable processor_keys(ProcessorSettings* p) {
  KeyTable t{
      {"id", text(&p->id)},
      {"database", text(&p->database)},
      {"key_file", text(&p->key_file)},
      {"api_threads", integer(&p->api_threads)},
      {"max_body_bytes", integer(&p->max_body_bytes)},
      {"ca_file", text(&p->ca_file)},
      {"log_level", text(&p->log_level)},
      {"log_messages", boolean(&p->log_messages)},
      {"shutdown_timeout", millis(&p->shutdown_timeout)},
      {"database_synchronous", text(&p->database_synchronous)},
      {"refund_review_expiry_days", integer(&p->refund_review_expiry_days)},
      {"refund_two_approvals_above", integer(&p->refund_two_approvals_above)},
      {"console_max_failed_logins", integer(&p->console_max_failed_logins)},
      {"console_session_minutes", integer(&p->console_session_minutes)},
      {"holiday_calendar", text(&p->holiday_calendar)},
      {"settle_catch_up_days", integer(&p->settle_catch_up_days)},
      {"settle_tick", secs(&p->settle_tick)},
  };
  add_listener(t, "api", &p->api);
  add_listener(t, "admin", &p->admin);
  return t;
}

KeyTable database_keys(DatabaseSettings* d) { return KeyTable{{"engine", text(&d->engine)}}; }

KeyTable center_keys(CenterSettings* c) {
  constexpr int kLastDeadline = 47 * 60 + 59;  // files.md: up to 47:59
  KeyTable t{
      {"name", text(&c->name)},
      {"active", boolean(&c->active)},
      {"encoding", encoding(&c->encoding)},
      {"luhn_check", boolean(&c->luhn_check)},
      {"transport", text(&c->transport)},
      {"local_inbox", text(&c->local_inbox)},
      {"local_outbox", text(&c->local_outbox)},
      {"sftp_host", text(&c->sftp_host)},
      {"sftp_port", integer(&c->sftp_port)},
      {"sftp_user", text(&c->sftp_user)},
      {"sftp_private_key_file", text(&c->sftp_private_key_file)},
      {"sftp_public_key_file", text(&c->sftp_public_key_file)},
      {"sftp_known_hosts_file", text(&c->sftp_known_hosts_file)},
      {"sftp_inbox", text(&c->sftp_inbox)},
      {"sftp_outbox", text(&c->sftp_outbox)},
      {"send_from", time_of_day(&c->send_from_minutes, 23 * 60 + 59)},
      {"return_deadline", time_of_day(&c->return_deadline_minutes, kLastDeadline)},
      {"force_fail_lead", lead_minutes(&c->force_fail_lead_minutes)},
      {"poll_interval", secs(&c->poll_interval)},
      {"poll_window", window(&c->poll_window_start_minutes, &c->poll_window_end_minutes)},
      {"max_batch_items", integer(&c->max_batch_items)},
      {"max_batch_bytes", integer(&c->max_batch_bytes)},
      {"per_item_limit", integer(&c->per_item_limit)},
      {"realtime_timeout", secs(&c->realtime_timeout)},
      {"max_requests_per_second", integer(&c->max_requests_per_second)},
      {"settlement_mode", integer(&c->settlement_mode)},
      {"posting_grace_days", integer(&c->posting_grace_days)},
      {"business_days_only", boolean(&c->business_days_only)},
      {"publish_time", time_text(&c->publish_time)},
      {"posting_expected_by", time_text(&c->posting_expected_by)},
      {"fee_collect", fee(&c->fee_collect)},
      {"fee_collect_payer", text(&c->fee_collect.payer)},
      {"fee_quick", fee(&c->fee_quick)},
      {"fee_quick_payer", text(&c->fee_quick.payer)},
      {"collect_channel", text(&c->collect_channel)},
      {"quick_channel", text(&c->quick_channel)},
      {"default_notify_url", text(&c->default_notify_url)},
      {"notify_url_prefixes", list(&c->notify_url_prefixes)},
      {"notify_retries", duration_list(&c->notify_retries)},
  };
  add_secret(t, "secret", &c->secret);
  add_secret(t, "next_secret", &c->next_secret);
  add_secret(t, "sftp_password", &c->sftp_password);
  return t;
}

KeyTable channel_keys(ChannelSettings* ch) {
  KeyTable t{
      {"kind", text(&ch->kind)},
      {"base_url", text(&ch->base_url)},
      {"merchant_id", text(&ch->merchant_id)},
      {"max_inflight", integer(&ch->max_inflight)},
      {"max_tps", integer(&ch->max_tps)},
      {"connect_timeout", millis(&ch->connect_timeout)},
      {"request_timeout", millis(&ch->request_timeout)},
      {"realtime_share", decimal(&ch->realtime_share)},
      {"statement_last_time", time_text(&ch->statement_last_time)},
      {"suspense_days", integer(&ch->suspense_days)},
      {"statement_retry", secs(&ch->statement_retry)},
  };
  add_secret(t, "secret", &ch->secret);
  add_secret(t, "next_secret", &ch->next_secret);
  return t;
}

// center-api.md, Notifications: 15 s, 1 min, 5 min, 15 min, 1 h, 2 h, 6 h, 15 h after the first
// try.
std::vector<seconds> default_notify_retries() {
  using std::chrono::hours;
  using std::chrono::minutes;
  return {seconds(15), minutes(1), minutes(5), minutes(15),
          hours(1),    hours(2),   hours(6),   hours(15)};
}

void apply(const IniSection& section, const KeyTable& keys, SettingsLines* lines,
           std::vector<Error>* errors) {
  for (const IniEntry& e : section.entries) {
    std::string field = section.name + "." + e.key;
    lines->lines[field] = e.line;
    lines->written[field] = e.value;
    auto where = ini_where(lines->source, e.line);
    auto key = keys.find(e.key);
    if (key == keys.end()) {
      // The value is not echoed: an unknown key may be a secret written in by mistake.
      std::string message = "unknown key";
      if (e.key.find("secret") != std::string::npos ||
          e.key.find("password") != std::string::npos) {
        message +=
            " (a secret never sits in this file: name its file with <name>_file or its "
            "environment variable with <name>_env)";
      }
      errors->push_back(make_error("CONFIG", message, field, "", where));
      lines->reported.insert(field);
      continue;
    }
    std::string problem = key->second(e.value);
    if (!problem.empty()) {
      errors->push_back(make_error("CONFIG", problem, field, e.value, where));
      lines->reported.insert(field);
    }
  }
}

// The <n> of a where "<source> line <n>"; 0 when it has none.
int line_of(const Error& e) {
  size_t at = e.where.rfind(" line ");
  if (at == std::string::npos) return 0;
  auto n = parse_setting_int(std::string_view(e.where).substr(at + 6), 1 << 30);
  return n ? static_cast<int>(*n) : 0;
}

}  // namespace

std::vector<Error> parse_settings(const std::string& text, const std::string& source,
                                  Settings* out) {
  *out = Settings{};
  out->source = source;
  IniDocument doc;
  std::vector<Error> errors = parse_ini(text, source, &doc);
  SettingsLines lines;
  lines.source = source;
  for (const IniSection& section : doc.sections) {
    lines.lines[section.name] = section.line;
    const std::string& name = section.name;
    if (name == "processor") {
      apply(section, processor_keys(&out->processor), &lines, &errors);
    } else if (name == "database") {
      apply(section, database_keys(&out->database), &lines, &errors);
    } else if (name.starts_with("center.")) {
      std::string id = name.substr(7);
      CenterSettings& c = out->centers[id];
      c.id = id;
      c.notify_retries = default_notify_retries();
      apply(section, center_keys(&c), &lines, &errors);
    } else if (name.starts_with("channel.")) {
      std::string id = name.substr(8);
      ChannelSettings& ch = out->channels[id];
      ch.id = id;
      apply(section, channel_keys(&ch), &lines, &errors);
    } else {
      errors.push_back(make_error(
          "CONFIG",
          "unknown section (expected [processor], [database], [center.<centerId>] or "
          "[channel.<channelId>])",
          name, "", ini_where(source, section.line)));
    }
  }
  std::vector<Error> more = check_settings(*out, lines);
  errors.insert(errors.end(), more.begin(), more.end());
  // In file order, as people read them.
  std::stable_sort(errors.begin(), errors.end(),
                   [](const Error& a, const Error& b) { return line_of(a) < line_of(b); });
  return errors;
}

std::vector<Error> load_settings(const std::string& path, Settings* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *out = Settings{};
    out->source = path;
    return {make_error("CONFIG",
                       std::string("cannot open the settings file: ") + std::strerror(errno), "",
                       path, path)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *out = Settings{};
    out->source = path;
    return {make_error("CONFIG", "cannot read the settings file", "", path, path)};
  }
  return parse_settings(text.str(), path, out);
}

}  // namespace repay::settings
