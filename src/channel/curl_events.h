// libcurl's multi interface driven by socket events (curl_multi_socket_action) rather than by
// curl_multi_perform. libcurl 7.88's perform visits every transfer on every call and, for each,
// asks the kernel whether its socket is ready (a poll() per transfer): with hundreds of calls in
// flight that was most of the channel client's CPU (docs/performance.md, Debit pipeline). Here
// an epoll set watches the sockets libcurl names, and only a socket that is ready (or a timer of
// libcurl's that is due) is handed back to it. An eventfd in the same set wakes the loop from
// other threads. Internal to src/channel; event-thread only, except wake().
#pragma once

#include <chrono>
#include <optional>

#include <curl/curl.h>

namespace repay::channel {

class CurlEvents {
 public:
  // Installs the socket and timer callbacks on multi. Throws std::runtime_error when epoll or
  // the eventfd cannot be created (at start-up only).
  explicit CurlEvents(CURLM* multi);
  ~CurlEvents();
  CurlEvents(const CurlEvents&) = delete;
  CurlEvents& operator=(const CurlEvents&) = delete;

  // Makes the current or next wait() return at once. Any thread.
  void wake();

  // Lets libcurl act on what is due without waiting: its timer when expired (a transfer just
  // added starts this way).
  void run_due();

  // Waits at most max_wait_ms (less when libcurl's timer is due sooner) for a socket, the timer
  // or wake(), then hands each ready socket and the due timer to libcurl.
  void wait(int max_wait_ms);

 private:
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void timeout_action();

  CURLM* multi_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::optional<std::chrono::steady_clock::time_point> timer_;  // libcurl's, when set
};

}  // namespace repay::channel
