#include "channel/curl_events.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

namespace repay::channel {

CurlEvents::CurlEvents(CURLM* multi) : multi_(multi) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  if (epoll_fd_ < 0 || wake_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw std::runtime_error("channel client: cannot create its epoll set");
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlEvents::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlEvents::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlEvents::~CurlEvents() {
  // The multi handle outlives us only to be cleaned up; it must not call back into us.
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, nullptr);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, nullptr);
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void CurlEvents::wake() {
  const uint64_t one = 1;
  // EAGAIN only when the counter is about to overflow: the loop is awake anyway.
  (void)!::write(wake_fd_, &one, sizeof one);
}

int CurlEvents::on_socket(CURL*, curl_socket_t s, int what, void* self, void*) {
  auto* me = static_cast<CurlEvents*>(self);
  if (what == CURL_POLL_REMOVE) {
    // Already gone when libcurl closed it first: nothing to do.
    (void)::epoll_ctl(me->epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  ev.data.fd = s;
  // A socket number libcurl names again may or may not still be in the set (a closed socket
  // leaves it by itself): modify, else add.
  if (::epoll_ctl(me->epoll_fd_, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
    if (::epoll_ctl(me->epoll_fd_, EPOLL_CTL_ADD, s, &ev) != 0) return -1;
  }
  return 0;
}

int CurlEvents::on_timer(CURLM*, long timeout_ms, void* self) {
  auto* me = static_cast<CurlEvents*>(self);
  if (timeout_ms < 0) {
    me->timer_.reset();
  } else {
    me->timer_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void CurlEvents::timeout_action() {
  timer_.reset();  // libcurl sets it again when it wants one
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
}

void CurlEvents::run_due() {
  if (timer_ && *timer_ <= std::chrono::steady_clock::now()) timeout_action();
}

void CurlEvents::wait(int max_wait_ms) {
  int wait_ms = std::max(0, max_wait_ms);
  if (timer_) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*timer_ - std::chrono::steady_clock::now());
    wait_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, wait_ms));
  }
  epoll_event events[256];
  const int n = ::epoll_wait(epoll_fd_, events, 256, wait_ms);
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wake_fd_) {
      uint64_t count = 0;
      (void)!::read(wake_fd_, &count, sizeof count);
      continue;
    }
    int mask = 0;
    if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
    int running = 0;
    curl_multi_socket_action(multi_, fd, mask, &running);
  }
  run_due();
}

}  // namespace repay::channel
