#include "app/settle_jobs.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "app/center_transport.h"
#include "app/channel_endpoints.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "files/text.h"
#include "settlement/center_files.h"
#include "settlement/fee_statement.h"
#include "settlement/posting.h"
#include "settlement/posting_apply.h"
#include "settlement/settle_file.h"
#include "settlement/statement.h"
#include "store/review_sql.h"
#include "transport/durable_files.h"

namespace fs = std::filesystem;

namespace repay::app {

struct SettleJobs::Center {
  const CenterSettings* settings = nullptr;
  files::Encoding encoding = files::Encoding::kUtf8;
  std::unique_ptr<transport::FileTransport> transport;
  Instant next_posting_poll{};
};

namespace {

using settlement::JobKey;

constexpr auto kPublishRetryBase = std::chrono::seconds(60);
constexpr auto kPublishRetryCap = std::chrono::seconds(900);
constexpr auto kStatementRetryCap = std::chrono::seconds(3600);

// Writes `bytes` durably as `path` (tmp under a lock, fsync, rename: one writer at a time, as
// `settle reconcile` may run beside `serve`); an existing file is kept as it is (its name holds
// the SHA-256, so it is the same content).
Status keep_file(const std::string& path, const std::string& bytes) {
  if (fs::exists(path)) return ok_status();
  auto w = transport::write_bytes_once(path, bytes);
  if (!w) return w.error();
  return transport::sync_folder(fs::path(path).parent_path().string());
}

std::string month_text(int year, int month) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d", year, month);
  return buf;
}

bool pays_fees(const CenterSettings& c) {
  return !c.fee_collect.cardholder_pays() || !c.fee_quick.cardholder_pays();
}

bool last_day_of_month(Date t) { return (t + boost::gregorian::days(1)).day() == 1; }

std::vector<std::string> channels_of(const CenterSettings& c) {
  std::vector<std::string> out;
  if (!c.collect_channel.empty()) out.push_back(c.collect_channel);
  if (!c.quick_channel.empty() && c.quick_channel != c.collect_channel) out.push_back(c.quick_channel);
  return out;
}

int minutes_of(const std::string& hhmm, int fallback) {
  // Settings checked them at start-up (settings_check.cc); the fallback is never expected.
  if (hhmm.size() != 5 || hhmm[2] != ':') return fallback;
  return std::stoi(hhmm.substr(0, 2)) * 60 + std::stoi(hhmm.substr(3, 2));
}

}  // namespace

Result<std::unique_ptr<channel::ChannelClient>> statement_client(const Settings& settings,
                                                                 const Clock& clock) {
  auto endpoints = channel_endpoints(settings);
  if (!endpoints) return endpoints.error();
  return std::make_unique<channel::ChannelClient>(std::move(*endpoints), clock);
}

SettleJobs::SettleJobs(const Settings& settings, store::SqliteStore& store,
                       channel::ChannelClient* client, settlement::Calendar calendar,
                       const Clock& clock)
    : settings_(settings), store_(store), client_(client), calendar_(std::move(calendar)),
      clock_(clock), jobs_(store.pool()) {
  const fs::path db = fs::absolute(settings.processor.database).parent_path();
  statements_dir_ = (db / "statements").string();
  work_dir_ = (db / "settlement").string();
  for (const auto& [id, c] : settings.centers) {
    auto rt = std::make_unique<Center>();
    rt->settings = &c;
    files::parse_encoding(c.encoding, &rt->encoding);
    rt->transport = transport_of(c);
    centers_.emplace(id, std::move(rt));
  }
}

SettleJobs::~SettleJobs() { stop(); }

Result<settlement::Calendar> SettleJobs::load_calendar(const Settings& settings,
                                                       std::vector<Error>* errors) {
  const std::string& path = settings.processor.holiday_calendar;
  if (path.empty()) return settlement::Calendar();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors->push_back(make_error("CONFIG", "cannot read the holiday calendar",
                                 "processor.holiday_calendar", path));
    return errors->back();
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return settlement::Calendar::parse(text, path, errors);
}

