// Field forms and value checks of common.md ("Identifiers and field forms"). Pure functions;
// lengths count code points of UTF-8 text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace repay {

// centerId, channelId: [A-Z0-9]{2,16}
bool is_party_id(std::string_view s);
// batchNo, itemId, ReqNo, ReqSn, TxnNo, RefundNo, AgreementNo, ProtocolNo, ChannelTxnNo,
// MerchantId: [0-9A-Za-z_-]{1,32}
bool is_identifier(std::string_view s);
// card number form [0-9]{12,19}
bool is_card_form(std::string_view s);
// Luhn check of a well-formed card number.
bool luhn_ok(std::string_view s);
// IdType: 01 02 03 04 99
bool is_id_type(std::string_view s);
// IdNo form [0-9A-Za-z]{1,32}
bool is_id_no_form(std::string_view s);
// Value check: for 01, 18 chars, GB 11643-1999 check character, real birth date; others: true.
bool id_value_ok(std::string_view id_type, std::string_view id_no);
// Name: 1-64 code points, valid UTF-8, no control character, no '|'.
bool is_name(std::string_view s);
// Mobile: 1[0-9]{10}
bool is_mobile(std::string_view s);
// memo, respMsg, RespMsg: 0-64 code points, valid UTF-8, no control, no '|'.
bool is_text64(std::string_view s);
// RetMsg, OrigRetMsg: 0-128 code points, valid UTF-8, no control character.
bool is_text128(std::string_view s);
// SmsCode: [0-9]{4,8}
bool is_sms_code(std::string_view s);
// X-Nonce: [0-9A-Za-z]{16,64}
bool is_nonce(std::string_view s);
// Amount form 0|[1-9][0-9]{0,10}; returns fen. Value checks (0, limits) are the caller's.
std::optional<int64_t> parse_amount(std::string_view s);
// A header's count or sum of amounts (files.md: totalAmount, Statement and posting headers):
// 0|[1-9][0-9]{0,17}, so that a day or file above the per-item maximum is read whole; fits int64.
std::optional<int64_t> parse_total(std::string_view s);
// Signed form used by netAmount/feeAmount: optional '-' then the amount form ("-0" rejected).
std::optional<int64_t> parse_signed_amount(std::string_view s);
// Code points in valid UTF-8, nullopt when not valid UTF-8.
std::optional<size_t> utf8_length(std::string_view s);
// NotifyUrl: absolute https:// URL <=256 chars, or http:// to loopback (127.0.0.0/8, localhost, [::1]).
bool is_notify_url(std::string_view s);

}  // namespace repay
