#include "batch/intake.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

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

// Cardholders already verified against their agreement in this file: a line whose card numbers
// and ID number equal the ones that matched the agreement's keyed hashes before matches again,
// without hashing (HMAC-SHA256 is the costliest step of an item check, docs/performance.md).
// Bounded; the clear values it holds are overwritten when they are dropped.
class VerifiedHolders {
 public:
  explicit VerifiedHolders(const Hasher& hash) : hash_(hash) {}
  ~VerifiedHolders() { clear(); }
  VerifiedHolders(const VerifiedHolders&) = delete;
  VerifiedHolders& operator=(const VerifiedHolders&) = delete;

  bool matches(const BatchLine& line, const AgreementDigest& a) {
    auto it = verified_.find(a.agreement_no);
    if (it != verified_.end() && it->second.credit_card == line.credit_card &&
        it->second.debit_card == line.debit_card && it->second.id_no == line.id_no &&
        it->second.hashes == std::tie(a.credit_card_hash, a.debit_card_hash, a.id_no_hash)) {
      return true;
    }
    if (hash_(line.credit_card) != a.credit_card_hash || hash_(line.debit_card) != a.debit_card_hash ||
        hash_(line.id_no) != a.id_no_hash) {
      return false;
    }
    if (it == verified_.end()) {
      if (verified_.size() >= kMaxEntries) clear();
      it = verified_.emplace(a.agreement_no, Holder{}).first;
    } else {
      wipe(it->second);
    }
    it->second = Holder{line.credit_card, line.debit_card, line.id_no,
                        {a.credit_card_hash, a.debit_card_hash, a.id_no_hash}};
    return true;
  }

 private:
  struct Holder {
    std::string credit_card, debit_card, id_no;
    std::tuple<std::string, std::string, std::string> hashes;  // the agreement's, as verified
  };
  static constexpr size_t kMaxEntries = 1 << 16;
  static void wipe(Holder& h) {
    for (std::string* v : {&h.credit_card, &h.debit_card, &h.id_no}) std::fill(v->begin(), v->end(), '\0');
  }
  void clear() {
    for (auto& [no, holder] : verified_) wipe(holder);
    verified_.clear();
  }
  const Hasher& hash_;
  std::unordered_map<std::string, Holder> verified_;
};

std::string item_check(const BatchLine& line, const BatchCenter& center, const AgreementDigest* agreement,
                       VerifiedHolders& holders) {
  if (center.luhn_check && (!luhn_ok(line.credit_card) || !luhn_ok(line.debit_card))) {
    return codes::kInvalidCard;
  }
  if (!id_value_ok(line.id_type, line.id_no)) return codes::kInvalidId;
  if (line.amount == 0 || line.amount > center.per_item_limit) return codes::kInvalidAmount;
  if (!agreement || agreement->state != "ACTIVE" || agreement->center_id != center.center_id) {
    return codes::kAgreementNotFound;
  }
  if (line.name != agreement->holder_name || line.id_type != agreement->id_type ||
      !holders.matches(line, *agreement)) {
    return codes::kAgreementMismatch;
  }
  return {};
}

}  // namespace

std::string item_check(const BatchLine& line, const BatchCenter& center,
                       const std::optional<AgreementDigest>& agreement, const Hasher& hash) {
  VerifiedHolders holders(hash);
  return item_check(line, center, agreement ? &*agreement : nullptr, holders);
}