Result<StatementReconciled> SettleJobs::reconcile_statement(const std::string& channel, Date t,
                                                            const std::string& bytes) {
  auto ch = settings_.channels.find(channel);
  if (ch == settings_.channels.end()) return make_error("CONFIG", "no such channel", "channel", channel);
  const Instant now = clock_.now();
  // A statement of a day not over is at best partial: reconciling it would hold and propose on
  // half a day and let the day's SETTLE be built (files.md, Once, and only for a day that is over).
  REPAY_TRY(settlement::day_over(t, now));
  // Our records of the day load on a second thread while the statement is kept and parsed
  // (docs/performance.md, Channel reconciliation).
  settlement::OursLoading ours(store_.recon(), channel, t);
  const std::string sha = crypto::sha256_hex(bytes);
  std::error_code ec;
  fs::create_directories(statements_dir_, ec);
  const std::string name = settlement::statement_file_name(channel, t);
  StatementReconciled out;
  out.kept = statements_dir_ + "/" + name.substr(0, name.size() - 4) + "." + sha.substr(0, 16) + ".txt";
  REPAY_TRY(keep_file(out.kept, bytes));

  auto reader = files::LineReader::open(out.kept, files::Encoding::kUtf8);
  if (!reader) return reader.error();
  settlement::Statement statement;
  auto bad = settlement::read_statement(**reader, name, channel, t, &statement);
  if (!bad.empty()) {
    // Blnk lesson: a bad statement is not used at all; staff ask the channel for it again.
    Error e = bad.front();
    for (size_t i = 1; i < bad.size(); ++i) e.message += "; " + bad[i].to_string();
    e.message += " (kept at " + out.kept + ", not used)";
    return e;
  }
  auto stored = store_.recon().record_statement(
      settlement::StatementFile{channel, t, out.kept, sha, statement.count, statement.debit_amount,
                                statement.refund_amount},
      now);
  if (!stored) return stored.error();
  out.stored = *stored;
  auto loaded = ours.take();
  if (!loaded) return loaded.error();
  auto run = settlement::reconcile_channel_day(store_.recon(), channel, t, stored->id, statement,
                                               std::move(*loaded), ch->second.suspense_days, now,
                                               "job:reconcile");
  if (!run) return run.error();
  out.run = *run;
  std::string detail = "statement v" + std::to_string(stored->version) + ", " +
                       std::to_string(run->lines) + " lines, " + std::to_string(run->ours) +
                       " records of ours";
  REPAY_TRY(jobs_.job_done({settlement::kJobStatement, channel, format_date(t)}, detail, now));
  log::info("settle.reconciled", {{"channel", channel}, {"date", format_date(t)},
                                  {"statementVersion", std::to_string(stored->version)},
                                  {"lines", std::to_string(run->lines)},
                                  {"proposals", std::to_string(run->proposals)},
                                  {"exceptions", std::to_string(run->exceptions)}});
  return out;
}

Result<StatementReconciled> SettleJobs::fetch_and_reconcile(const std::string& channel, Date t) {
  if (!client_) return make_error("CONFIG", "no channel client to fetch statements with");
  REPAY_TRY(settlement::day_over(t, clock_.now()));
  auto got = client_->fetch_statement(channel, t);
  if (!got) return got.error();
  return reconcile_statement(channel, t, *got);
}

