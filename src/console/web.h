// Small HTTP pieces of the console: form and query decoding, cookies, and the responses it sends
// (HTML with security headers, redirects).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/http_server.h"

namespace repay::console {

// application/x-www-form-urlencoded (also a query string): '+' is a space, %XX a byte; a
// malformed escape is kept as it is. Later duplicates are ignored.
std::map<std::string, std::string> parse_form(std::string_view body);
// Percent-encodes for a query value.
std::string url_encode(std::string_view text);
// The value of cookie `name` in the Cookie header; "" when absent.
std::string cookie(const server::HttpRequest& req, std::string_view name);

// HTML with no-store caching and a strict Content-Security-Policy (no script at all, forms to
// this origin only, no framing).
server::HttpResponse html(int status, std::string body);
// 303 See Other to `location` (after a POST: the browser then GETs it).
server::HttpResponse redirect(const std::string& location);

}  // namespace repay::console
