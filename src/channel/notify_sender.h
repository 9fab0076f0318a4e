// The libcurl NotificationSender (center-api.md, Notifications; common.md, Signatures): posts
// <Notify> to the notification's URL, signed with the processor's id as X-Sender-Id and the card
// center's current secret over "POST <path and query of the URL>". Delivered only on HTTP 200 with
// the body SUCCESS (white space around it ignored); anything else, or no answer within 10 s, is a
// failed delivery. Outgoing HTTPS verifies the peer (CA file setting, else the system's CAs).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "realtime/notifier.h"

namespace repay::channel {

struct NotifySenderOptions {
  std::string processor_id = "PROCESSOR";  // X-Sender-Id (processor.id)
  std::string ca_file;                     // processor.ca_file; empty: the system's CAs
  std::chrono::milliseconds timeout{10000};  // center-api.md: no answer in 10 s is a failure
};

// The card center's current secret (a sender signs with the current one, common.md).
using CenterSecretLookup = std::function<Result<std::string>(const std::string& center_id)>;

class CurlNotificationSender final : public realtime::NotificationSender {
 public:
  // The clock outlives the sender. Thread-safe: each post uses its own curl handle.
  CurlNotificationSender(NotifySenderOptions options, CenterSecretLookup secret_of,
                         const Clock& clock);
  // Never throws; the result says what happened: "SUCCESS", "HTTP 500", "HTTP 200 answer '...'",
  // "timeout", "error: ..." (libcurl's message, a bad URL, no secret).
  realtime::DeliveryResult post(const realtime::Notification& n) override;

 private:
  NotifySenderOptions options_;
  CenterSecretLookup secret_of_;
  const Clock& clock_;
};

// The request-target libcurl sends for this URL: its path ("/" when it has none) and "?query"
// when it has one; never the fragment. Error (code "CONFIG") when it is not an absolute http(s)
// URL, or is plain http to a host other than loopback (common.md: Transport security).
Result<std::string> path_and_query_of(const std::string& url);

// HTTP 200 and, once white space around it is removed, exactly "SUCCESS".
bool is_success_answer(long http_status, std::string_view body);

}  // namespace repay::channel