void SettleJobs::pull_postings(const std::string& center, SettleReport& report) {
  std::error_code ec;
  for (auto& [id, c] : centers_) {
    if (!center.empty() && id != center) continue;
    if (!c->settings->active || c->settings->settlement_mode != 2) continue;
    auto listed = c->transport->list_complete();
    if (!listed) {
      log::warn("settle.posting_list_failed", {{"center", id}, {"transport", c->transport->describe()},
                                              {"error", listed.error().to_string()}});
      report.lines.push_back(id + ": cannot list the inbox: " + listed.error().to_string());
      ++report.failures;
      continue;
    }
    fs::create_directories(work_dir_ + "/in/" + id, ec);
    for (const auto& f : *listed) {
      if (!is_settlement_inbox_file(f.name)) continue;
      if (f.not_regular) {
        // Never followed, never read (the batch pull alerts about it once).
        report.lines.push_back(id + " " + f.name + ": not a regular file, left in the inbox");
        continue;
      }
      const std::string local = work_dir_ + "/in/" + id + "/" + f.name;
      auto got = c->transport->fetch(f.name, local);
      if (!got) {
        log::warn("settle.posting_fetch_failed", {{"center", id}, {"file", f.name}, {"error", got.error().to_string()}});
        ++report.failures;
        continue;
      }
      auto r = settlement::apply_posting_file(store_.center_files(), id, local, c->encoding,
                                              c->settings->posting_grace_days, clock_.now());
      fs::remove(local, ec);
      if (!r && (r.error().code == "IO" || r.error().code == "DB")) {
        // Not recorded: left in the inbox for the next round.
        log::error("settle.posting_failed", {{"center", id}, {"file", f.name}, {"error", r.error().to_string()}});
        report.lines.push_back(id + " " + f.name + ": not applied, tried again later: " + r.error().to_string());
        ++report.failures;
        continue;
      }
      if (!r) {
        // files.md: a posting file that breaks the rules is not used; staff are alerted and the
        // card center must send it again (its rejection is recorded once).
        log::alert("settle.posting_rejected", {{"center", id}, {"file", f.name}, {"error", r.error().to_string()}});
        report.lines.push_back(id + " " + f.name + ": rejected " + r.error().to_string());
        ++report.failures;
      } else {
        std::string line = id + " " + f.name + ": " + r->record.status;
        if (r->already) line += " (the same file again: nothing new)";
        line += ", " + std::to_string(r->counts.matched) + " matched, " +
                std::to_string(r->counts.exceptions()) + " exceptions, " +
                std::to_string(r->one_sided_proposed) + " one-sided proposals";
        report.lines.push_back(line);
        log::info("settle.posting_applied", {{"center", id}, {"file", f.name}, {"status", r->record.status},
                                             {"matched", std::to_string(r->counts.matched)},
                                             {"oneSided", std::to_string(r->one_sided_proposed)}});
      }
      auto done = c->transport->mark_done(f.name);
      if (!done) log::warn("settle.posting_mark_done_failed", {{"center", id}, {"file", f.name}, {"error", done.error().to_string()}});
    }
  }
}

namespace {

// Builds a file with `write(path)` under the work folder, then publishes it as `name`.
template <class Write>
Status build_and_publish(transport::FileTransport& t, const std::string& dir,
                         const std::string& name, Write write) {
  // Built in a folder of this process's own, removed after: another process building the same
  // NAME never truncates it under us (issue 16).
  auto own = transport::PrivateFolder::make(dir);
  if (!own) return own.error();
  const std::string path = own->file(name);
  REPAY_TRY(write(path));
  return t.publish(path, name);
}

}  // namespace

Result<SettleJobs::Published> SettleJobs::publish_recon(const std::string& center, Date t) {
  auto it = centers_.find(center);
  if (it == centers_.end()) return make_error("CONFIG", "no such card center", "center", center);
  REPAY_TRY(settlement::day_over(t, clock_.now()));
  const std::string name = settlement::recon_file_name(center, t);
  bool created = false;
  auto st = build_and_publish(*it->second->transport, work_dir_ + "/out/" + center, name,
                              [&](const std::string& path) -> Status {
                                auto w = settlement::write_recon_file(store_.center_files(), center, t, it->second->encoding,
                                                                      path, clock_.now());
                                if (!w) return w.error();
                                created = w->created;
                                return ok_status();
                              });
  if (!st) return st.error();
  return Published{name, !created};
}

bool SettleJobs::channels_reconciled(const CenterSettings& c, Date t, std::string* missing) {
  bool all = true;
  for (const auto& ch : channels_of(c)) {
    auto r = jobs_.job({settlement::kJobStatement, ch, format_date(t)});
    if (!r || !r->done) {
      all = false;
      if (missing) *missing += (missing->empty() ? "" : ", ") + std::string("statement of ") + ch;
    }
  }
  return all;
}

Result<SettleJobs::Published> SettleJobs::publish_settle(const std::string& center, Date t) {
  auto it = centers_.find(center);
  if (it == centers_.end()) return make_error("CONFIG", "no such card center", "center", center);
  const CenterSettings& cs = *it->second->settings;
  REPAY_TRY(settlement::day_over(t, clock_.now()));
  std::string missing;
  if (!channels_reconciled(cs, t, &missing)) {
    // files.md: we pay only for money the bank has confirmed; the file is built after the
    // channel reconciliation of day T.
    return make_error("NOT_READY", "waiting for the channel reconciliation: " + missing, "date", format_date(t));
  }
  if (cs.settlement_mode == 1) {
    // Mode 1 takes the RECON file's figures: the RECON file is out (and its figures recorded)
    // first. Publishing it again is a no-op; a RECON published before its figures were
    // recorded (a database from before issue 16) records them now, day T being over.
    auto recon = publish_recon(center, t);
    if (!recon) return recon.error();
  }
  auto held = store_.recon().held_figures(center, t);
  if (!held) return held.error();
  auto own = transport::PrivateFolder::make(work_dir_ + "/out/" + center);
  if (!own) return own.error();
  auto f = settlement::write_settle_file(store_.center_files(), center, t, cs.settlement_mode, *held,
                                         it->second->encoding, own->path(), clock_.now());
  if (!f) return f.error();
  REPAY_TRY(it->second->transport->publish(own->file(f->name), f->name));
  return Published{f->name, !f->created};
}

