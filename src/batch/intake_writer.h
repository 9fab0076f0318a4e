// The intake's second thread (docs/performance.md, Intake): the reading thread parses and checks
// lines and hands groups of items over; the writer thread stores them through the ItemLoader
// (itemId use, 2006, packing, chunk commits), in file order. On two cores the store's work and the
// checks overlap. The hand-off holds a few groups at most: memory stays bounded whatever the
// file's size.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "batch/ports.h"

namespace repay::batch {

// A bounded queue of item groups between one producer and one consumer.
class ItemHandoff {
 public:
  explicit ItemHandoff(size_t max_groups) : max_(max_groups) {}
  // Waits for room; false when the consumer stopped (the group is dropped).
  bool push(std::vector<NewItem> group);
  // The next group, waiting for one; nullopt once closed and drained, or stopped.
  std::optional<std::vector<NewItem>> pop();
  void close();  // producer: nothing more comes
  void stop();   // consumer: nothing more is wanted

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<NewItem>> groups_;
  size_t max_;
  bool closed_ = false;
  bool stopped_ = false;
};

// Runs the writer thread from construction to finish(): items added go to `loader` in order.
// An item whose itemId was already used becomes REJECTED 2006 (the first occurrence is the
// original), whatever the reading thread's checks found.
class IntakeWriter {
 public:
  static constexpr size_t kGroupItems = 1024;

  explicit IntakeWriter(ItemLoader& loader);
  ~IntakeWriter();  // without finish(): stops the writer at its next group, stores nothing more
  IntakeWriter(const IntakeWriter&) = delete;
  IntakeWriter& operator=(const IntakeWriter&) = delete;

  // False when the writer stopped on an error (finish() returns it): stop reading.
  bool add(NewItem item);
  // Waits for the writer; its first error, or the count of items it stored REJECTED.
  Result<int64_t> finish();

 private:
  void run();

  ItemLoader& loader_;
  ItemHandoff handoff_{4};
  std::vector<NewItem> group_;
  Status status_ = ok_status();
  int64_t rejected_ = 0;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace repay::batch
