#include "simulator/notifier.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "wire/xml.h"

namespace repay::sim {
namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string field(const Notification& n, const std::string& name) {
  for (const auto& [k, v] : n.fields) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

Notifier::Notifier(NotifierOptions options, Signer signer)
    : options_(std::move(options)), signer_(std::move(signer)) {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_ = std::thread([this] { run(); });
}

Notifier::~Notifier() { stop(); }

std::string Notifier::notify_path(std::string_view base_url, std::string_view channel_id) {
  std::string_view rest = base_url;
  if (auto scheme = rest.find("://"); scheme != rest.npos) rest.remove_prefix(scheme + 3);
  auto slash = rest.find('/');
  std::string prefix = slash == rest.npos ? std::string() : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix + "/channel/notify/" + std::string(channel_id);
}

void Notifier::send(Notification n, std::function<void()> after_first_attempt) {
  if (options_.base_url.empty()) {
    if (after_first_attempt) after_first_attempt();
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    auto now = Clock::now();
    enqueue(now, Item{std::move(n), 0, std::move(after_first_attempt)});
    // What was held back goes out just behind this one.
    release_held(now + std::chrono::milliseconds(1));
  }
  cv_.notify_one();
}

void Notifier::hold(Notification n) {
  if (options_.base_url.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    held_.emplace_back(Clock::now() + options_.reorder_hold, Item{std::move(n), 0, {}});
  }
  cv_.notify_one();
}

void Notifier::note_dropped(const Notification& n) {
  std::lock_guard lock(mu_);
  log_.push_back(n.channel_id + "|" + field(n, "ReqSn") + "|" + field(n, "Status") + "|0|0|DROPPED");
}

void Notifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::string Notifier::log() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& line : log_) out += line + "\n";
  return out;
}

void Notifier::enqueue(Clock::time_point due, Item item) {
  queue_.emplace(Key{due, seq_++}, std::move(item));
}

void Notifier::release_held(Clock::time_point due) {
  for (auto& [deadline, item] : held_) enqueue(due, std::move(item));
  held_.clear();
}

void Notifier::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    // Held notifications whose hold ran out go now.
    for (auto it = held_.begin(); it != held_.end();) {
      if (it->first <= now) {
        enqueue(now, std::move(it->second));
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
    auto wake = Clock::time_point::max();
    for (const auto& h : held_) wake = std::min(wake, h.first);
    if (queue_.empty() || queue_.begin()->first.first > now) {
      if (!queue_.empty()) wake = std::min(wake, queue_.begin()->first.first);
      if (wake == Clock::time_point::max()) cv_.wait(lock);
      else cv_.wait_until(lock, wake);
      continue;
    }
    Item item = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    lock.unlock();
    bool accepted = false;
    int status = post(item.note, accepted);
    ++item.attempt;
    if (item.after_first_attempt) {
      item.after_first_attempt();
      item.after_first_attempt = nullptr;
    }
    lock.lock();
    bool retry = !accepted && item.attempt < options_.max_attempts;
    log_.push_back(item.note.channel_id + "|" + field(item.note, "ReqSn") + "|" +
                   field(item.note, "Status") + "|" + std::to_string(item.attempt) + "|" +
                   std::to_string(status) + "|" + (accepted ? "OK" : retry ? "RETRY" : "GAVE_UP"));
    if (retry) {
      auto backoff = options_.first_backoff * (1 << std::min(item.attempt - 1, 10));
      enqueue(Clock::now() + backoff, std::move(item));
    }
  }
  // Whoever waits on a first attempt is not left hanging (an early notification's answer).
  for (auto& [key, item] : queue_) {
    if (item.after_first_attempt) item.after_first_attempt();
  }
  queue_.clear();
}

int Notifier::post(const Notification& n, bool& accepted) {
  std::string body = wire::build_xml_message("ChannelNotify", n.fields);
  std::string path = notify_path(options_.base_url, n.channel_id);
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + "/channel/notify/" + n.channel_id;
  wire::SignedHeaders h = signer_(n.channel_id, "POST " + path, body);

  CURL* curl = curl_easy_init();
  if (!curl) return 0;
  curl_slist* headers = nullptr;
  for (const std::string& line :
       {std::string("Content-Type: application/xml; charset=utf-8"),
        std::string(wire::kHeaderSender) + ": " + h.sender_id,
        std::string(wire::kHeaderTimestamp) + ": " + h.timestamp,
        std::string(wire::kHeaderNonce) + ": " + h.nonce,
        std::string(wire::kHeaderSignature) + ": " + h.signature, std::string("Expect:")}) {
    headers = curl_slist_append(headers, line.c_str());
  }
  std::string answer;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
  accepted = status == 200 && answer == "SUCCESS";
  return static_cast<int>(status);
}

}  // namespace repay::sim
