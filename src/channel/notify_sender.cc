#include "channel/notify_sender.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "core/message_log.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::channel {
namespace {

constexpr size_t kMaxAnswerBytes = 64 * 1024;  // an acknowledgement is a word; keep no more

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;
struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string url_part(CURLU* u, CURLUPart part) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, 0) != CURLUE_OK || out == nullptr) return "";
  std::string s(out);
  curl_free(out);
  return s;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

// Parses the URL the way libcurl will send it, and gives the request-target.
Result<std::string> parse_target(CURLU* u, const std::string& url) {
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return make_error("CONFIG", "not an absolute URL", "NotifyUrl", url);
  }
  const std::string scheme = url_part(u, CURLUPART_SCHEME);
  if (scheme != "https" && !(scheme == "http" && is_loopback(url_part(u, CURLUPART_HOST)))) {
    return make_error("CONFIG", "not https (plain http only to loopback)", "NotifyUrl", url);
  }
  std::string target = url_part(u, CURLUPART_PATH);
  if (target.empty()) target = "/";
  const std::string query = url_part(u, CURLUPART_QUERY);
  if (!query.empty()) target += "?" + query;
  return target;
}

size_t collect(char* p, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  const size_t len = size * n;
  if (body->size() < kMaxAnswerBytes) body->append(p, std::min(len, kMaxAnswerBytes - body->size()));
  return len;
}

// The start of an unexpected answer, printable, for the attempt history.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char ch : body.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(ch);
    out += u < 0x20 || u == 0x7f ? ' ' : ch;
  }
  return out;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

Result<std::string> path_and_query_of(const std::string& url) {
  UrlHandle u(curl_url());
  if (!u) return make_error("IO", "curl_url failed");
  return parse_target(u.get(), url);
}

bool is_success_answer(long http_status, std::string_view body) {
  if (http_status != 200) return false;
  const char* ws = " \t\r\n\f\v";
  const size_t first = body.find_first_not_of(ws);
  if (first == std::string_view::npos) return false;
  const size_t last = body.find_last_not_of(ws);
  return body.substr(first, last - first + 1) == "SUCCESS";
}

CurlNotificationSender::CurlNotificationSender(NotifySenderOptions options,
                                               CenterSecretLookup secret_of, const Clock& clock)
    : options_(std::move(options)), secret_of_(std::move(secret_of)), clock_(clock) {
  global_init();
}

realtime::DeliveryResult CurlNotificationSender::post(const realtime::Notification& n) {
  using realtime::DeliveryResult;
  UrlHandle url(curl_url());
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!url || !curl) return DeliveryResult{false, "error: libcurl could not start"};
  auto target = parse_target(url.get(), n.url);
  if (!target) return DeliveryResult{false, "error: " + target.error().message};
  auto secret = secret_of_ ? secret_of_(n.center_id)
                           : Result<std::string>(make_error("CONFIG", "no secrets"));
  if (!secret) return DeliveryResult{false, "error: no secret for " + n.center_id};

  // Signed afresh on every try: a new timestamp and nonce (common.md: Signatures).
  const std::string body = wire::build_xml_message("Notify", n.fields);
  log::message("center", n.center_id, "out", "notify", body);
  const auto h = wire::sign_message(*secret, options_.processor_id, clock_, "POST " + *target, body);
  curl_slist* raw_list = nullptr;
  for (const std::string& line :
       {std::string(wire::kHeaderSender) + ": " + h.sender_id,
        std::string(wire::kHeaderTimestamp) + ": " + h.timestamp,
        std::string(wire::kHeaderNonce) + ": " + h.nonce,
        std::string(wire::kHeaderSignature) + ": " + h.signature,
        std::string("Content-Type: application/xml; charset=utf-8"), std::string("Expect:")}) {
    raw_list = curl_slist_append(raw_list, line.c_str());
  }
  std::unique_ptr<curl_slist, ListDeleter> headers(raw_list);

  std::string answer;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_CURLU, url.get());  // the URL exactly as the target was taken from
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without signals: safe in threads
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);

  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OPERATION_TIMEDOUT) return DeliveryResult{false, "timeout"};
  if (rc != CURLE_OK) {
    return DeliveryResult{false, std::string("error: ") +
                                     (error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc))};
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  log::message("center", n.center_id, "in", std::to_string(status), answer);
  if (is_success_answer(status, answer)) return DeliveryResult{true, "SUCCESS"};
  if (status != 200) return DeliveryResult{false, "HTTP " + std::to_string(status)};
  return DeliveryResult{false, "HTTP 200 answer '" + excerpt(answer) + "'"};
}

}  // namespace repay::channel
