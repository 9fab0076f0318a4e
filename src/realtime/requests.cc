#include "realtime/requests.h"

#include "core/codes.h"
#include "core/fields.h"
#include "core/validate.h"

namespace repay::realtime {
namespace {

bool is_amount_form(std::string_view s) { return parse_amount(s).has_value(); }
bool is_query_type(std::string_view s) { return s == "REPAY" || s == "REFUND"; }

}  // namespace

Result<RepayRequest> parse_repay(const Fields& f) {
  FieldReader r(f);
  RepayRequest q;
  q.req_no = r.required("ReqNo", is_identifier);
  q.agreement_no = r.required("AgreementNo", is_identifier);
  q.credit_card = r.required("CreditCardNo", is_card_form);
  std::string amount = r.required("Amount", is_amount_form);
  q.notify_url = r.optional("NotifyUrl", is_notify_url).value_or("");
  if (!r.ok()) return r.error();
  q.amount = *parse_amount(amount);
  return q;
}

Result<RefundRequest> parse_refund(const Fields& f) {
  FieldReader r(f);
  RefundRequest q;
  q.req_no = r.required("ReqNo", is_identifier);
  q.orig_txn_no = r.required("OrigTxnNo", is_identifier);
  std::string amount = r.required("Amount", is_amount_form);
  if (!r.ok()) return r.error();
  q.amount = *parse_amount(amount);
  return q;
}

Result<QueryRequest> parse_query(const Fields& f) {
  FieldReader r(f);
  QueryRequest q;
  q.type = r.optional("Type", is_query_type).value_or("REPAY");
  q.req_no = r.optional("ReqNo", is_identifier).value_or("");
  q.txn_no = r.optional("TxnNo", is_identifier).value_or("");
  q.refund_no = r.optional("RefundNo", is_identifier).value_or("");
  if (!r.ok()) return r.error();
  int given = !q.req_no.empty() + !q.txn_no.empty() + !q.refund_no.empty();
  if (given != 1) {
    return make_error(codes::kInvalidField, "give exactly one of ReqNo, TxnNo, RefundNo", "ReqNo");
  }
  return q;
}

std::string canonical(const RepayRequest& r) {
  return "repay\x1f" + r.agreement_no + "\x1f" + r.credit_card + "\x1f" + std::to_string(r.amount) +
         "\x1f" + r.notify_url;
}

std::string canonical(const RefundRequest& r) {
  return "refund\x1f" + r.orig_txn_no + "\x1f" + std::to_string(r.amount);
}

}  // namespace repay::realtime