Result<std::string> SettleJobs::publish_fee(const std::string& center, int year, int month) {
  auto it = centers_.find(center);
  if (it == centers_.end()) return make_error("CONFIG", "no such card center", "center", center);
  const Date first(static_cast<unsigned short>(year), static_cast<unsigned short>(month), 1);
  REPAY_TRY(settlement::day_over(first.end_of_month(), clock_.now()));
  const std::string name = settlement::fee_statement_name(center, year, month);
  auto st = build_and_publish(*it->second->transport, work_dir_ + "/out/" + center, name,
                              [&](const std::string& path) -> Status {
                                auto w = settlement::write_fee_statement(store_.center_files(), center, year, month,
                                                                         it->second->encoding, path);
                                if (!w) return w.error();
                                return ok_status();
                              });
  if (!st) return st.error();
  return name;
}

SettleReport SettleJobs::run_day(Date t, const std::string& center) {
  std::lock_guard<std::mutex> lock(run_mu_);
  SettleReport report;
  const std::string day = format_date(t);
  if (auto over = settlement::day_over(t, clock_.now()); !over) {
    // Nothing at all for a day that has not ended: no statement, no file (files.md).
    report.lines.push_back(over.error().to_string());
    ++report.failures;
    return report;
  }
  // Statements: the channels of the card center, or every channel.
  std::vector<std::string> chans;
  if (center.empty()) {
    for (const auto& [id, ch] : settings_.channels) chans.push_back(id);
  } else if (auto c = settings_.centers.find(center); c != settings_.centers.end()) {
    chans = channels_of(c->second);
  }
  for (const auto& ch : chans) {
    auto rec = jobs_.job({settlement::kJobStatement, ch, day});
    if (rec && rec->done) {
      report.lines.push_back("statement " + ch + " " + day + ": reconciled before (" + rec->detail + ")");
      continue;
    }
    auto r = fetch_and_reconcile(ch, t);
    if (!r) {
      report.lines.push_back("statement " + ch + " " + day + ": " + r.error().to_string());
      ++report.failures;
      continue;
    }
    std::string line = "statement " + ch + " " + day + ": v" + std::to_string(r->stored.version) +
                       ", " + std::to_string(r->run.lines) + " lines, " +
                       std::to_string(r->run.ours) + " records of ours";
    std::string classes;
    for (size_t k = 0; k < settlement::kClassCount; ++k) {
      if (r->run.counts[k] == 0) continue;
      classes += " " + std::string(settlement::class_name(static_cast<settlement::Class>(k))) + " " +
                 std::to_string(r->run.counts[k]);
    }
    if (!classes.empty()) line += ":" + classes;
    line += ", new proposals " + std::to_string(r->run.proposals) + ", new exceptions " +
            std::to_string(r->run.exceptions);
    report.lines.push_back(line);
  }
  pull_postings(center, report);
  const Instant now = clock_.now();
  for (const auto& [id, c] : settings_.centers) {
    if (!center.empty() && id != center) continue;
    if (!c.active) continue;
    if (c.settlement_mode == 1) {
      auto r = publish_recon(id, t);
      report.lines.push_back("RECON " + id + " " + day + ": " + (r ? r->text() : r.error().to_string()));
      if (r) (void)jobs_.job_done({settlement::kJobRecon, id, day}, r->name, now);
      else ++report.failures;
    } else {
      auto used = store_.center_files().has_used_posting_file(id, t);
      if (used && *used) (void)jobs_.job_done({settlement::kJobPosting, id, day}, "used", now);
    }
    auto s = publish_settle(id, t);
    report.lines.push_back("SETTLE " + id + " " + day + ": " + (s ? s->text() : s.error().to_string()));
    if (s) (void)jobs_.job_done({settlement::kJobSettle, id, day}, s->name, now);
    else ++report.failures;
    if (last_day_of_month(t) && pays_fees(c)) {
      const int y = t.year(), m = t.month();
      auto f = publish_fee(id, y, m);
      report.lines.push_back("FEE " + id + " " + month_text(y, m) + ": " + (f ? "published " + *f : f.error().to_string()));
      if (f) (void)jobs_.job_done({settlement::kJobFee, id, month_text(y, m)}, *f, now);
      else ++report.failures;
    }
  }
  return report;
}

