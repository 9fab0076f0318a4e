#include "signing/requests.h"

#include "core/codes.h"
#include "core/fields.h"
#include "core/validate.h"

namespace repay::signing {
namespace {


CardHolder read_holder(FieldReader& r) {
  CardHolder h;
  h.credit_card = r.required("CreditCardNo", is_card_form);
  h.name = r.required("Name", is_name);
  h.id_type = r.required("IdType", is_id_type);
  h.id_no = r.required("IdNo", is_id_no_form);
  h.debit_card = r.required("DebitCardNo", is_card_form);
  return h;
}

std::string join(std::initializer_list<std::string_view> parts) {
  // '\x1f' cannot occur in any field (control characters are not allowed in forms).
  std::string s;
  for (auto p : parts) {
    s.append(p);
    s.push_back('\x1f');
  }
  return s;
}

}  // namespace

Result<Sign3Request> parse_sign3(const Fields& f) {
  FieldReader r(f);
  Sign3Request q;
  q.req_no = r.required("ReqNo", is_identifier);
  q.holder = read_holder(r);
  if (!r.ok()) return r.error();
  return q;
}

Result<QsignApplyRequest> parse_qsign_apply(const Fields& f) {
  FieldReader r(f);
  QsignApplyRequest q;
  q.req_no = r.required("ReqNo", is_identifier);
  q.holder = read_holder(r);
  q.mobile = r.required("Mobile", is_mobile);
  if (!r.ok()) return r.error();
  return q;
}

Result<QsignConfirmRequest> parse_qsign_confirm(const Fields& f) {
  FieldReader r(f);
  QsignConfirmRequest q;
  q.req_no = r.required("ReqNo", is_identifier);
  q.orig_req_no = r.required("OrigReqNo", is_identifier);
  q.sms_code = r.required("SmsCode", is_sms_code);
  if (!r.ok()) return r.error();
  return q;
}

Result<UnsignRequest> parse_unsign(const Fields& f) {
  FieldReader r(f);
  UnsignRequest q;
  q.req_no = r.required("ReqNo", is_identifier);
  q.agreement_no = r.required("AgreementNo", is_identifier);
  if (!r.ok()) return r.error();
  return q;
}

std::optional<std::string> holder_value_error(const CardHolder& h, bool luhn_check) {
  if (luhn_check && (!luhn_ok(h.credit_card) || !luhn_ok(h.debit_card))) return codes::kInvalidCard;
  if (!id_value_ok(h.id_type, h.id_no)) return codes::kInvalidId;
  return std::nullopt;
}

std::string canonical(const Sign3Request& r) {
  const auto& h = r.holder;
  return join({"sign3", h.credit_card, h.name, h.id_type, h.id_no, h.debit_card});
}

std::string canonical(const QsignApplyRequest& r) {
  const auto& h = r.holder;
  return join({"qsign/apply", h.credit_card, h.name, h.id_type, h.id_no, h.debit_card, r.mobile});
}

std::string canonical(const QsignConfirmRequest& r) {
  return join({"qsign/confirm", r.orig_req_no, r.sms_code});
}

std::string canonical(const UnsignRequest& r) { return join({"unsign", r.agreement_no}); }

}  // namespace repay::signing
