#include "settlement/posting_apply.h"

#include <filesystem>

namespace repay::settlement {
namespace {

constexpr const char* kActor = "job:posting";

// The first problem, saying how many more there are (all of them are in the check).
Error rejection_of(const PostingCheck& check) {
  Error e = check.errors.front();
  if (check.errors.size() > 1) {
    e.message += " (and " + std::to_string(check.errors.size() - 1) + " more problem" +
                 (check.errors.size() > 2 ? "s" : "") + ")";
  }
  return e;
}

}  // namespace

Result<PostingOutcome> apply_posting_file(CenterFilesStore& store, const std::string& center,
                                          const std::string& path, files::Encoding enc,
                                          int grace_days, Instant now) {
  PostingOutcome out;
  out.file_name = std::filesystem::path(path).filename().string();
  auto sha = files::file_sha256(path);
  if (!sha) return sha.error();
  PostingFileInfo info;
  info.center_id = center;
  info.file_name = out.file_name;
  info.sha256 = sha->first;

  auto known = store.find_posting_file(center, out.file_name, info.sha256);
  if (!known) return known.error();
  PostingCheck check = check_posting_file(path, out.file_name, center, enc);
  if (check.io_failed()) return check.errors.front();
  if (!check.ok()) {
    // files.md: a posting file that breaks the rules is not used; the card center sends it again.
    Error e = rejection_of(check);
    auto name = parse_posting_name(out.file_name);
    if (name && !known->has_value()) {
      info.post_date = name->date;
      info.header_count = check.header.count;
      info.header_amount = check.header.amount;
      auto rec = store.record_posting_rejection(info, e.to_string(), now);
      if (!rec) return rec.error();
    }
    return e;
  }
  info.post_date = check.header.date;
  info.header_count = check.header.count;
  info.header_amount = check.header.amount;
  out.day = info.post_date;

  auto stored = store.store_posting_file(
      info,
      [&](const CenterFilesStore::PostingSink& sink) { return read_posting_lines(path, enc, sink); },
      now, kActor);
  if (!stored) return stored.error();
  out.record = stored->record;
  out.already = stored->already;
  out.counts = stored->counts;
  if (out.record.status != kPostingUsed) return out;

  // files.md: a success of day T in neither the posting file of T nor those of the next
  // posting_grace_days is one-sided. Files may come out of order: this one may complete any day
  // T of file_day - grace .. file_day. Re-run each time: proposals are unique per TxnNo.
  for (Date t : days_completed_by(info.post_date, grace_days)) {
    Status failed = ok_status();
    bool due = one_sided_due(t, grace_days, [&](Date d) {
      auto has = store.has_used_posting_file(center, d);
      if (!has) {
        failed = has.error();
        return false;
      }
      return *has;
    });
    if (!failed) return failed.error();
    if (!due) continue;
    auto made = store.propose_one_sided(center, t, now, kActor);
    if (!made) return made.error();
    out.days_decided.push_back(t);
    out.one_sided_proposed += *made;
  }
  return out;
}

}  // namespace repay::settlement
