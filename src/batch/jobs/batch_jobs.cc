#include "batch/jobs/batch_jobs.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "batch/batch_file.h"
#include "batch/batch_state.h"
#include "batch/return_file.h"
#include "batch/returns.h"
#include "core/log.h"
#include "transport/durable_files.h"

namespace fs = std::filesystem;

namespace repay::batch {

struct BatchJobs::CenterRuntime {
  explicit CenterRuntime(const BatchJobsCenter& o) : options(&o), batch(o.batch), transport(o.transport.get()) {}
  const BatchJobsCenter* options;
  const BatchCenter& batch;
  transport::FileTransport* transport;
  Instant next_poll{};
  // Inbox entries alerted about and left where they are (a link, a name that is not a batch
  // file's): alerted once per process, not read again (docs/decisions.md, T+1 days and files).
  std::set<std::string> alerted;
};

namespace {

constexpr auto kStableWait = std::chrono::milliseconds(1000);

int minutes_of_day_cst(Instant t) {
  auto since = std::chrono::duration_cast<std::chrono::minutes>(t - cst_day_start(cst_date(t)));
  return static_cast<int>(since.count());
}

}  // namespace

Status archive_encrypted(const crypto::FieldCipher& cipher, const std::string& from,
                         const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return make_error("IO", "cannot read file to archive", "", "", from);
  return transport::write_replacing(to, [&](int fd) -> Status {
    std::string chunk(1 << 20, '\0');
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      auto n = in.gcount();
      if (n <= 0) break;
      std::string blob = cipher.encrypt(std::string_view(chunk.data(), static_cast<size_t>(n)));
      uint32_t len = static_cast<uint32_t>(blob.size());
      const char hdr[4] = {static_cast<char>(len >> 24), static_cast<char>(len >> 16),
                           static_cast<char>(len >> 8), static_cast<char>(len)};
      REPAY_TRY(transport::write_all(fd, std::string_view(hdr, 4), to));
      REPAY_TRY(transport::write_all(fd, blob, to));
    }
    if (in.bad()) return make_error("IO", "cannot read file to archive", "", "", from);
    return ok_status();
  });
}

BatchJobs::BatchJobs(BatchJobsOptions options, BatchStore& store, const crypto::FieldCipher& cipher,
                     ChannelPort* channels, const Clock& clock)
    : opt_(std::move(options)), store_(store), cipher_(cipher), channels_(channels), clock_(clock) {
  const fs::path dir = fs::absolute(opt_.data_dir);
  work_dir_ = (dir / "work").string();
  archive_dir_ = (dir / "archive").string();
  for (const auto& [id, c] : opt_.centers) {
    centers_.emplace(id, std::make_unique<CenterRuntime>(c));
  }
  if (channels_) {
    PipelineOptions po;
    po.node = opt_.node;
    pipeline_ = std::make_unique<DebitPipeline>(store_, *channels_, clock_, po);
  }
}

BatchJobs::~BatchJobs() { stop(); }

Result<int64_t> BatchJobs::recover() { return store_.recover_claims(opt_.node, clock_.now()); }

PullReport BatchJobs::pull(const std::string& center) {
  PullReport report;
  for (auto& [id, c] : centers_) {
    if (!center.empty() && id != center) continue;
    if (!c->options->active) continue;
    pull_one(*c, report);
  }
  return report;
}

