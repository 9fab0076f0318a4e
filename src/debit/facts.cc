#include "debit/facts.h"

#include "core/codes.h"
#include "core/log.h"
#include "core/validate.h"

namespace repay::debit {
namespace {

std::string field(const std::map<std::string, std::string>& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? std::string() : it->second;
}

// Our code for a channel's final decline code ("OrigRetCode"); 1099 when it is not a decline.
std::string decline_code(const std::string& channel_code) {
  auto m = codes::map_channel_code(channel_code);
  return m.cls == codes::ChannelClass::kDeclined ? m.ours : std::string(codes::kDeclinedOther);
}

// A Status/OrigRetCode pair (duplicate answers, QUERY, notifications) as a fact.
BankFact fact_of_status(const std::map<std::string, std::string>& f) {
  BankFact b;
  const std::string status = field(f, "Status");
  if (status == "SUCCESS") {
    b.kind = BankFact::Kind::kSuccess;
    b.channel_txn_no = field(f, "ChannelTxnNo");
    b.settle_date = field(f, "SettleDate");
  } else if (status == "FAILED") {
    b.kind = BankFact::Kind::kFailed;
    std::string orig = field(f, "OrigRetCode");
    if (orig.empty()) orig = field(f, "RetCode");
    b.code = decline_code(orig);
  } else if (status == "NOT_FOUND") {
    b.kind = BankFact::Kind::kNotFound;
  } else {
    b.kind = BankFact::Kind::kUnknown;
    b.detail = "status " + (status.empty() ? std::string("missing") : status);
  }
  if (auto a = parse_amount(field(f, "Amount"))) b.amount = *a;
  return b;
}

}  // namespace

BankFact fact_from_debit(const channel::ChannelResult& r) {
  BankFact b;
  b.detail = r.detail;
  switch (r.outcome) {
    case channel::Outcome::kBusy:
      b.kind = BankFact::Kind::kBusy;
      return b;
    case channel::Outcome::kNotSent:
      b.kind = BankFact::Kind::kNotSent;
      return b;
    case channel::Outcome::kUnknown:
      b.kind = BankFact::Kind::kUnknown;
      return b;
    case channel::Outcome::kAnswered:
      break;
  }
  switch (r.mapping.cls) {
    case codes::ChannelClass::kSuccess:
      b.kind = BankFact::Kind::kSuccess;
      b.channel_txn_no = field(r.fields, "ChannelTxnNo");
      b.settle_date = field(r.fields, "SettleDate");
      return b;
    case codes::ChannelClass::kDeclined:
      b.kind = BankFact::Kind::kFailed;
      b.code = r.mapping.ours;
      return b;
    case codes::ChannelClass::kDuplicate:
      return fact_of_status(r.fields);  // the original's state (channel-api.md: 1000)
    case codes::ChannelClass::kConfigError:
      // channel-api.md: a request answered 4001 did not register its ReqSn and is sent again
      // later with the same ReqSn — like 9001 — and codes.md: an alert, our configuration is
      // wrong. (The channel client never lets libcurl resend a request by itself, so a 4001 is
      // never the answer to a second copy of an executed one: channel/channel_curl.cc.)
      log::alert("channel.signature_rejected", {{"detail", r.detail}});
      b.kind = BankFact::Kind::kBusy;
      return b;
    case codes::ChannelClass::kBusy:
      b.kind = BankFact::Kind::kBusy;
      return b;
    default:  // 2000 processing, 9999 unknown
      b.kind = BankFact::Kind::kUnknown;
      b.detail = "RetCode " + r.ret_code;
      return b;
  }
}

BankFact fact_from_query(const channel::ChannelResult& r) {
  // channel-api.md: QUERY's own RetCode says only whether the query was answered.
  if (r.outcome != channel::Outcome::kAnswered || r.ret_code != codes::kSuccess) {
    BankFact b;
    b.kind = BankFact::Kind::kUnknown;
    b.detail = "query not answered: " + r.detail + " " + r.ret_code;
    return b;
  }
  return fact_of_status(r.fields);
}

BankFact fact_from_notify(const std::map<std::string, std::string>& fields) {
  return fact_of_status(fields);
}

}  // namespace repay::debit
