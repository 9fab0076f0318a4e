// What the listener and every connection share. Sessions and pending Respond callbacks hold it by
// shared_ptr, so the io_context their sockets belong to outlives them even when a handler answers
// after the HttpServer itself is gone. Internal to src/server.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include "server/http_server.h"

namespace repay::server::detail {

// What the server needs to reach a live connection from outside its strand.
class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket; safe from any thread (posts onto the connection's strand).
  virtual void close_from_server() = 0;
};

struct ServerState {
  ServerState(HttpServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  // Declared first so it is destroyed last: every socket and strand belongs to it.
  boost::asio::io_context ioc;
  std::optional<boost::asio::ssl::context> tls;  // set when options.tls is
  HttpServerOptions options;
  Handler handler;

  // stop() began: requests read from now on get unavailable_response and close the connection.
  std::atomic<bool> stopping{false};

  // Posts fn onto `executor` unless the io threads are gone (then fn is dropped, never run):
  // lets a Respond from any thread, at any time, reach its connection safely.
  template <class Executor, class Fn>
  void post_if_running(const Executor& executor, Fn&& fn) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    boost::asio::post(executor, std::forward<Fn>(fn));
  }

  // In-flight requests: handler called, response not yet written (or dropped).
  void begin_request() {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  void end_request() {
    std::lock_guard lock(mu_);
    if (--in_flight_ == 0) idle_.notify_all();
  }
  // True when every in-flight request finished within `grace`.
  bool wait_idle(std::chrono::milliseconds grace) {
    std::unique_lock lock(mu_);
    return idle_.wait_for(lock, grace, [&] { return in_flight_ == 0; });
  }

  uint64_t add_connection(std::weak_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    uint64_t id = next_id_++;
    connections_.emplace(id, std::move(c));
    return id;
  }
  void remove_connection(uint64_t id) {
    std::lock_guard lock(mu_);
    connections_.erase(id);
  }
  // Marks the server closed (no more posts) and closes every open connection.
  void close_all() {
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      for (auto& [id, weak] : connections_) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
    }
    // Outside the lock: dropping the last reference runs a session's destructor, which locks.
    for (auto& c : open) c->close_from_server();
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int64_t in_flight_ = 0;
  bool closed_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
};

}  // namespace repay::server::detail