Result<IntakeResult> intake_file(BatchStore& store, const BatchCenter& center, const Hasher& hash,
                                 const std::string& path, const std::string& file_name,
                                 Instant received_at) {
  auto digest = files::file_sha256(path);
  if (!digest) return digest.error();
  const auto& [sha, size] = *digest;
  // files.md: the very same file (name and SHA-256) already handled is skipped.
  auto seen = store.find_file(center.center_id, file_name, sha);
  if (!seen) return seen.error();
  if (seen->has_value()) return IntakeResult{};

  auto name = parse_batch_name(file_name);
  if (!name) return make_error("NAME", "not a batch file name", "", file_name);
  FileRecord file;
  file.center_id = center.center_id;
  file.file_name = file_name;
  file.sha256 = sha;
  file.size = size;
  file.received_at = received_at;
  file.batch_no = name->batch_no;
  file.batch_date = name->batch_date;

  Result<int> n = 0;
  BatchCheck check = check_batch_file(path, file_name, center.center_id, center.encoding, center.limits);
  if (check.header_readable) {
    file.header_count = check.header.total_count;
    file.header_amount = check.header.total_amount;
  }
  if (check.status == "IO") return check.error;  // could not read: try again, reject nothing
  if (check.status != "00") {
    file.status = check.status;
    auto r = rejection(store, file, check.error, &n);
    if (!n) return n.error();
    return r;
  }
  // F3: the batchNo is used by an accepted file with other content.
  auto used = store.accepted_batch_sha(center.center_id, name->batch_no);
  if (!used) return used.error();
  if (used->has_value()) {
    if (**used == sha) return IntakeResult{};  // the same content: already handled
    file.status = "F3";
    auto r = rejection(store, file,
                       make_error("F3", "batchNo already used by an accepted file with other content",
                                  "batchNo", name->batch_no, file_name),
                       &n);
    if (!n) return n.error();
    return r;
  }
  auto date = parse_date(name->batch_date);
  if (!date) return make_error("F1", "bad batch date", "batchDate", name->batch_date, file_name);
  BatchTimes times = batch_times(*date, center.timing);
  if (received_at >= times.force_fail_at) {
    file.status = "F6";
    auto r = rejection(store, file,
                       make_error("F6", "received after the batch's force-fail time " +
                                            format_cst_timestamp(times.force_fail_at),
                                  "", "", file_name),
                       &n);
    if (!n) return n.error();
    return r;
  }

  REPAY_TRY(store.discard_loading(center.center_id, name->batch_no));
  NewBatch nb;
  nb.center_id = center.center_id;
  nb.batch_no = name->batch_no;
  nb.batch_date = name->batch_date;
  nb.file_name = file_name;
  nb.sha256 = sha;
  nb.total_count = check.header.total_count;
  nb.total_amount = check.header.total_amount;
  nb.received_at = received_at;
  nb.send_from_at = times.send_from_at;
  nb.force_fail_at = times.force_fail_at;
  nb.encoding = center.encoding == files::Encoding::kGbk ? "GBK" : "UTF-8";
  auto loader = store.start_loading(nb);
  if (!loader) return loader.error();

  IntakeResult result;
  result.kind = IntakeResult::Kind::kAccepted;
  result.batch_no = name->batch_no;
  result.status = "00";
  VerifiedHolders holders(hash);
  const std::string collect_rule = center.fee_collect.to_string();
  const std::string quick_rule = center.fee_quick.to_string();
  auto st = read_batch_lines(path, center.encoding, [&](const BatchLine& line) -> Status {
    NewItem item;
    item.seq = line.seq;
    item.item_id = line.item_id;
    item.agreement_no = line.agreement_no;
    item.amount = line.amount;
    item.memo = line.memo;
    auto fresh = (*loader)->use_item_id(line.item_id, line.seq);
    if (!fresh) return fresh.error();
    if (!*fresh) {
      item.reject_code = codes::kDuplicate;  // the first occurrence is the original
    } else {
      const AgreementDigest* agreement = nullptr;
      if (is_identifier(line.agreement_no)) {
        auto a = (*loader)->agreement(line.agreement_no);
        if (!a) return a.error();
        agreement = *a;
      }
      item.reject_code = item_check(line, center, agreement, holders);
      if (item.reject_code.empty()) {
        const bool quick = agreement->kind == "QUICK";
        const FeeRule& rule = quick ? center.fee_quick : center.fee_collect;
        auto fee = fee_for(rule, line.amount);
        if (!fee) {
          item.reject_code = codes::kInvalidAmount;
        } else {
          item.channel_id = agreement->channel_id;
          item.fee = fee->fee;
          item.cardholder_fee = fee->cardholder_fee;
          item.debit_amount = fee->debit_amount;
          item.fee_rule = quick ? quick_rule : collect_rule;
        }
      }
    }
    if (!item.reject_code.empty()) ++result.rejected_items;
    ++result.items;
    return (*loader)->add(item);
  });
  if (!st) return st.error();
  file.status = "00";
  REPAY_TRY((*loader)->finish(file));
  log::info("batch.accepted", {{"center", center.center_id}, {"batchNo", name->batch_no},
                               {"items", std::to_string(result.items)},
                               {"rejectedItems", std::to_string(result.rejected_items)}});
  return result;
}

}  // namespace repay::batch
