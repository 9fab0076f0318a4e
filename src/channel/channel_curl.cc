#include "channel/channel_curl.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace repay::channel {
namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<CurlExchange*>(user);
  size_t n = size * count;
  if (x->answer.body.size() + n > x->max_body_bytes) {
    x->body_too_large = true;
    return 0;  // aborts the transfer
  }
  x->answer.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<CurlExchange*>(user);
  size_t n = size * count;
  std::string line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {  // a new status line (after 100 Continue): start over
    x->answer.headers.clear();
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto begin = line.find_first_not_of(" \t", colon + 1);
  std::string value = begin == std::string::npos ? "" : line.substr(begin);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  x->answer.headers[name] = value;
  return n;
}

// The request body, handed out once. libcurl resends a request by itself when a reused connection
// dies before any byte of the answer ("Connection died, retrying a fresh connect"), although the
// channel may have executed it: with a read callback and no seek callback that rewind fails
// (CURLE_SEND_FAIL_REWIND), so the call ends as a reset connection, an unknown outcome
// (channel-api.md), and is queried before any resend.
size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* x = static_cast<CurlExchange*>(user);
  size_t n = std::min(size * count, x->request.body.size() - x->body_offset);
  std::memcpy(buffer, x->request.body.data() + x->body_offset, n);
  x->body_offset += n;
  return n;
}

}  // namespace

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlExchange::~CurlExchange() {
  if (header_list != nullptr) curl_slist_free_all(header_list);
}

bool prepare_easy(CURL* easy, const ChannelEndpoint& endpoint, CurlExchange& x,
                  std::chrono::milliseconds total_timeout) {
  curl_easy_reset(easy);
  if (x.header_list != nullptr) {
    curl_slist_free_all(x.header_list);
    x.header_list = nullptr;
  }
  for (const auto& h : x.request.headers) x.header_list = curl_slist_append(x.header_list, h.c_str());
  // No "Expect: 100-continue" round trip for larger bodies.
  x.header_list = curl_slist_append(x.header_list, "Expect:");

  bool ok = true;
  auto set = [&](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x.error_buffer));
  set(curl_easy_setopt(easy, CURLOPT_URL, x.request.url.c_str()));
  set(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)));
  set(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L));
  set(curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(endpoint.connect_timeout.count())));
  set(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count())));
  if (!endpoint.ca_file.empty()) set(curl_easy_setopt(easy, CURLOPT_CAINFO, endpoint.ca_file.c_str()));
  set(curl_easy_setopt(easy, CURLOPT_HTTPHEADER, x.header_list));
  if (x.request.method == "POST") {
    set(curl_easy_setopt(easy, CURLOPT_POST, 1L));
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(x.request.body.size())));
    x.body_offset = 0;
    set(curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read));
    set(curl_easy_setopt(easy, CURLOPT_READDATA, &x));
  } else {
    set(curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
  }
  set(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body));
  set(curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x));
  set(curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header));
  set(curl_easy_setopt(easy, CURLOPT_HEADERDATA, &x));
  if (!ok && x.error_buffer[0] == '\0') {
    std::snprintf(x.error_buffer, sizeof x.error_buffer, "a libcurl option was refused");
  }
  return ok;
}

std::string finish_exchange(CURL* easy, CURLcode rc, CurlExchange& x) {
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  x.answer.status = static_cast<int>(status);
  if (rc == CURLE_OK) return "";
  if (x.body_too_large) return "answer too large";
  std::string why = rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "transport";
  why += ": ";
  why += x.error_buffer[0] != '\0' ? x.error_buffer : curl_easy_strerror(rc);
  return why;
}

}  // namespace repay::channel
