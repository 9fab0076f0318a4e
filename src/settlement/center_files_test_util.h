// Test helpers for the card-center side files: a temporary folder and an in-memory
// CenterFilesStore that returns what a test put into it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "settlement/center_files_ports.h"
#include "settlement/settle_file.h"

namespace repay::settlement::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "repay-cfiles-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name, std::string_view bytes) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::string path_;
};

// Only what a test sets is there; the rest answers empty.
class FakeCenterFilesStore : public CenterFilesStore {
 public:
  std::vector<ReconLine> lines;
  ReconTotals totals;
  bool totals_from_lines = true;     // false: answer `totals` as set (a store that disagrees)
  bool used_posting = false;
  RepayFigures posted;
  ReviewCounts review;
  std::vector<SettleVersion> versions;
  std::optional<ReconTotals> recorded;  // the RECON figures recorded
  std::vector<FeeRow> fees;

  Result<ReconTotals> recon_totals(const std::string&, Date) override {
    if (!totals_from_lines) return totals;
    ReconTotals t;
    for (const auto& l : lines) {
      (l.refund ? t.refund_count : t.repay_count) += 1;
      (l.refund ? t.refund_amount : t.repay_amount) += l.amount;
    }
    return t;
  }
  Status for_each_recon_line(const std::string&, Date,
                             const std::function<Status(const ReconLine&)>& f) override {
    for (const auto& l : lines) REPAY_TRY(f(l));
    return ok_status();
  }
  Result<RecordedRecon> record_recon_file(const std::string&, Date, const ReconTotals& t,
                                          Instant) override {
    if (recorded) return RecordedRecon{*recorded, false};
    recorded = t;
    return RecordedRecon{t, true};
  }
  Result<std::optional<ReconTotals>> recorded_recon(const std::string&, Date) override {
    return recorded;
  }
  Result<std::optional<PostingRecord>> find_posting_file(const std::string&, const std::string&,
                                                         const std::string&) override {
    return std::optional<PostingRecord>();
  }
  Result<PostingRecord> record_posting_rejection(const PostingFileInfo&, const std::string& e,
                                                 Instant) override {
    ++rejections;
    return PostingRecord{1, kPostingRejected, 1, e};
  }
  Result<PostingStored> store_posting_file(const PostingFileInfo&,
                                           const std::function<Status(const PostingSink&)>& read,
                                           Instant, const std::string&) override {
    PostingStored s;
    s.record = PostingRecord{1, kPostingUsed, 1, ""};
    REPAY_TRY(read([&](const PostingLine& l) {
      stored_lines.push_back(l);
      return ok_status();
    }));
    return s;
  }
  Result<bool> has_used_posting_file(const std::string&, Date) override { return used_posting; }
  Result<int64_t> propose_one_sided(const std::string&, Date, Instant, const std::string&) override {
    return int64_t{0};
  }
  Result<RepayFigures> posted_figures(const std::string&, Date) override { return posted; }
  Result<ReviewCounts> review_counts(const std::string&) override { return review; }
  Result<SettleVersion> record_settle_file(const std::string& center, Date day,
                                           const std::string& header, Instant) override {
    if (!versions.empty()) {
      SettleVersion v = versions.back();
      v.created = false;
      return v;
    }
    SettleVersion v;
    v.version = 1;
    v.file_name = settle_file_name(center, day);
    v.header = header;
    v.created = true;
    versions.push_back(v);
    return v;
  }
  Result<std::vector<FeeRow>> fee_rows(const std::string&, int, int) override { return fees; }

  int rejections = 0;
  std::vector<PostingLine> stored_lines;
};

}  // namespace repay::settlement::testing
