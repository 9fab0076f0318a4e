// The real-time calls of center-api.md read from a request's fields (forms: 2007 naming the field).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/money.h"
#include "core/result.h"

namespace repay::realtime {

using Fields = std::map<std::string, std::string>;

struct RepayRequest {
  std::string req_no;
  std::string agreement_no;
  std::string credit_card;
  Fen amount = 0;
  std::string notify_url;  // "" when absent
};

struct RefundRequest {
  std::string req_no;
  std::string orig_txn_no;
  Fen amount = 0;
  std::string notify_url;  // not in the contract's fields; the center's default is used
};

struct QueryRequest {
  std::string type = "REPAY";  // REPAY or REFUND
  std::string req_no;          // one of these three
  std::string txn_no;
  std::string refund_no;
};

Result<RepayRequest> parse_repay(const Fields& f);
Result<RefundRequest> parse_refund(const Fields& f);
Result<QueryRequest> parse_query(const Fields& f);

// Canonical text of a call's fields, for telling a retry from a different call under one ReqNo.
std::string canonical(const RepayRequest& r);
std::string canonical(const RefundRequest& r);

}  // namespace repay::realtime
