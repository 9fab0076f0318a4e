// The statement fetch of channel-api.md ("Statement"), synchronous on one easy handle.
#pragma once

#include <string>

#include <curl/curl.h>

#include "channel/channel_client.h"
#include "core/clock.h"
#include "core/result.h"

namespace repay::channel {

// GET <base>/statement?date=yyyyMMdd on `easy` (reused: its connection stays open), signed over
// an empty body; the 200 answer must be signed by the channel (target "", body = the statement).
// Errors: "NOT_READY" on 404; "IO" for anything else (transport, other status, bad signature).
// Not thread-safe for one `easy`: the caller serialises.
Result<std::string> fetch_statement_on(CURL* easy, const ChannelEndpoint& endpoint, Date date,
                                       const Clock& clock);

}  // namespace repay::channel
