#include "realtime/answers.h"

#include "core/codes.h"

namespace repay::realtime {
namespace {

std::string status_of(debit::ItemState state) {
  using S = debit::ItemState;
  if (state == S::kSuccess) return "SUCCESS";
  if (state == S::kFailed || state == S::kRejected) return "FAILED";
  return "PROCESSING";
}

std::string status_of(RefundState state) {
  using S = RefundState;
  if (state == S::kSuccess) return "SUCCESS";
  if (state == S::kFailed || state == S::kRejected || state == S::kRefused || state == S::kExpired) return "FAILED";
  return "PROCESSING";
}

std::string code_of(const std::string& status, bool refused_proposal, const std::string& resp_code) {
  if (status == "SUCCESS") return codes::kSuccess;
  if (status == "PROCESSING") return codes::kProcessing;
  if (refused_proposal && resp_code.empty()) return codes::kRefundNotAllowed;  // a refused proposal
  return resp_code.empty() ? std::string(codes::kDeclinedOther) : resp_code;
}

}  // namespace

bool is_final(RefundState state) { return status_of(state) != "PROCESSING"; }

ApiAnswer repay_answer(const RepaymentView& v) {
  const std::string status = status_of(v.state);
  // A repayment REJECTED at intake always has its code.
  ApiAnswer a = ApiAnswer::of(code_of(status, v.state == debit::ItemState::kRejected, v.resp_code));
  a.with("Status", status);
  if (!v.txn_no.empty()) a.with("TxnNo", v.txn_no);
  a.with("Amount", format_amount(v.amount));
  // Like the return file: a failure took nothing, so its Fee and DebitAmount are 0.
  const bool took = status != "FAILED";
  a.with("Fee", format_amount(took ? v.cardholder_fee : 0));
  a.with("DebitAmount", format_amount(took ? v.debit_amount : 0));
  if (status != "PROCESSING" && v.finished_at != Instant{}) {
    a.with("FinishTime", format_cst_timestamp(v.finished_at));
  }
  return a;
}

ApiAnswer refund_answer(const RefundView& v) {
  const std::string status = status_of(v.state);
  ApiAnswer a = ApiAnswer::of(code_of(status, v.state == RefundState::kRejected, v.resp_code));
  a.with("Status", status);
  if (!v.refund_no.empty()) a.with("RefundNo", v.refund_no);
  a.with("OrigTxnNo", v.orig_txn_no);
  a.with("Amount", format_amount(v.amount));
  const bool gives = status != "FAILED";
  a.with("Fee", format_amount(gives ? v.cardholder_fee : 0));
  a.with("DebitAmount", format_amount(gives ? v.debit_amount : 0));
  if (status != "PROCESSING" && v.finished_at != Instant{}) {
    a.with("FinishTime", format_cst_timestamp(v.finished_at));
  }
  return a;
}

std::vector<std::pair<std::string, std::string>> repay_notification(const RepaymentView& v) {
  ApiAnswer a = repay_answer(v);
  std::vector<std::pair<std::string, std::string>> f = {{"Type", "REPAY"}, {"TxnNo", v.txn_no},
                                                        {"ReqNo", v.req_no}};
  f.emplace_back("Status", status_of(v.state));
  f.emplace_back("RespCode", a.resp_code);
  f.emplace_back("RespMsg", std::string(codes::message(a.resp_code)));
  for (const auto& [k, val] : a.fields) {
    if (k == "Amount" || k == "Fee" || k == "DebitAmount" || k == "FinishTime") f.emplace_back(k, val);
  }
  return f;
}

std::vector<std::pair<std::string, std::string>> refund_notification(const RefundView& v) {
  ApiAnswer a = refund_answer(v);
  std::vector<std::pair<std::string, std::string>> f = {{"Type", "REFUND"},
                                                        {"TxnNo", v.orig_txn_no},
                                                        {"RefundNo", v.refund_no}};
  // center-api.md: ReqNo only for the card center's own refund; Reason only for ours.
  if (v.origin == "CENTER") f.emplace_back("ReqNo", v.req_no);
  if (v.origin == "US") f.emplace_back("Reason", v.reason);
  f.emplace_back("Status", status_of(v.state));
  f.emplace_back("RespCode", a.resp_code);
  f.emplace_back("RespMsg", std::string(codes::message(a.resp_code)));
  for (const auto& [k, val] : a.fields) {
    if (k == "Amount" || k == "Fee" || k == "DebitAmount" || k == "FinishTime") f.emplace_back(k, val);
  }
  return f;
}

}  // namespace repay::realtime
