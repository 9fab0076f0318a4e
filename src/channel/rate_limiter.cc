#include "channel/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace repay::channel {
namespace {

using Seconds = std::chrono::duration<double>;

constexpr std::chrono::milliseconds kFirstBusyPause{50};
constexpr std::chrono::milliseconds kMaxBusyPause{2000};
// Bucket capacity as a fraction of a second's tokens: 50 ms worth, at least one.
constexpr double kBurstSeconds = 0.05;

// The batch part of a limit: what (1 - realtime_share) allows, rounded down, at least 1 so that
// batch calls are never starved on a tiny channel.
int batch_part(int limit, double realtime_share) {
  double share = std::clamp(1.0 - realtime_share, 0.0, 1.0);
  int part = static_cast<int>(std::floor(limit * share + 1e-9));
  return std::clamp(part, 1, limit);
}

double burst(int rate) { return std::max(1.0, rate * kBurstSeconds); }

}  // namespace

TokenBucket::TokenBucket(double rate, double capacity, SteadyTime now)
    : rate_(rate), capacity_(capacity), tokens_(capacity), last_(now) {}

double TokenBucket::tokens_at(SteadyTime now) const {
  double elapsed = std::max(0.0, Seconds(now - last_).count());
  return std::min(capacity_, tokens_ + elapsed * rate_);
}

bool TokenBucket::has_token(SteadyTime now) const { return tokens_at(now) >= 1.0; }

void TokenBucket::take(SteadyTime now) {
  tokens_ = tokens_at(now) - 1.0;
  last_ = std::max(last_, now);
}

SteadyTime TokenBucket::next_token(SteadyTime now) const {
  double missing = 1.0 - tokens_at(now);
  if (missing <= 0) return now;
  return now + std::chrono::duration_cast<SteadyTime::duration>(Seconds(missing / rate_));
}

int SecondWindow::count_since(SteadyTime since) const {
  auto first = std::upper_bound(starts_.begin(), starts_.end(), since);
  return static_cast<int>(starts_.end() - first);
}

bool SecondWindow::has_room(SteadyTime now) const {
  return count_since(now - std::chrono::seconds(1)) < limit_;
}

void SecondWindow::add(SteadyTime now) {
  while (!starts_.empty() && starts_.front() <= now - std::chrono::seconds(1)) starts_.pop_front();
  starts_.push_back(now);
}

SteadyTime SecondWindow::next_room(SteadyTime now) const {
  int in_window = count_since(now - std::chrono::seconds(1));
  if (in_window < limit_) return now;
  // The oldest start that must leave the window for one more to fit.
  auto idx = starts_.size() - static_cast<size_t>(in_window) + static_cast<size_t>(in_window - limit_);
  return starts_[idx] + std::chrono::seconds(1);
}

ChannelGate::ChannelGate(int max_inflight, int max_tps, double realtime_share, SteadyTime now)
    : max_inflight_(std::max(1, max_inflight)),
      max_tps_(std::max(1, max_tps)),
      batch_inflight_cap_(batch_part(max_inflight_, realtime_share)),
      batch_tps_(batch_part(max_tps_, realtime_share)),
      all_tokens_(max_tps_, burst(max_tps_), now),
      batch_tokens_(batch_tps_, burst(batch_tps_), now),
      all_window_(max_tps_),
      batch_window_(batch_tps_) {}

bool ChannelGate::inflight_allows(Priority p) const {
  if (inflight_ >= max_inflight_) return false;
  return p == Priority::kRealtime || batch_inflight_ < batch_inflight_cap_;
}

bool ChannelGate::may_start(Priority p, SteadyTime now) const {
  if (now < paused_until_ || !inflight_allows(p)) return false;
  if (!all_tokens_.has_token(now) || !all_window_.has_room(now)) return false;
  if (p == Priority::kBatch && (!batch_tokens_.has_token(now) || !batch_window_.has_room(now))) {
    return false;
  }
  return true;
}

void ChannelGate::started(Priority p, SteadyTime now) {
  ++inflight_;
  all_tokens_.take(now);
  all_window_.add(now);
  if (p == Priority::kBatch) {
    ++batch_inflight_;
    batch_tokens_.take(now);
    batch_window_.add(now);
  }
}

void ChannelGate::finished(Priority p) {
  if (inflight_ > 0) --inflight_;
  if (p == Priority::kBatch && batch_inflight_ > 0) --batch_inflight_;
}

std::optional<SteadyTime> ChannelGate::retry_at(Priority p, SteadyTime now) const {
  if (!inflight_allows(p)) return std::nullopt;
  SteadyTime t = std::max({now, paused_until_, all_tokens_.next_token(now),
                           all_window_.next_room(now)});
  if (p == Priority::kBatch) {
    t = std::max({t, batch_tokens_.next_token(now), batch_window_.next_room(now)});
  }
  if (t <= now) return std::nullopt;
  return t;
}

void ChannelGate::busy(SteadyTime now) {
  busy_delay_ = busy_delay_.count() == 0 ? kFirstBusyPause : std::min(busy_delay_ * 2, kMaxBusyPause);
  paused_until_ = std::max(paused_until_, now + busy_delay_);
}

void ChannelGate::not_busy() { busy_delay_ = std::chrono::milliseconds(0); }

}  // namespace repay::channel
