#include "batch/intake.h"

#include <algorithm>
#include <future>

#include "batch/intake_writer.h"
#include "batch/return_file.h"
#include "core/codes.h"
#include "core/log.h"
#include "core/validate.h"

namespace repay::batch {
namespace {

IntakeResult rejection(BatchStore& store, FileRecord file, const Error& error, Result<int>* n_out) {
  file.error = error.to_string();
  IntakeResult r;
  r.kind = IntakeResult::Kind::kRejected;
  r.batch_no = file.batch_no;
  r.status = file.status;
  r.error = error;
  *n_out = store.record_rejection(file);
  if (*n_out) r.return_file = return_file_name(file.center_id, file.batch_date, file.batch_no, **n_out);
  return r;
}

// The cardholder's numbers against the agreement's keyed hashes. The numbers that matched are kept
// on the loaded agreement: a later line with the same numbers matches without hashing.
bool holder_matches(const BatchLine& line, LoadedAgreement& a, const Hasher& hash) {
  if (a.has_verified && a.verified.credit_card == line.credit_card &&
      a.verified.debit_card == line.debit_card && a.verified.id_no == line.id_no) {
    return true;
  }
  const AgreementDigest& d = a.digest;
  if (hash(line.credit_card) != d.credit_card_hash || hash(line.debit_card) != d.debit_card_hash ||
      hash(line.id_no) != d.id_no_hash) {
    return false;
  }
  a.wipe();
  a.verified = LoadedAgreement::Holder{line.credit_card, line.debit_card, line.id_no};
  a.has_verified = true;
  return true;
}

// Item checks of files.md in order, after the itemId check (2006, the writer's): 2003, 2004,
// 2005, 2001, 2002. Returns "" when the item may be sent.
std::string item_check(const BatchLine& line, const BatchCenter& center, LoadedAgreement* agreement,
                       const Hasher& hash) {
  if (center.luhn_check && (!luhn_ok(line.credit_card) || !luhn_ok(line.debit_card))) {
    return codes::kInvalidCard;
  }
  if (!id_value_ok(line.id_type, line.id_no)) return codes::kInvalidId;
  if (line.amount == 0 || line.amount > center.per_item_limit) return codes::kInvalidAmount;
  if (!agreement || agreement->digest.state != signing::AgreementState::kActive ||
      agreement->digest.center_id != center.center_id) {
    return codes::kAgreementNotFound;
  }
  const AgreementDigest& d = agreement->digest;
  if (line.name != d.holder_name || line.id_type != d.id_type || !holder_matches(line, *agreement, hash)) {
    return codes::kAgreementMismatch;
  }
  return {};
}


// The first pass over the file: its SHA-256 and size, and the file-level checks (F5, F4, F1, F2).
struct FirstPass {
  Result<std::pair<std::string, uint64_t>> digest = make_error("IO", "not read");
  BatchCheck check;
};

FirstPass first_pass(const std::string& path, const std::string& file_name, const BatchCenter& center) {
  FirstPass p;
  p.digest = files::file_sha256(path);
  if (p.digest) p.check = check_batch_file(path, file_name, center.center_id, center.encoding, center.limits);
  return p;
}

// files.md, in its order, for everything but the items: the very same file already handled
// (skipped), F5/F4/F1/F2, F3, F6 (rejected, recorded). nullopt: the file is to be accepted, and
// `file` is its record.
Result<std::optional<IntakeResult>> judge_file(BatchStore& store, const BatchCenter& center,
                                               const FirstPass& pass, const std::string& file_name,
                                               Instant received_at, FileRecord* file) {
  using Verdict = std::optional<IntakeResult>;
  if (!pass.digest) return pass.digest.error();
  const auto& [sha, size] = *pass.digest;
  auto seen = store.find_file(center.center_id, file_name, sha);
  if (!seen) return seen.error();
  if (seen->has_value()) return Verdict(IntakeResult{});

  auto name = parse_batch_name(file_name);
  if (!name) return make_error("NAME", "not a batch file name", "", file_name);
  file->center_id = center.center_id;
  file->file_name = file_name;
  file->sha256 = sha;
  file->size = size;
  file->received_at = received_at;
  file->batch_no = name->batch_no;
  file->batch_date = name->batch_date;

  Result<int> n = 0;
  const BatchCheck& check = pass.check;
  if (check.header_readable) {
    file->header_count = check.header.total_count;
    file->header_amount = check.header.total_amount;
  }
  if (check.status == "IO") return check.error;  // could not read: try again, reject nothing
  if (check.status != "00") {
    file->status = check.status;
    auto r = rejection(store, *file, check.error, &n);
    if (!n) return n.error();
    return Verdict(r);
  }
  // F3: the batchNo is used by an accepted file with other content.
  auto used = store.accepted_batch_sha(center.center_id, name->batch_no);
  if (!used) return used.error();
  if (used->has_value()) {
    if (**used == sha) return Verdict(IntakeResult{});  // the same content: already handled
    file->status = "F3";
    auto r = rejection(store, *file,
                       make_error("F3", "batchNo already used by an accepted file with other content",
                                  "batchNo", name->batch_no, file_name),
                       &n);
    if (!n) return n.error();
    return Verdict(r);
  }
  auto date = parse_date(name->batch_date);
  if (!date) return make_error("F1", "bad batch date", "batchDate", name->batch_date, file_name);
  BatchTimes times = batch_times(*date, center.timing);
  if (received_at >= times.force_fail_at) {
    file->status = "F6";
    auto r = rejection(store, *file,
                       make_error("F6", "received after the batch's force-fail time " +
                                            format_cst_timestamp(times.force_fail_at),
                                  "", "", file_name),
                       &n);
    if (!n) return n.error();
    return Verdict(r);
  }
  file->status = "00";
  return Verdict();
}

// A LOADING batch with the file's items: checked on this thread, stored by the writer's.
struct Loaded {
  std::unique_ptr<ItemLoader> loader;
  IntakeResult result;
};

Result<Loaded> load_items(BatchStore& store, const BatchCenter& center, const Hasher& hash,
                          const std::string& path, const std::string& file_name,
                          const BatchName& name, const BatchTimes& times, Instant received_at) {
  NewBatch nb;  // the file's SHA-256 and header totals come with finish()
  nb.center_id = center.center_id;
  nb.batch_no = name.batch_no;
  nb.batch_date = name.batch_date;
  nb.file_name = file_name;
  nb.received_at = received_at;
  nb.send_from_at = times.send_from_at;
  nb.force_fail_at = times.force_fail_at;
  nb.encoding = center.encoding == files::Encoding::kGbk ? "GBK" : "UTF-8";
  auto started = store.start_loading(nb);
  if (!started) return started.error();
  Loaded loaded{std::move(*started), IntakeResult{}};
  ItemLoader& loader = *loaded.loader;
  IntakeResult& result = loaded.result;
  result.kind = IntakeResult::Kind::kAccepted;
  result.batch_no = name.batch_no;
  result.status = "00";
  const std::string collect_rule = center.fee_collect.to_string();
  const std::string quick_rule = center.fee_quick.to_string();
  IntakeWriter writer(loader);
  auto st = read_batch_lines(path, center.encoding, [&](const BatchLine& line) -> Status {
    NewItem item;
    item.seq = line.seq;
    item.item_id = line.item_id;
    item.agreement_no = line.agreement_no;
    item.amount = line.amount;
    item.memo = line.memo;
    // The itemId check (2006) is the writer's: it comes first, and wins over what is found here.
    std::shared_ptr<LoadedAgreement> agreement;
    if (is_identifier(line.agreement_no)) {
      auto a = loader.agreement(line.agreement_no);
      if (!a) return a.error();
      agreement = std::move(*a);
    }
    item.reject_code = item_check(line, center, agreement.get(), hash);
    if (item.reject_code.empty()) {
      const bool quick = agreement->digest.kind == "QUICK";
      const FeeRule& rule = quick ? center.fee_quick : center.fee_collect;
      auto fee = fee_for(rule, line.amount);
      if (!fee) {
        item.reject_code = codes::kInvalidAmount;
      } else {
        item.channel_id = agreement->digest.channel_id;
        item.fee = fee->fee;
        item.cardholder_fee = fee->cardholder_fee;
        item.debit_amount = fee->debit_amount;
        item.fee_rule = quick ? quick_rule : collect_rule;
      }
    }
    ++result.items;
    if (!writer.add(std::move(item))) return make_error("STOPPED", "the intake's writer stopped");
    return ok_status();
  });
  auto rejected = writer.finish();  // the writer's error first: it is why reading stopped
  if (!rejected) return rejected.error();
  result.rejected_items = *rejected;
  if (!st) return st.error();
  REPAY_TRY(loader.suspend());  // the judging of the file may write (a rejection)
  return loaded;
}

std::optional<BatchTimes> times_of(const std::optional<BatchName>& name, const BatchCenter& center) {
  if (!name) return std::nullopt;
  auto date = parse_date(name->batch_date);
  if (!date) return std::nullopt;
  return batch_times(*date, center.timing);
}

}  // namespace

Result<IntakeResult> intake_file(BatchStore& store, const BatchCenter& center, const Hasher& hash,
                                 const std::string& path, const std::string& file_name,
                                 Instant received_at) {
  // The first pass runs on a thread of its own; the items load meanwhile when nothing known
  // already stops them (a used batchNo, a late file, a bad name): a file the first pass then
  // rejects, or finds already handled, has its load discarded — nothing of it stays.
  auto pass = std::async(std::launch::async, [&] { return first_pass(path, file_name, center); });
  const auto name = parse_batch_name(file_name);
  // A batch still LOADING is a load that never finished (a crash): whatever this file turns out
  // to be, that load goes — its itemIds must not count as used (files.md: only an accepted
  // file's do).
  if (name) REPAY_TRY(store.discard_loading(center.center_id, name->batch_no));
  const auto times = times_of(name, center);
  bool early = times && received_at < times->force_fail_at;
  if (early) {
    auto used = store.accepted_batch_sha(center.center_id, name->batch_no);
    if (!used) return used.error();
    early = !used->has_value();
  }
  std::optional<Result<Loaded>> loaded;
  if (early) loaded = load_items(store, center, hash, path, file_name, *name, *times, received_at);

  std::optional<Error> load_error;
  auto drop_load = [&]() -> Status {
    if (!loaded) return ok_status();
    if (!*loaded) load_error = loaded->error();
    loaded.reset();  // rolls back what is not committed (a load that failed midway)
    return store.discard_loading(center.center_id, name->batch_no);
  };
  const FirstPass first = pass.get();
  FileRecord file;
  auto verdict = judge_file(store, center, first, file_name, received_at, &file);
  if (!verdict || verdict->has_value() || (loaded && !*loaded)) {
    REPAY_TRY(drop_load());
    if (!verdict) return verdict.error();
    if (verdict->has_value()) return **verdict;
    return *load_error;
  }
  if (!loaded) {
    loaded = load_items(store, center, hash, path, file_name, *name, *times, received_at);
    if (!*loaded) {
      REPAY_TRY(drop_load());
      return *load_error;
    }
  }
  Loaded& done = **loaded;
  REPAY_TRY(done.loader->finish(file));
  log::info("batch.accepted", {{"center", center.center_id}, {"batchNo", file.batch_no},
                               {"items", std::to_string(done.result.items)},
                               {"rejectedItems", std::to_string(done.result.rejected_items)}});
  return done.result;
}

}  // namespace repay::batch
