// The four signing calls of center-api.md, read from a request's fields. Form errors give 2007
// naming the field; value errors (Luhn 2003, ID 2004) are separate because they are answers that
// were executed (FAILED, stored), not rejections.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "signing/agreement.h"

namespace repay::signing {

using Fields = std::map<std::string, std::string>;

struct Sign3Request {
  std::string req_no;
  CardHolder holder;
};

struct QsignApplyRequest {
  std::string req_no;
  CardHolder holder;
  std::string mobile;
};

struct QsignConfirmRequest {
  std::string req_no;
  std::string orig_req_no;
  std::string sms_code;
};

struct UnsignRequest {
  std::string req_no;
  std::string agreement_no;
};

Result<Sign3Request> parse_sign3(const Fields& f);
Result<QsignApplyRequest> parse_qsign_apply(const Fields& f);
Result<QsignConfirmRequest> parse_qsign_confirm(const Fields& f);
Result<UnsignRequest> parse_unsign(const Fields& f);

// Value checks of the cards and the ID: "2003" (a card fails Luhn, when luhn_check is on),
// "2004" (the ID fails its type's checks), nullopt when all pass.
std::optional<std::string> holder_value_error(const CardHolder& h, bool luhn_check);

// Canonical text of a call's fields: the same call with the same fields gives the same text, so
// a repeated ReqNo can be told apart from a different call under it (2006). Holds card data: only
// its keyed hash is ever stored.
std::string canonical(const Sign3Request& r);
std::string canonical(const QsignApplyRequest& r);
std::string canonical(const QsignConfirmRequest& r);
std::string canonical(const UnsignRequest& r);

}  // namespace repay::signing