void SettleJobs::alert(const JobKey& k, const settlement::JobAlert& a, Instant now) {
  auto first = jobs_.job_alerted(k, a, now);
  if (!first) {
    log::error("settle.alert_not_stored", {{"job", k.job}, {"subject", k.subject}, {"period", k.period},
                                           {"error", first.error().to_string()}});
  }
  if (!first || *first) {
    log::alert("settle." + std::string(a.kind == "" ? "late" : a.kind),
               {{"job", k.job}, {"subject", k.subject}, {"period", k.period}, {"detail", a.detail}});
  }
}

void SettleJobs::failed(const JobKey& k, const Error& e, int attempts, Instant now) {
  auto next = now + settlement::retry_delay(attempts + 1, kPublishRetryBase, kPublishRetryCap);
  (void)jobs_.job_failed(k, e.to_string(), next, now);
  log::warn("settle.job_failed", {{"job", k.job}, {"subject", k.subject}, {"period", k.period},
                                  {"error", e.to_string()}});
}

void SettleJobs::tick_statements(Date first, Date today, Instant now) {
  for (const auto& [id, ch] : settings_.channels) {
    const int last = minutes_of(ch.statement_last_time, 18 * 60);
    for (Date t = first; t < today; t += boost::gregorian::days(1)) {
      const JobKey k{settlement::kJobStatement, id, format_date(t)};
      auto rec = jobs_.job(k);
      if (!rec || rec->done) continue;
      const Date next_day = t + boost::gregorian::days(1);
      const Instant opens = cst_day_start(next_day);
      const Instant last_at = cst_time_on(next_day, last);
      auto step = settlement::decide(*rec, now, opens, last_at, true, false);
      bool done = false;
      if (step.run) {
        auto r = fetch_and_reconcile(id, t);
        done = r.ok();
        if (!r) {
          auto next = now + settlement::retry_delay(rec->attempts + 1, ch.statement_retry, kStatementRetryCap);
          (void)jobs_.job_failed(k, r.error().to_string(), next, now);
          if (r.error().code == "NOT_READY") {
            log::debug("settle.statement_not_ready", {{"channel", id}, {"date", k.period}});
          } else {
            log::warn("settle.statement_failed", {{"channel", id}, {"date", k.period}, {"error", r.error().to_string()}});
          }
        }
      }
      if (step.alert && !done) {
        alert(k, {"STATEMENT_MISSING", "", id,
                  "no usable statement of " + k.period + " by " + ch.statement_last_time + " on " +
                      format_date(next_day) + " (last error: " + rec->last_error +
                      "); fetch it by hand: repay settle run --date " + k.period},
              now);
      }
    }
  }
}

bool SettleJobs::publish_job(const JobKey& k, const PublishJob& j, Instant now) {
  auto rec = jobs_.job(k);
  if (!rec || rec->done) return rec.ok();
  auto step = settlement::decide(*rec, now, j.opens, j.alert_at, j.ready, true);
  bool done = false;
  if (step.run) {
    auto r = j.build();
    done = r.ok();
    if (r) {
      (void)jobs_.job_done(k, *r, now);
      log::info("settle.published", {{"center", k.subject}, {"file", *r}});
    } else {
      failed(k, r.error(), rec->attempts, now);
    }
  }
  if (step.alert && !done) {
    alert(k, {"PUBLISH_LATE", k.subject, "",
              j.what + " not published by " + j.alert_time +
                  (j.waiting.empty() ? " (" + rec->last_error + ")" : ": waiting for " + j.waiting)},
          now);
  }
  return done;
}

