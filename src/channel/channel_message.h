// The messages of channel-api.md, apart from any transport: building and signing what we send,
// and reading what a channel answers into the outcome classes of codes.md. Pure apart from the
// clock (timestamps) and the nonce generator; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "channel/channel_client.h"
#include "core/clock.h"

namespace repay::channel {

// The path of a base URL, no trailing slash: "https://bank.example/bank" -> "/bank",
// "http://127.0.0.1:9000" -> "".
std::string url_path(const std::string& base_url);

// One HTTP request, signed and ready to send.
struct OutgoingRequest {
  std::string method;                // "POST" or "GET"
  std::string url;                   // absolute
  std::string target;                // what was signed: method, space, path and query
  std::string body;
  std::vector<std::string> headers;  // "Name: value" lines
};

// POST <base>/gateway with <ChannelRequest>: TxCode, MerchantId, ReqSn, ReqTime (CST, from the
// clock) first, then the call's fields (any of those four names in call.fields is dropped),
// signed with secrets[0] as merchant_id over "POST <base path>/gateway" (common.md: Signatures).
// Each call signs afresh (new timestamp and nonce). endpoint.secrets must not be empty.
OutgoingRequest build_gateway_request(const ChannelEndpoint& endpoint, const ChannelCall& call,
                                      const Clock& clock);

// GET <base>/statement?date=yyyyMMdd, signed over an empty body.
OutgoingRequest build_statement_request(const ChannelEndpoint& endpoint, Date date,
                                        const Clock& clock);

// True for a RetCode of codes.md "Channel's" table (0000 1000 2000 3001..3007 3099 4001 9001 9999).
bool is_listed_ret_code(std::string_view ret_code);

// What came back over HTTP.
struct HttpAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// "" when the answer is signed by the channel: X-Sender-Id equals endpoint.channel_id and the
// signature (target "") verifies under one of endpoint.secrets within the timestamp window;
// otherwise why not (no card data).
std::string check_answer_signature(const ChannelEndpoint& endpoint,
                                   const std::map<std::string, std::string>& headers,
                                   std::string_view body, const Clock& clock);

// Reads a gateway answer (channel-api.md, codes.md):
//   HTTP 429                                   -> kBusy (ret_code "", mapping kBusy)
//   HTTP 200, signed by the channel, root ChannelResponse, TxCode and ReqSn those of `sent`,
//   RetCode listed:  9001                      -> kBusy (ret_code "9001", fields set)
//                    any other                 -> kAnswered, mapping = map_channel_code(RetCode)
//                                                 (9999 reads kAnswered with mapping.cls kUnknown)
//   anything else                              -> kUnknown with a detail
// Sets http_status always; fields, ret_code and ret_msg only for kAnswered and kBusy-by-RetCode.
// Leaves elapsed to the caller.
ChannelResult classify_answer(const ChannelEndpoint& endpoint, const ChannelCall& sent,
                              const HttpAnswer& answer, const Clock& clock);

}  // namespace repay::channel
