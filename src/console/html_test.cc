#include "console/html.h"

#include <doctest/doctest.h>

namespace repay::console {

TEST_CASE("html: esc makes markup inert") {
  CHECK(esc("<script>alert('x')</script> & \"y\"") ==
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
  CHECK(esc("plain 文字") == "plain 文字");
}

TEST_CASE("html: yuan is exact") {
  CHECK(yuan(0) == "0.00");
  CHECK(yuan(5) == "0.05");
  CHECK(yuan(1234567) == "12345.67");
  CHECK(yuan(-101) == "-1.01");
  CHECK(yuan(INT64_MIN) == "-92233720368547758.08");
}

TEST_CASE("html: a page escapes its title, user and notice") {
  PageUser u{"a<b", "viewer", "tok\"en"};
  const std::string p = page("T<1>", u, "<p>body</p>", "done <now>", "ok");
  CHECK(p.find("T&lt;1&gt;") != std::string::npos);
  CHECK(p.find("a&lt;b") != std::string::npos);
  CHECK(p.find("tok&quot;en") != std::string::npos);
  CHECK(p.find("done &lt;now&gt;") != std::string::npos);
  CHECK(p.find("<p>body</p>") != std::string::npos);
  CHECK(p.find("<script") == std::string::npos);
}

TEST_CASE("html: no navigation for nobody") {
  CHECK(page("Log in", PageUser{}, "").find("/logout") == std::string::npos);
}

}  // namespace repay::console
