// Logging every message to and from card centers and bank channels (processor.log_messages, off
// by default): one JSON line per message with its body, sensitive fields masked. Bodies are the
// XML messages of center-api.md and channel-api.md; headers (signatures) are never logged.
#pragma once

#include <string>
#include <string_view>

namespace repay::log {

void set_message_logging(bool on);
bool message_logging();

// The body with sensitive values masked (common.md, Sensitive data): card numbers (CreditCardNo,
// DebitCardNo, CardNo) as first 6 + **** + last 4, IdNo as first 3 + **** + last 2, Mobile as
// first 3 + **** + last 4; SmsCode, ProtocolNo and Name wholly as ****. Then, as a safety net,
// any run of 13 or more digits (or 17 digits and an X) not glued to a letter in front is masked
// as a card: whatever field a number hides in, it never reaches the log in full.
std::string mask_message(std::string_view body);

// Logs one message when message logging is on (info level, event "message"):
// peer "center" or "channel", its id, direction "in" or "out", what (txCode, path or status).
void message(std::string_view peer, std::string_view peer_id, std::string_view direction,
             std::string_view what, std::string_view body);

}  // namespace repay::log
