#include "core/channel_query.h"

#include <doctest/doctest.h>

namespace repay {
namespace {

TEST_CASE("QUERY: a ReqSn of its own, the original's as OrigReqSn, nothing else") {
  const auto call = query_call("COLL01", "RS00000000000009", "RS00000000000003",
                               channel::Priority::kBatch);
  CHECK(call.channel_id == "COLL01");
  CHECK(call.tx_code == "QUERY");
  CHECK(call.req_sn == "RS00000000000009");
  CHECK(call.priority == channel::Priority::kBatch);
  REQUIRE(call.fields.size() == 1);
  CHECK(call.fields[0].first == "OrigReqSn");
  CHECK(call.fields[0].second == "RS00000000000003");
  CHECK(call.not_after == Instant{});  // a QUERY is always worth sending
}

}  // namespace
}  // namespace repay
