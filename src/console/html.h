// The console's HTML: the one place where text becomes markup. Every value that reaches a page
// goes through esc() (or attr()); pages are plain server-rendered HTML with a small inline style
// sheet and no script, so they load fast and work with JavaScript off.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/money.h"

namespace repay::console {

// Escapes & < > " ' for text and attribute values.
std::string esc(std::string_view text);
// Fen as yuan with two decimals ("12.34"), exact (no floating point).
std::string yuan(Fen fen);
// yyyy-MM-dd HH:mm:ss in CST, "-" for the epoch.
std::string when(Instant t);

struct PageUser {
  std::string login;  // "" when nobody is logged in (the login page)
  std::string role;
  std::string csrf;   // for the log-out form
};

// A whole page: head, navigation (for a logged-in user), an optional notice, the body (already
// markup). `notice_kind`: "ok" or "error".
std::string page(std::string_view title, const PageUser& user, std::string_view body,
                 std::string_view notice = {}, std::string_view notice_kind = "ok");
// A hidden input carrying the CSRF token.
std::string csrf_field(std::string_view token);
// <option> elements for a select, `selected` marked.
std::string option(std::string_view value, std::string_view label, std::string_view selected);

}  // namespace repay::console
