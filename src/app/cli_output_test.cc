#include "app/cli_output.h"

#include <doctest/doctest.h>

#include <sstream>

namespace repay::app {

TEST_CASE("tables: each column as wide as its widest value, numbers right-aligned") {
  Table t({"refundNo", "state", "amount>", "by"});
  t.row({"RF20260101000000000001", "PENDING_REVIEW", "5", "job:reconcile"});
  t.row({"RF2", "SENDING", "123456", ""});
  std::ostringstream out;
  t.print(out);
  CHECK(out.str() ==
        "refundNo                state           amount  by\n"
        "RF20260101000000000001  PENDING_REVIEW       5  job:reconcile\n"
        "RF2                     SENDING         123456\n");
}

TEST_CASE("json objects escape their strings and keep the order of their keys") {
  const std::string j = JsonObject()
                            .str("a", "x\"y\n")
                            .num("n", -3)
                            .boolean("b", true)
                            .time("t", Instant{})
                            .strs("l", {"p", "q"})
                            .done();
  CHECK(j == "{\"a\":\"x\\\"y\\n\",\"n\":-3,\"b\":true,\"t\":null,\"l\":[\"p\",\"q\"]}");
  CHECK(json_array({}) == "[]");
  CHECK(json_time(from_unix_ms(0) + std::chrono::hours(1)) == "\"19700101090000\"");
}

}  // namespace repay::app
