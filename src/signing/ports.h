// What signing needs from the store. Written as claims and conditional updates so that several
// Repay nodes sharing one server database can run them concurrently (no in-process locks).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/result.h"
#include "signing/agreement.h"

namespace repay::signing {

inline constexpr const char* kTxSign3 = "sign3";
inline constexpr const char* kTxQsignApply = "qsign/apply";
inline constexpr const char* kTxQsignConfirm = "qsign/confirm";
inline constexpr const char* kTxUnsign = "unsign";

// Answer Status values of center-api.md, Signing.
inline constexpr const char* kSigned = "SIGNED";
inline constexpr const char* kFailed = "FAILED";
inline constexpr const char* kSmsSent = "SMS_SENT";
inline constexpr const char* kRevokedStatus = "REVOKED";

// The stored result of a signing call under (center, ReqNo).
struct SigningRecord {
  std::string center_id;  // the key, filled by the store
  std::string req_no;
  std::string tx_code;
  std::string status;
  std::string resp_code;
  std::string resp_msg;
  std::string agreement_no;
  std::string orig_req_no;  // qsign/confirm: the apply's ReqNo
};

struct Claim {
  enum class Kind {
    kClaimed,     // ours now: run the call, then finish() or release() with the token
    kDone,        // the same call was executed before: `record` is its result
    kInProgress,  // the same call is running elsewhere right now
    kConflict,    // the ReqNo was used by a different call or different fields (2006)
  };
  Kind kind = Kind::kClaimed;
  std::string token;
  SigningRecord record;
};

// A quick-pay application: the SMS the bank sent for a qsign/apply, awaiting confirms.
struct QuickApplication {
  std::string center_id;
  std::string apply_req_no;
  std::string channel_id;
  std::string req_sn;       // the SIGNAPPLY's ReqSn: OrigReqSn of every SIGNCONFIRM
  std::string state;        // kSmsSent, kSigned, kFailed
  int tries = 0;            // confirms that reached the bank
  CardHolder holder;
  std::string mobile;
  std::string agreement_no; // when signed
  std::string resp_code;    // when failed: why (1007, or the bank's decline)
};

struct ApplicationUpdate {
  std::string apply_req_no;
  std::string state;      // kSigned or kFailed
  std::string resp_code;  // for kFailed
  // For kSigned the application takes the agreement of the outcome's record.
};

// Everything one signing call changes, written in one transaction.
struct SigningOutcome {
  std::string center_id;
  std::string req_no;
  std::string token;
  SigningRecord record;
  // Created unless an active agreement of the same center, cards and kind exists: then that one
  // is used, and record.agreement_no names it (two concurrent signings of one card pair).
  std::optional<Agreement> create_agreement;
  std::optional<QuickApplication> create_application;
  std::optional<ApplicationUpdate> application_update;
  std::optional<std::string> revoke_agreement;  // ACTIVE -> REVOKED
  std::string actor;   // "api:<centerId>:<ReqNo>"
  std::string reason;
  Instant now{};
};

class SigningStore {
 public:
  virtual ~SigningStore() = default;

  // Claims (center, ReqNo) of the signing space for this call. `canonical` identifies the call's
  // fields (only its keyed hash is stored). A claim older than `stale_after` (its holder died) is
  // taken over.
  virtual Result<Claim> claim(const std::string& center, const std::string& req_no,
                              const std::string& tx_code, const std::string& canonical,
                              Instant now, std::chrono::milliseconds stale_after) = 0;
  // The call was not executed: forget the claim, so the ReqNo is free again.
  virtual Status release(const std::string& center, const std::string& req_no,
                         const std::string& token) = 0;
  // Stores the result and its effects. Error "STALE" when the claim is no longer ours.
  virtual Result<SigningRecord> finish(const SigningOutcome& outcome) = 0;

  virtual Result<std::optional<Agreement>> active_agreement(const std::string& center,
                                                            const std::string& credit_card,
                                                            const std::string& debit_card,
                                                            const std::string& kind) = 0;
  virtual Result<std::optional<Agreement>> agreement(const std::string& agreement_no) = 0;
  virtual Result<std::optional<QuickApplication>> application(const std::string& center,
                                                              const std::string& apply_req_no) = 0;
  // Counts one confirm against the application, if it is SMS_SENT with tries < max_tries.
  // Returns the tries after counting; error "1007" when none is left or it is not SMS_SENT.
  virtual Result<int> take_sms_try(const std::string& center, const std::string& apply_req_no,
                                   int max_tries) = 0;
  // A counted confirm whose call was not executed gives its try back.
  virtual Status give_back_sms_try(const std::string& center, const std::string& apply_req_no) = 0;

  // A fresh ReqSn, unique across channels and restarts.
  virtual Result<std::string> next_req_sn() = 0;
  virtual Result<std::string> next_agreement_no(Instant now) = 0;
};

}  // namespace repay::signing
