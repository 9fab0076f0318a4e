#include "batch/intake_writer.h"

#include "core/codes.h"

namespace repay::batch {

bool ItemHandoff::push(std::vector<NewItem> group) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stopped_ || groups_.size() < max_; });
  if (stopped_) return false;
  groups_.push_back(std::move(group));
  cv_.notify_all();
  return true;
}

std::optional<std::vector<NewItem>> ItemHandoff::pop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stopped_ || closed_ || !groups_.empty(); });
  if (stopped_ || groups_.empty()) return std::nullopt;
  auto g = std::move(groups_.front());
  groups_.pop_front();
  cv_.notify_all();
  return g;
}

void ItemHandoff::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void ItemHandoff::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  groups_.clear();
  cv_.notify_all();
}

IntakeWriter::IntakeWriter(ItemLoader& loader) : loader_(loader) {
  group_.reserve(kGroupItems);
  thread_ = std::thread([this] { run(); });
}

IntakeWriter::~IntakeWriter() {
  if (finished_) return;
  handoff_.stop();  // abandoned: what is not stored yet is not wanted (the load is discarded)
  thread_.join();
}

void IntakeWriter::run() {
  auto fail = [this](Error e) {
    status_ = std::move(e);
    handoff_.stop();
  };
  while (auto group = handoff_.pop()) {
    for (auto& item : *group) {
      auto fresh = loader_.use_item_id(item.item_id, item.seq);
      if (!fresh) return fail(fresh.error());
      if (!*fresh) {
        // files.md: the first occurrence is the original; this one is 2006, nothing else.
        NewItem dup;
        dup.seq = item.seq;
        dup.item_id = std::move(item.item_id);
        dup.agreement_no = std::move(item.agreement_no);
        dup.amount = item.amount;
        dup.memo = std::move(item.memo);
        dup.reject_code = codes::kDuplicate;
        item = std::move(dup);
      }
      if (!item.reject_code.empty()) ++rejected_;
      if (auto st = loader_.add(item); !st) return fail(st.error());
    }
  }
}

bool IntakeWriter::add(NewItem item) {
  group_.push_back(std::move(item));
  if (group_.size() < kGroupItems) return true;
  std::vector<NewItem> next;
  next.reserve(kGroupItems);
  std::swap(next, group_);
  return handoff_.push(std::move(next));
}

Result<int64_t> IntakeWriter::finish() {
  if (!finished_) {
    finished_ = true;
    if (!group_.empty()) (void)handoff_.push(std::move(group_));
    handoff_.close();
    thread_.join();
  }
  if (!status_) return status_.error();
  return rejected_;
}

}  // namespace repay::batch