void SettleJobs::tick_center(const CenterSettings& c, Date first, Date today, Instant now) {
  const int publish = minutes_of(c.publish_time, 9 * 60);
  const int expected = minutes_of(c.posting_expected_by, 12 * 60);
  for (Date t : settlement::days_due(first, today, c.business_days_only, calendar_)) {
    const std::string day = format_date(t);
    const Date run = settlement::run_day(t, c.business_days_only, calendar_);
    const Instant opens = cst_day_start(run);
    const Instant publish_at = cst_time_on(run, publish);
    if (c.settlement_mode == 1) {
      publish_job({settlement::kJobRecon, c.id, day},
                  {opens, publish_at, c.publish_time, true, "", "RECON of " + day,
                   [&]() -> Result<std::string> {
                     auto r = publish_recon(c.id, t);
                     if (!r) return r.error();
                     return r->name;
                   }},
                  now);
    }
    bool posting_used = true;
    if (c.settlement_mode == 2) {
      const JobKey k{settlement::kJobPosting, c.id, day};
      auto rec = jobs_.job(k);
      if (rec && !rec->done) {
        auto used = store_.center_files().has_used_posting_file(c.id, t);
        posting_used = used && *used;
        if (posting_used) {
          (void)jobs_.job_done(k, "used", now);
        } else {
          auto step = settlement::decide(*rec, now, opens, cst_time_on(run, expected), false, true);
          if (step.alert) {
            alert(k, {"POSTING_MISSING", c.id, "", "no usable posting file of " + day + " by " +
                                                       c.posting_expected_by + "; day not settled until it comes"},
                  now);
          }
        }
      }
    }
    std::string waiting;
    const bool reconciled = channels_reconciled(c, t, &waiting);
    if (!posting_used) waiting += (waiting.empty() ? "" : ", ") + std::string("posting file");
    publish_job({settlement::kJobSettle, c.id, day},
                {opens, publish_at, c.publish_time, reconciled && posting_used, waiting, "SETTLE of " + day,
                 [&]() -> Result<std::string> {
                   auto r = publish_settle(c.id, t);
                   if (!r) return r.error();
                   return r->name;
                 }},
                now);
    if (last_day_of_month(t) && pays_fees(c)) {
      const int y = t.year(), m = t.month();
      publish_job({settlement::kJobFee, c.id, month_text(y, m)},
                  {opens, publish_at, c.publish_time, true, "", "FEE of " + month_text(y, m),
                   [&] { return publish_fee(c.id, y, m); }},
                  now);
    }
  }
}

void SettleJobs::tick() {
  std::lock_guard<std::mutex> lock(run_mu_);
  const Instant now = clock_.now();
  const Date today = cst_date(now);
  auto started = jobs_.first_day(now);
  if (!started) {
    log::error("settle.tick_failed", {{"error", started.error().to_string()}});
    return;
  }
  Date first = today - boost::gregorian::days(settings_.processor.settle_catch_up_days);
  if (*started > first) first = *started;
  tick_statements(first, today, now);
  // Posting files: looked for at each center's poll interval.
  for (auto& [id, c] : centers_) {
    if (!c->settings->active || c->settings->settlement_mode != 2 || now < c->next_posting_poll) continue;
    c->next_posting_poll = now + c->settings->poll_interval;
    SettleReport ignored;
    pull_postings(id, ignored);
  }
  for (const auto& [id, c] : settings_.centers) {
    if (c.active) tick_center(c, first, today, now);
  }
  // Refund proposals pending longer than the expiry days: once a day.
  const JobKey k{settlement::kJobExpire, "*", format_date(today)};
  auto rec = jobs_.job(k);
  if (rec && !rec->done) {
    store::SqliteReviewStore review(store_);
    const settlement::ReviewPolicy policy{settings_.processor.refund_two_approvals_above,
                                          settings_.processor.refund_review_expiry_days};
    auto expired = review.expire_due(now, policy);
    if (expired) {
      (void)jobs_.job_done(k, std::to_string(expired->size()) + " expired", now);
      if (!expired->empty()) log::info("settle.proposals_expired", {{"count", std::to_string(expired->size())}});
    } else {
      failed(k, expired.error(), rec->attempts, now);
    }
  }
}

void SettleJobs::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    cv_.wait_for(lock, settings_.processor.settle_tick, [this] { return stopping_; });
  }
}

void SettleJobs::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void SettleJobs::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace repay::app
