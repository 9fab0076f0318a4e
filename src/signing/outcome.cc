#include "signing/outcome.h"

namespace repay::signing {

BankVerdict read_signing_result(const channel::ChannelResult& r) {
  using codes::ChannelClass;
  BankVerdict v;
  if (r.outcome != channel::Outcome::kAnswered) {
    v.detail = r.outcome == channel::Outcome::kBusy ? "channel busy" : "no usable answer: " + r.detail;
    return v;
  }
  switch (r.mapping.cls) {
    case ChannelClass::kSuccess:
      v.kind = BankVerdict::Kind::kOk;
      return v;
    case ChannelClass::kDeclined:
      v.kind = BankVerdict::Kind::kDeclined;
      v.code = r.mapping.ours;
      return v;
    case ChannelClass::kConfigError:
      v.detail = "channel rejected our signature (RetCode 4001)";
      v.alert = true;
      return v;
    default:
      // 1000 for a fresh ReqSn, 2000 for a signing call, 9001, 9999: nothing final to store.
      v.detail = "RetCode " + r.ret_code + " is not final for a signing call";
      return v;
  }
}

}  // namespace repay::signing
