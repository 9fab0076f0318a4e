#include "core/message_log.h"

#include <atomic>
#include <cctype>

#include "core/log.h"
#include "core/mask.h"

namespace repay::log {
namespace {

std::atomic<bool> g_messages{false};

enum class How { kCard, kId, kMobile, kWhole };

struct Sensitive {
  std::string_view tag;
  How how;
};

constexpr Sensitive kSensitive[] = {
    {"CreditCardNo", How::kCard}, {"DebitCardNo", How::kCard}, {"CardNo", How::kCard},
    {"IdNo", How::kId},           {"Mobile", How::kMobile},    {"SmsCode", How::kWhole},
    {"ProtocolNo", How::kWhole},  {"Name", How::kWhole},
};

std::string masked(std::string_view v, How how) {
  switch (how) {
    case How::kCard: return mask_card(v);
    case How::kId: return mask_id(v);
    case How::kMobile: return mask_mobile(v);
    case How::kWhole: return v.empty() ? "" : "****";
  }
  return "****";
}

// Replaces the content of every <tag>...</tag> element.
std::string mask_elements(std::string text, std::string_view tag, How how) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = text.find(open, pos)) != std::string::npos) {
    size_t start = pos + open.size();
    size_t end = text.find(close, start);
    if (end == std::string::npos) {  // cut off: mask to the end
      text.replace(start, std::string::npos, "****");
      break;
    }
    std::string m = masked(std::string_view(text).substr(start, end - start), how);
    text.replace(start, end - start, m);
    pos = start + m.size() + close.size();
  }
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// The safety net: long digit runs not glued to a letter in front (TxnNo "T2026...", ReqSn
// "RS...", AgreementNo "AG..." are ours and stay readable).
std::string mask_long_numbers(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i]) || (i > 0 && (is_alpha(text[i - 1]) || is_digit(text[i - 1])))) {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_digit(text[j])) ++j;
    size_t end = j;
    if (j - i == 17 && j < text.size() && (text[j] == 'X' || text[j] == 'x')) end = j + 1;
    if (end - i >= 13) {
      out += mask_card(std::string_view(text).substr(i, end - i));
    } else {
      out.append(text, i, end - i);
    }
    i = end;
  }
  return out;
}

}  // namespace

void set_message_logging(bool on) { g_messages.store(on); }
bool message_logging() { return g_messages.load(); }

std::string mask_message(std::string_view body) {
  std::string text(body);
  for (const auto& s : kSensitive) text = mask_elements(std::move(text), s.tag, s.how);
  return mask_long_numbers(text);
}

void message(std::string_view peer, std::string_view peer_id, std::string_view direction,
             std::string_view what, std::string_view body) {
  if (!message_logging() || !enabled(Level::kInfo)) return;
  info("message", {{"peer", std::string(peer)},
                   {"peer_id", std::string(peer_id)},
                   {"dir", std::string(direction)},
                   {"what", std::string(what)},
                   {"body", mask_message(body)}});
}

}  // namespace repay::log