void BatchJobs::pull_one(CenterRuntime& c, PullReport& report) {
  const std::string& center = c.batch.center_id;
  auto listed = c.transport->list_complete();
  if (!listed) {
    log::warn("batch.pull_failed", {{"center", center}, {"transport", c.transport->describe()},
                                    {"error", listed.error().to_string()}});
    ++report.errors;
    return;
  }
  if (listed->empty()) return;
  const Instant received_at = clock_.now();  // files.md: received when picked up complete
  // Size-stable check: a file still growing under its final name is left for the next pull.
  std::this_thread::sleep_for(kStableWait);
  std::error_code ec;
  fs::create_directories(work_dir_ + "/in/" + center, ec);
  fs::create_directories(archive_dir_ + "/" + center, ec);
  for (const auto& f : *listed) {
    if (is_posting_file_name(f.name)) continue;  // posting files: the T+1 jobs take them
    ++report.seen;
    // Checked before anything is read: a link is never followed, and a name that is not a batch
    // file's is never downloaded, archived or hashed. Both are left in the inbox for staff.
    std::string refused;
    if (f.not_regular) {
      refused = "not a regular file (a symbolic link is never followed), left in the inbox";
    } else if (!parse_batch_name(f.name)) {
      refused = "not a batch file name REPAY_<centerId>_<batchDate>_<batchNo>.txt, left in the inbox";
    }
    if (!refused.empty()) {
      report.lines.push_back(center + " " + f.name + ": " + refused);
      if (c.alerted.insert(f.name).second) {
        log::alert(f.not_regular ? "batch.inbox_not_regular" : "batch.not_a_batch_file",
                   {{"center", center}, {"file", f.name}, {"what", refused}});
      }
      continue;
    }
    auto size = c.transport->size_of(f.name);
    if (!size || *size != f.size) {
      report.lines.push_back(center + " " + f.name + ": still changing, left for the next pull");
      continue;
    }
    // Fetched into a folder of this process's own: two pulls at once never write one copy.
    auto dir = transport::PrivateFolder::make(work_dir_ + "/in/" + center);
    if (!dir) {
      log::warn("batch.fetch_failed", {{"center", center}, {"file", f.name}, {"error", dir.error().to_string()}});
      ++report.errors;
      continue;
    }
    const std::string local = dir->file(f.name);
    auto got = c.transport->fetch(f.name, local);
    if (!got) {
      log::warn("batch.fetch_failed", {{"center", center}, {"file", f.name}, {"error", got.error().to_string()}});
      ++report.errors;
      continue;
    }
    if (auto digest = files::file_sha256(local)) {
      // lessons.md: a failing side job alerts and never blocks the batch.
      auto st = archive_encrypted(cipher_, local, archive_dir_ + "/" + center + "/" + f.name + "." +
                                                      digest->first.substr(0, 16) + ".enc");
      if (!st) log::alert("batch.archive_failed", {{"center", center}, {"file", f.name}, {"error", st.error().to_string()}});
    }
    auto hasher = [this](const std::string& v) { return cipher_.lookup_hash(v); };
    auto r = intake_file(store_, c.batch, hasher, local, f.name, received_at);
    fs::remove(local, ec);
    if (!r) {
      if (r.error().code == "NAME") {
        report.lines.push_back(center + " " + f.name + ": not a batch file name, left in the inbox");
        log::warn("batch.not_a_batch_file", {{"center", center}, {"file", f.name}});
      } else {
        log::error("batch.intake_failed", {{"center", center}, {"file", f.name}, {"error", r.error().to_string()}});
        ++report.errors;
      }
      continue;
    }
    switch (r->kind) {
      case IntakeResult::Kind::kAccepted:
        ++report.accepted;
        report.lines.push_back(center + " " + f.name + ": accepted, " + std::to_string(r->items) +
                               " items (" + std::to_string(r->rejected_items) + " failed their checks)");
        break;
      case IntakeResult::Kind::kRejected:
        ++report.rejected;
        report.lines.push_back(center + " " + f.name + ": rejected " + r->status + " — " + r->error.to_string());
        log::warn("batch.rejected", {{"center", center}, {"file", f.name}, {"status", r->status},
                                     {"error", r->error.to_string()}});
        break;
      case IntakeResult::Kind::kSkipped:
        ++report.skipped;
        report.lines.push_back(center + " " + f.name + ": already handled, skipped");
        break;
    }
    // files.md: moved to inbox/done/ only after the batch (or its rejection) is stored.
    auto done = c.transport->mark_done(f.name);
    if (!done) log::warn("batch.mark_done_failed", {{"center", center}, {"file", f.name}, {"error", done.error().to_string()}});
  }
}

Status BatchJobs::publish(CenterRuntime& c, const std::string& batch_no, const std::string& local_path,
                          const std::string& name) {
  auto st = c.transport->publish(local_path, name);
  if (!st) {
    log::alert("batch.publish_failed", {{"center", c.batch.center_id}, {"batchNo", batch_no},
                                        {"file", name}, {"error", st.error().to_string()}});
  }
  return st;
}

