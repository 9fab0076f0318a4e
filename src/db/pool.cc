#include "db/pool.h"

namespace repay::db {

void Pool::add(std::unique_ptr<Connection> c) {
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(c));
  ++size_;
}

Pool::Lease Pool::acquire() {
  if (Connection* lent_here = lent()) return Lease(*this, lent_here);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  auto c = std::move(free_.back());
  free_.pop_back();
  return Lease(*this, std::move(c));
}

std::optional<Pool::Lease> Pool::try_acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return std::nullopt;
  auto c = std::move(free_.back());
  free_.pop_back();
  return std::optional<Lease>(std::in_place, *this, std::move(c));
}

std::vector<Pool::Lease> Pool::acquire_all() {
  std::vector<Lease> all;
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = size_;
  }
  all.reserve(n);
  for (size_t i = 0; i < n; ++i) all.push_back(acquire());
  return all;
}

Pool::Lease::~Lease() {
  if (!c_) return;
  std::lock_guard<std::mutex> lock(p_.mu_);
  p_.free_.push_back(std::move(c_));
  p_.cv_.notify_one();
}

}  // namespace repay::db
