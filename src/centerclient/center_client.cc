#include "centerclient/center_client.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

#include <curl/curl.h>

#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::centerclient {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "https://host:8443/base" -> {"https://host:8443", "/base"}; the path is part of every
// signed target (common.md: Signatures).
std::pair<std::string, std::string> split_base_url(const std::string& url) {
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, ""};
  std::string path = url.substr(path_start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return {url.substr(0, path_start), path};
}

size_t collect_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Keeps the headers of the last response only: after a redirect or a "100 Continue" a new
// status line starts the set afresh.
size_t collect_header(char* data, size_t size, size_t n, void* out) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(out);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string value = line.substr(colon + 1);
  auto first = value.find_first_not_of(" \t");
  auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  headers[lower(line.substr(0, colon))] = value;
  return size * n;
}

std::string header_or_empty(const std::map<std::string, std::string>& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

}  // namespace

std::string CenterAnswer::field(const std::string& name) const {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

CenterClient::CenterClient(CenterClientOptions options, const Clock& clock)
    : opt_(std::move(options)), clock_(clock) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

CenterClient::~CenterClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::vector<std::pair<std::string, std::string>> CenterClient::signed_headers(
    const std::string& path, const std::string& body) const {
  auto s = wire::sign_message(opt_.secret, opt_.center_id, clock_, "POST " + path, body);
  return {{wire::kHeaderSender, s.sender_id},
          {wire::kHeaderTimestamp, s.timestamp},
          {wire::kHeaderNonce, s.nonce},
          {wire::kHeaderSignature, s.signature}};
}

Result<CenterAnswer> CenterClient::call(
    const std::string& tx_code, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string path = split_base_url(opt_.base_url).second + "/api/" + tx_code;
  std::string body = wire::build_xml_message("Request", fields);
  auto headers = signed_headers(path, body);  // signed afresh on every send
  headers.emplace_back("Content-Type", "application/xml; charset=utf-8");
  return raw_post(path, body, headers);
}

Result<CenterAnswer> CenterClient::raw_post(
    const std::string& path, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache: the connection stays alive across calls

  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    has_content_type = has_content_type || lower(name) == "content-type";
    // "Name;" is libcurl's way to send a header with an empty value; "Name:" would remove it.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  // libcurl would otherwise add a form Content-Type, and "Expect: 100-continue" for larger
  // bodies, which costs a round trip.
  if (!has_content_type) list = curl_slist_append(list, "Content-Type: application/xml; charset=utf-8");
  list = curl_slist_append(list, "Expect:");

  std::string url = split_base_url(opt_.base_url).first + path;
  CenterAnswer answer;
  std::map<std::string, std::string> response_headers;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, opt_.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // thread-safe timeouts
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.raw_body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response_headers);
  if (!opt_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, opt_.ca_file.c_str());

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    std::string message = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc);
    return make_error("IO", "POST " + url + ": " + message);
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  answer.http_status = static_cast<int>(status);

  auto parsed = wire::parse_xml_message(answer.raw_body);
  if (parsed.ok() && parsed->root == "Response") answer.fields = parsed->fields;

  // Answers are signed by the processor with target "" (common.md: Signatures).
  wire::SignedHeaders h{header_or_empty(response_headers, "x-sender-id"),
                        header_or_empty(response_headers, "x-timestamp"),
                        header_or_empty(response_headers, "x-nonce"),
                        header_or_empty(response_headers, "x-signature")};
  const std::string& secret = opt_.processor_secret.empty() ? opt_.secret : opt_.processor_secret;
  answer.signature_ok = h.sender_id == opt_.processor_id &&
                        wire::verify_message(h, {secret}, clock_, "", answer.raw_body) ==
                            wire::SignatureCheck::kOk;
  return answer;
}

}  // namespace repay::centerclient
