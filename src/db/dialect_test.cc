#include "db/dialect.h"

#include <doctest/doctest.h>

namespace repay::db {

TEST_CASE("number_placeholders: ? in order, as $1, $2, ...") {
  CHECK(number_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)") ==
        "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  CHECK(number_placeholders("UPDATE t SET n = n + ? WHERE k = ? RETURNING n") ==
        "UPDATE t SET n = n + $1 WHERE k = $2 RETURNING n");
  CHECK(number_placeholders("SELECT 1") == "SELECT 1");
  CHECK(number_placeholders("") == "");
}

TEST_CASE("number_placeholders: a ? in quoted text, a quoted name or a comment is left alone") {
  CHECK(number_placeholders("SELECT '?' || ? FROM t") == "SELECT '?' || $1 FROM t");
  CHECK(number_placeholders("SELECT 'it''s ?' , ? FROM t") == "SELECT 'it''s ?' , $1 FROM t");
  CHECK(number_placeholders("SELECT \"odd?name\" FROM t WHERE a = ?") ==
        "SELECT \"odd?name\" FROM t WHERE a = $1");
  CHECK(number_placeholders("SELECT ? -- why?\nFROM t WHERE a = ?") ==
        "SELECT $1 -- why?\nFROM t WHERE a = $2");
  CHECK(number_placeholders("SELECT /* ? */ ? FROM t") == "SELECT /* ? */ $1 FROM t");
  // Unterminated: the rest is copied as it is.
  CHECK(number_placeholders("SELECT 'open ? ") == "SELECT 'open ? ");
  CHECK(number_placeholders("SELECT ? -- to the end ?") == "SELECT $1 -- to the end ?");
}

}  // namespace repay::db
