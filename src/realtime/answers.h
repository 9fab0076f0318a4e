// What the card center is told about a repayment or a refund: in an answer (repay, refund, query)
// and in a notification (center-api.md). Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/api_answer.h"
#include "realtime/ports.h"

namespace repay::realtime {

// SUCCESS, or FAILED / REJECTED / REFUSED / EXPIRED: the card center's answer is final (a
// repayment's: debit::is_final).
bool is_final(RefundState state);

// Status SUCCESS / FAILED / PROCESSING and the fields of `repay`.
ApiAnswer repay_answer(const RepaymentView& v);
// Status and the fields of `refund`.
ApiAnswer refund_answer(const RefundView& v);

// <Notify> children (center-api.md, Notifications).
std::vector<std::pair<std::string, std::string>> repay_notification(const RepaymentView& v);
std::vector<std::pair<std::string, std::string>> refund_notification(const RefundView& v);

}  // namespace repay::realtime
