// The signing use-cases of center-api.md: sign3, qsign/apply, qsign/confirm, unsign. Each call is
// claimed under its ReqNo before any bank call, so a retry returns the original's current state
// and never runs twice at once; a bank that does not answer makes the call "not executed" (9999)
// and frees the ReqNo.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/api_answer.h"
#include "core/channel_port.h"
#include "core/clock.h"
#include "signing/ports.h"
#include "signing/requests.h"

namespace repay::signing {

// What signing needs to know of the card center making the call.
struct SigningCenter {
  std::string center_id;
  bool luhn_check = true;
  std::string collect_channel;  // channelId used by sign3 ("" when the center has none)
  std::string quick_channel;    // channelId used by qsign ("" when none)
};

using Reply = std::function<void(ApiAnswer)>;
// Runs a task on a worker thread (store work after a bank answer must not run on the channel
// client's event thread).
using Post = std::function<void(std::function<void()>)>;

struct SigningOptions {
  int max_sms_tries = 5;                          // center-api.md: up to 5 tries per apply
  std::chrono::milliseconds stale_claim{120000};  // a claim this old was left by a dead process
};

class SigningService {
 public:
  SigningService(SigningStore& store, ChannelPort& channels, const Clock& clock, Post post,
                 SigningOptions options = {});

  // Each calls `reply` exactly once, possibly later and from another thread.
  void sign3(const SigningCenter& center, const Fields& fields, Reply reply);
  void qsign_apply(const SigningCenter& center, const Fields& fields, Reply reply);
  void qsign_confirm(const SigningCenter& center, const Fields& fields, Reply reply);
  void unsign(const SigningCenter& center, const Fields& fields, Reply reply);

 private:
  struct Call;  // one claimed call in progress
  bool begin(Call& call, const std::string& tx_code, const std::string& canonical);
  void finish(Call& call, SigningOutcome outcome);
  void not_executed(Call& call, const std::string& why);
  ApiAnswer answer_of(const SigningRecord& record);
  void bank(Call call, channel::ChannelCall request,
            std::function<void(Call&, const channel::ChannelResult&)> next);

  void confirm_claimed(Call call, QsignConfirmRequest req);

  SigningStore& store_;
  ChannelPort& channels_;
  const Clock& clock_;
  Post post_;
  SigningOptions options_;
};

}  // namespace repay::signing
