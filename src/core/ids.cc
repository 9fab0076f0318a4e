#include "core/ids.h"

#include <cstdio>

namespace repay::ids {

namespace {

// "<prefix><yyyyMMdd><10 digits>": TxnNo, RefundNo, AgreementNo.
std::string dated_serial(const char* prefix, Instant now, int64_t value) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%s%010lld", prefix, format_date(cst_date(now)).c_str(),
                static_cast<long long>(value));
  return buf;
}

}  // namespace

std::string req_sn(int64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "RS%014lld", static_cast<long long>(value));
  return buf;
}

std::string txn_no(Instant now, int64_t value) { return dated_serial("T", now, value); }
std::string refund_no(Instant now, int64_t value) { return dated_serial("RF", now, value); }
std::string agreement_no(Instant now, int64_t value) { return dated_serial("AG", now, value); }

std::string batch_item_ref(const std::string& center_id, const std::string& batch_no, int64_t seq) {
  return center_id + ":" + batch_no + ":" + std::to_string(seq);
}

}  // namespace repay::ids