Result<BatchJobs::ReturnRound> BatchJobs::publish_due() {
  std::lock_guard<std::mutex> lock(publish_mu_);
  ReturnRound round;
  std::error_code ec;
  // Each file stands on its own (issue 16): one that cannot be built, published or recorded is
  // alerted, naming its batch, and the others go out; it is tried again at the next round.
  std::optional<Error> first_error;
  auto rejections = store_.rejections_due();
  if (!rejections) {
    log::alert("batch.returns_due_failed", {{"what", "rejections"}, {"error", rejections.error().to_string()}});
    first_error = rejections.error();
  }
  for (const auto& f : rejections ? *rejections : std::vector<FileRecord>()) {
    auto it = centers_.find(f.center_id);
    if (it == centers_.end()) continue;
    // Built in a folder of this process's own: another process building the same NAME never
    // truncates it under us (issue 16).
    auto dir = transport::PrivateFolder::make(work_dir_ + "/out/" + f.center_id);
    if (!dir) {
      log::alert("batch.return_build_failed", {{"center", f.center_id}, {"batchNo", f.batch_no},
                                               {"file", f.return_file}, {"error", dir.error().to_string()}});
      ++round.failed;
      continue;
    }
    const std::string path = dir->file(f.return_file);
    auto w = write_rejection_file(f, it->second->batch.encoding, path);
    if (!w) {
      log::alert("batch.return_build_failed", {{"center", f.center_id}, {"batchNo", f.batch_no},
                                               {"file", f.return_file}, {"error", w.error().to_string()}});
      ++round.failed;
      continue;
    }
    if (!publish(*it->second, f.batch_no, path, f.return_file)) {
      ++round.failed;
      continue;
    }
    auto marked = store_.mark_rejection_returned(f.center_id, f.file_name, f.sha256, clock_.now());
    if (!marked) {
      // Published, not recorded: the next round publishes it again, a no-op for the transport.
      log::alert("batch.return_not_recorded", {{"center", f.center_id}, {"batchNo", f.batch_no},
                                               {"file", f.return_file}, {"error", marked.error().to_string()}});
      ++round.failed;
      continue;
    }
    fs::remove(path, ec);
    ++round.published;
  }
  auto returns = store_.returns_due();
  if (!returns) {
    log::alert("batch.returns_due_failed", {{"what", "returns"}, {"error", returns.error().to_string()}});
    return first_error ? *first_error : returns.error();
  }
  for (const auto& b : *returns) {
    auto it = centers_.find(b.center_id);
    if (it == centers_.end()) continue;
    const std::string name = return_file_name(b.center_id, b.batch_date, b.batch_no);
    auto dir = transport::PrivateFolder::make(work_dir_ + "/out/" + b.center_id);
    if (!dir) {
      log::alert("batch.return_build_failed", {{"center", b.center_id}, {"batchNo", b.batch_no},
                                               {"error", dir.error().to_string()}});
      ++round.failed;
      continue;
    }
    const std::string path = dir->file(name);
    auto w = write_return_file(store_, b, path);
    if (!w) {
      log::alert("batch.return_build_failed", {{"center", b.center_id}, {"batchNo", b.batch_no},
                                               {"error", w.error().to_string()}});
      ++round.failed;
      continue;
    }
    if (!publish(*it->second, b.batch_no, path, name)) {
      ++round.failed;
      continue;
    }
    auto marked = store_.mark_returned(b.center_id, b.batch_no, name, clock_.now());
    if (!marked) {
      log::alert("batch.return_not_recorded", {{"center", b.center_id}, {"batchNo", b.batch_no},
                                               {"file", name}, {"error", marked.error().to_string()}});
      ++round.failed;
      continue;
    }
    fs::remove(path, ec);
    log::info("batch.returned", {{"center", b.center_id}, {"batchNo", b.batch_no}, {"file", name},
                                 {"success", std::to_string(b.success)}, {"failed", std::to_string(b.failed)},
                                 {"forced", std::to_string(b.forced)}});
    ++round.published;
  }
  if (first_error) return *first_error;
  return round;
}

Result<BatchJobs::ReturnRound> BatchJobs::deadlines_and_returns() {
  // Each batch's deadline stands on its own: a batch whose force-fail fails is alerted by name
  // and tried again next round; the others are closed, and every return file due still goes out.
  auto round = store_.force_fail_due(clock_.now(), "job:force-fail");
  if (!round) {
    log::alert("batch.force_fail_failed", {{"error", round.error().to_string()}});
  } else {
    for (const auto& b : round->closed) {
      log::warn("batch.force_failed", {{"center", b.center_id}, {"batchNo", b.batch_no}});
    }
    for (const auto& [b, e] : round->failed) {
      log::alert("batch.force_fail_failed", {{"center", b.center_id}, {"batchNo", b.batch_no},
                                             {"error", e.to_string()}});
    }
  }
  auto published = publish_due();
  if (!round) return round.error();
  if (published) published->failed += static_cast<int>(round->failed.size());
  return published;
}

int BatchJobs::batch_capacity(const std::string& channel) const {
  auto it = opt_.channels.find(channel);
  if (it == opt_.channels.end() || !pipeline_) return 0;
  const auto& ch = it->second;
  int limit = std::max(1, static_cast<int>(std::floor((1.0 - ch.realtime_share) * ch.max_inflight)));
  // Keep about one limit's worth queued in the client beyond what is in flight, so the channel
  // never idles between pipeline rounds; the client's gate enforces the real limits.
  return 2 * limit - pipeline_->outstanding(channel);
}

