#include "channel/channel_notify.h"

#include "core/codes.h"
#include "wire/signature.h"
#include "wire/xml.h"

namespace repay::channel {
namespace {

std::string get(const std::map<std::string, std::string>& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace

Result<ChannelNotify> parse_channel_notify(const std::string& channel_id,
                                           const std::map<std::string, std::string>& lower_case_headers,
                                           const std::string& target, const std::string& body,
                                           const std::vector<std::string>& secrets,
                                           const Clock& clock) {
  wire::SignedHeaders h;
  h.sender_id = get(lower_case_headers, "x-sender-id");
  h.timestamp = get(lower_case_headers, "x-timestamp");
  h.nonce = get(lower_case_headers, "x-nonce");
  h.signature = get(lower_case_headers, "x-signature");
  if (h.sender_id != channel_id) {
    return make_error(codes::kSignatureRejected, "X-Sender-Id is not the channel", "X-Sender-Id");
  }
  auto check = wire::verify_message(h, secrets, clock, target, body);
  if (check != wire::SignatureCheck::kOk) {
    return make_error(codes::kSignatureRejected,
                      "notification signature rejected: " + std::string(wire::to_string(check)),
                      "X-Signature");
  }
  auto parsed = wire::parse_xml_message(body);
  if (!parsed) {
    Error e = parsed.error();
    e.code = codes::kInvalidField;
    return e;
  }
  if (parsed->root != "ChannelNotify") {
    return make_error(codes::kInvalidField, "root element is not ChannelNotify");
  }
  ChannelNotify n;
  n.channel_id = channel_id;
  n.fields = std::move(parsed->fields);
  n.nonce = h.nonce;
  return n;
}

}  // namespace repay::channel
