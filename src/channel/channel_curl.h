// libcurl plumbing shared by the gateway loop and the statement fetch: options every request of
// the channel client gets, and the buffers an exchange writes into. Internal to src/channel.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include <curl/curl.h>

#include "channel/channel_client.h"
#include "channel/channel_message.h"

namespace repay::channel {

// Once per process, thread-safe.
void ensure_curl_global_init();

// The state one transfer writes into. Must stay at one address while the transfer runs.
struct CurlExchange {
  explicit CurlExchange(size_t max_body) : max_body_bytes(max_body) {}
  ~CurlExchange();
  CurlExchange(const CurlExchange&) = delete;
  CurlExchange& operator=(const CurlExchange&) = delete;

  OutgoingRequest request;
  size_t max_body_bytes;
  HttpAnswer answer;          // status filled by finish()
  bool body_too_large = false;
  size_t body_offset = 0;     // bytes of request.body handed to libcurl so far
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_slist* header_list = nullptr;
};

// Resets `easy` and sets it up for x.request: HTTP/1.1, TCP keep-alive, no signals, http(s)
// only, no redirects, connect and total timeouts, CA file when set, body and headers collected
// into x. Returns false (with x.error_buffer set) when libcurl refuses an option.
bool prepare_easy(CURL* easy, const ChannelEndpoint& endpoint, CurlExchange& x,
                  std::chrono::milliseconds total_timeout);

// After the transfer: fills x.answer.status; returns "" when the exchange completed at the HTTP
// level, else why not ("timeout: ...", "transport: ...", "answer too large").
std::string finish_exchange(CURL* easy, CURLcode rc, CurlExchange& x);

}  // namespace repay::channel
