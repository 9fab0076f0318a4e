// The per-channel gate of the channel client: how many calls may be in flight, how many may start
// per second, and the share of both that batch calls leave free for real-time ones. Pure: time is
// a parameter (steady clock), no locking (the client guards it).
#pragma once

#include <chrono>
#include <deque>
#include <optional>

#include "channel/channel_client.h"

namespace repay::channel {

using SteadyTime = std::chrono::steady_clock::time_point;

// A token bucket refilled continuously at `rate` tokens a second up to `capacity` tokens; it starts
// full. A small capacity makes starts smooth rather than a second's worth at once.
class TokenBucket {
 public:
  TokenBucket(double rate, double capacity, SteadyTime now);
  bool has_token(SteadyTime now) const;
  void take(SteadyTime now);
  // When the next whole token is there (now if already).
  SteadyTime next_token(SteadyTime now) const;

 private:
  double tokens_at(SteadyTime now) const;
  double rate_;
  double capacity_;
  double tokens_;
  SteadyTime last_;
};

// Start times over the last second, so that no one-second window holds more than `limit` starts.
class SecondWindow {
 public:
  explicit SecondWindow(int limit) : limit_(limit) {}
  bool has_room(SteadyTime now) const;
  void add(SteadyTime now);
  // When the window has room again (now if it has).
  SteadyTime next_room(SteadyTime now) const;

 private:
  int count_since(SteadyTime since) const;
  int limit_;
  std::deque<SteadyTime> starts_;
};

// Per channel: at most max_inflight calls in flight and max_tps starts per second; batch calls
// at most batch_inflight_cap() in flight and batch_tps() starts per second, so that the
// real-time share stays free; a pause after a busy answer (9001 / HTTP 429) that doubles from
// 50 ms up to 2 s while the channel stays busy and resets on any other answer.
class ChannelGate {
 public:
  ChannelGate(int max_inflight, int max_tps, double realtime_share, SteadyTime now);

  bool may_start(Priority p, SteadyTime now) const;
  void started(Priority p, SteadyTime now);
  void finished(Priority p);
  // When a call of priority p, blocked now only by rate or by the busy pause, may start;
  // nullopt when it is blocked by calls in flight (their completion wakes the client) or may
  // start now.
  std::optional<SteadyTime> retry_at(Priority p, SteadyTime now) const;

  void busy(SteadyTime now);
  void not_busy();

  int inflight() const { return inflight_; }
  int batch_inflight() const { return batch_inflight_; }
  int batch_inflight_cap() const { return batch_inflight_cap_; }
  int batch_tps() const { return batch_tps_; }
  SteadyTime paused_until() const { return paused_until_; }

 private:
  bool inflight_allows(Priority p) const;

  int max_inflight_;
  int max_tps_;
  int batch_inflight_cap_;
  int batch_tps_;
  int inflight_ = 0;
  int batch_inflight_ = 0;
  TokenBucket all_tokens_;
  TokenBucket batch_tokens_;
  SecondWindow all_window_;
  SecondWindow batch_window_;
  SteadyTime paused_until_{};
  std::chrono::milliseconds busy_delay_{0};
};

}  // namespace repay::channel