int BatchJobs::pump() {
  if (!pipeline_) return 0;
  int work = 0;
  // Results that could not be stored yet (the store failing): claim nothing more until they are.
  const bool backlog = pipeline_->buffered() > 20000;
  for (const auto& [id, ch] : opt_.channels) {
    if (backlog) break;
    int cap = batch_capacity(id);
    if (cap <= 0) continue;
    // Unknown outcomes are queried alongside new debits, never starved by them: queries due take
    // up to half of the capacity first (after a crash every claimed item waits for its query,
    // lessons.md; one left unknown at the force-fail time is reported 3001 for good).
    auto queried = pipeline_->resolve(id, std::min(64, std::max(1, cap / 2)));
    const int asked = queried ? *queried : 0;
    if (!queried) log::error("batch.resolve_failed", {{"channel", id}, {"error", queried.error().to_string()}});
    work += asked;
    auto sent = pipeline_->dispatch(id, cap - asked);
    if (!sent) {
      log::error("batch.dispatch_failed", {{"channel", id}, {"error", sent.error().to_string()}});
      continue;
    }
    work += *sent;
    // Capacity the debits left: more queries.
    if (cap - asked - *sent > 0) {
      auto more = pipeline_->resolve(id, std::min(64, cap - asked - *sent));
      if (more) work += *more;
    }
  }
  auto flushed = pipeline_->flush();
  if (flushed) work += *flushed;
  return work;
}

Result<bool> BatchJobs::on_debit_notify(const std::string& channel,
                                        const std::map<std::string, std::string>& f) {
  auto it = f.find("ReqSn");
  if (it == f.end()) return false;
  auto key = store_.item_by_req_sn(channel, it->second);
  if (!key) return key.error();
  if (!key->has_value()) return false;
  BankFact fact = fact_from_notify(f);
  std::vector<BatchStore::Fact> facts{{**key, fact, clock_.now() + std::chrono::seconds(2)}};
  auto r = store_.apply_facts(facts, clock_.now(), "channel:" + channel + ":notify");
  if (!r) return r.error();
  return true;
}

std::vector<Outlook> BatchJobs::outlook(const std::string& center) {
  std::vector<Outlook> out;
  auto open = store_.batches(center, true);
  if (!open) return out;
  const Instant now = clock_.now();
  for (const auto& b : *open) {
    Outlook o;
    o.batch = b;
    if (b.state == BatchState::kOpen && b.open > 0) {
      auto done = store_.finished_since(b.center_id, b.batch_no, now - std::chrono::seconds(60));
      o.items_per_second = done ? static_cast<double>(*done) / 60.0 : 0.0;
      if (o.items_per_second > 0) {
        auto secs = static_cast<int64_t>(std::ceil(static_cast<double>(b.open) / o.items_per_second));
        Instant start = std::max(now, b.send_from_at);
        o.projected_finish = start + std::chrono::seconds(secs);
        o.at_risk = o.projected_finish > b.force_fail_at;
      } else {
        o.at_risk = now >= b.send_from_at;  // sending time and nothing finishing
      }
    }
    out.push_back(o);
  }
  return out;
}

void BatchJobs::start() {
  if (running_.exchange(true)) return;
  threads_.emplace_back([this] { poll_loop(); });
  threads_.emplace_back([this] { deadline_loop(); });
  if (pipeline_) threads_.emplace_back([this] { pump_loop(); });
}

void BatchJobs::stop() {
  if (!running_.exchange(false)) return;
  for (auto& t : threads_) t.join();
  threads_.clear();
  if (pipeline_) (void)pipeline_->flush();
}

void BatchJobs::poll_loop() {
  while (running_.load()) {
    const Instant now = clock_.now();
    for (auto& [id, c] : centers_) {
      const BatchJobsCenter& s = *c->options;
      if (!s.active || now < c->next_poll) continue;
      const int minute = minutes_of_day_cst(now);
      if (minute < s.poll_window_start_minutes || minute >= s.poll_window_end_minutes) continue;
      c->next_poll = now + s.poll_interval;
      PullReport r;
      pull_one(*c, r);
      for (const auto& l : r.lines) log::info("batch.pull", {{"center", id}, {"what", l}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void BatchJobs::deadline_loop() {
  Instant last_outlook{};
  while (running_.load()) {
    auto r = deadlines_and_returns();
    if (!r) log::error("batch.deadlines_failed", {{"error", r.error().to_string()}});
    const Instant now = clock_.now();
    if (now - last_outlook >= std::chrono::seconds(30)) {
      last_outlook = now;
      for (const auto& o : outlook("")) {
        if (o.at_risk) {
          log::warn("batch.deadline_at_risk",
                    {{"center", o.batch.center_id}, {"batchNo", o.batch.batch_no},
                     {"open", std::to_string(o.batch.open)},
                     {"forceFailAt", format_cst_timestamp(o.batch.force_fail_at)},
                     {"projectedFinish", o.projected_finish == Instant{} ? "unknown" : format_cst_timestamp(o.projected_finish)}});
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void BatchJobs::pump_loop() {
  while (running_.load()) {
    if (pump() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace repay::batch
