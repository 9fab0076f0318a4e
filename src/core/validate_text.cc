// Text forms of common.md: UTF-8, code-point lengths, control characters, NotifyUrl.
#include <cstdint>

#include "core/validate.h"

namespace repay {
namespace {

// Decodes the code point at s[i], advancing i; nullopt when the bytes are not strict UTF-8
// (overlong forms, surrogates and values above U+10FFFF are rejected).
std::optional<uint32_t> next_code_point(std::string_view s, size_t& i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  size_t n;
  uint32_t cp;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + n >= s.size()) return std::nullopt;  // truncated sequence
  for (size_t k = 1; k <= n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += n + 1;
  return cp;
}

// C0, DEL and C1 controls.
bool is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Valid UTF-8 of min..max code points, none a control character, and no '|' when no_bar.
bool is_text(std::string_view s, size_t min, size_t max, bool no_bar) {
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    auto cp = next_code_point(s, i);
    if (!cp || is_control(*cp) || (no_bar && *cp == '|')) return false;
    if (++count > max) return false;
  }
  return count >= min;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Dotted-quad IPv4 with each part 0..255 and no leading zeros; fills the first octet.
bool parse_ipv4(std::string_view h, int& first) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t j = i;
    while (j < h.size() && is_digit(h[j])) ++j;
    if (j == i || j - i > 3 || (j - i > 1 && h[i] == '0')) return false;
    int v = 0;
    for (size_t k = i; k < j; ++k) v = v * 10 + (h[k] - '0');
    if (v > 255) return false;
    if (parts == 0) first = v;
    ++parts;
    if (j == h.size()) break;
    if (h[j] != '.' || parts == 4) return false;
    i = j + 1;
  }
  return parts == 4;
}

// A host name: dot-separated non-empty labels of [A-Za-z0-9-].
bool is_reg_name(std::string_view h) {
  if (h.empty() || h.front() == '.' || h.back() == '.') return false;
  char prev = '.';
  for (char c : h) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

bool is_loopback(std::string_view host) {
  int first = 0;
  if (parse_ipv4(host, first)) return first == 127;
  return iequals(host, "localhost") || host == "[::1]";
}

// Characters allowed in the path and query of a URL (RFC 3986 pchar plus '/' and '?'), with
// '%' checked as a percent-encoding. No spaces, controls, non-ASCII or fragment.
bool is_path_and_query(std::string_view s) {
  static constexpr std::string_view kExtra = "-._~!$&'()*+,;=:@/?";
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
      continue;
    }
    bool alnum = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && kExtra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::optional<size_t> utf8_length(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    if (!next_code_point(s, i)) return std::nullopt;
  }
  return count;
}

bool is_name(std::string_view s) { return is_text(s, 1, 64, true); }
bool is_text64(std::string_view s) { return is_text(s, 0, 64, true); }
bool is_text128(std::string_view s) { return is_text(s, 0, 128, false); }

bool is_notify_url(std::string_view s) {
  // common.md: an absolute https:// URL of at most 256 characters; http:// only to loopback.
  // Only ASCII is accepted, so bytes and characters count the same.
  if (s.size() > 256) return false;
  bool https;
  std::string_view rest;
  if (s.starts_with("https://")) {
    https = true, rest = s.substr(8);
  } else if (s.starts_with("http://")) {
    https = false, rest = s.substr(7);
  } else {
    return false;
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (!is_path_and_query(path)) return false;  // also rejects a '#' fragment

  // authority = host [":" port]; no user information (it would hide the real host).
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!is_hex(c) && c != ':' && c != '.') return false;
    }
    if (host.size() < 4) return false;
  } else {
    host = authority.substr(0, authority.find(':'));
    if (!is_reg_name(host)) return false;
  }
  std::string_view port_part = authority.substr(host.size());
  if (!port_part.empty()) {
    if (port_part[0] != ':' || port_part.size() < 2 || port_part.size() > 6) return false;
    int port = 0;
    for (char c : port_part.substr(1)) {
      if (!is_digit(c)) return false;
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return false;
  }
  return https || is_loopback(host);
}

}  // namespace repay
