// Pieces of the notification outbox (store/notify_sql.cc) beyond the NotificationOutbox port:
// the body's storage form and a lookup by id for operators.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "realtime/notification.h"
#include "store/db.h"

namespace repay::store {

using NotifyFields = std::vector<std::pair<std::string, std::string>>;

// "name=value" lines joined by "\n"; in values "\" is written "\\", a line feed "\n" and a
// carriage return "\r". Names are XML element names (no "=", no line break).
std::string encode_notify_fields(const NotifyFields& fields);
// The inverse; a line without "=" or a bad escape is an error (code "DB": the row is corrupt).
Result<NotifyFields> decode_notify_fields(std::string_view text);

// Leases one notification read as due at `now` until `until`: true when this call took it, false
// when it is no longer PENDING and due at `now` (another worker leased or settled it since it
// was read). The guard that keeps a lease one worker's without a single writer.
Result<bool> lease_notification(Connection& c, int64_t id, Instant now, Instant until);

// The notification with this id, nullopt when there is none.
Result<std::optional<realtime::Notification>> find_notification(Connection& c, int64_t id);

}  // namespace repay::store
