// Masking of sensitive numbers (common.md: Sensitive data).
#pragma once

#include <string>
#include <string_view>

namespace repay {

std::string mask_card(std::string_view card);      // first 6 + **** + last 4
std::string mask_id(std::string_view id_no);        // first 3 + **** + last 2
std::string mask_mobile(std::string_view mobile);   // first 3 + **** + last 4
// Values too short to keep those parts are shown as "****" only.

}  // namespace repay
