// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/url.h"

#include <catch2/catch.hpp>

namespace vigia::notifier::detail {
namespace {

TEST_CASE("Receiver URLs are split into scheme, host, port and target", "[notifier][url]") {
  auto u = ParseUrl("HTTPS://Hooks.Example:8443/a/b?x=1#frag");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "hooks.example");
  CHECK(u->port == 8443);
  CHECK_FALSE(u->default_port);
  CHECK(u->target == "/a/b?x=1");
  CHECK(u->tls());
  CHECK(u->HostHeader() == "hooks.example:8443");

  SECTION("default ports") {
    CHECK(ParseUrl("http://h")->port == 80);
    CHECK(ParseUrl("http://h")->target == "/");
    CHECK(ParseUrl("https://h")->port == 443);
    CHECK(ParseUrl("smtp://h")->port == 587);
    CHECK(ParseUrl("smtps://h")->port == 465);
    CHECK(ParseUrl("http://h:80/")->default_port);
    CHECK(ParseUrl("http://h:80/")->HostHeader() == "h");
    CHECK(ParseUrl("http://h?q")->target == "/?q");
  }
  SECTION("userinfo is decoded and kept apart") {
    auto v = ParseUrl("http://us%40er:p%3Ass@127.0.0.1:9000/sms");
    REQUIRE(v);
    CHECK(v->user == "us@er");
    CHECK(v->password == "p:ss");
    CHECK(v->host == "127.0.0.1");
    CHECK(v->host_is_ip());
    CHECK(v->HostHeader() == "127.0.0.1:9000");
  }
  SECTION("IPv6 literals") {
    auto v = ParseUrl("http://[::1]:9093");
    REQUIRE(v);
    CHECK(v->host == "::1");
    CHECK(v->port == 9093);
    CHECK(v->host_is_ip());
    CHECK(v->HostHeader() == "[::1]:9093");
  }
}

TEST_CASE("Bad receiver URLs are refused without quoting them", "[notifier][url]") {
  for (const char* bad :
       {"ftp://h/", "h:80", "http://", "http://h:0", "http://h:65536", "http://h:x", "http://[::1",
        "http://[nope]:1", "http://a b/", "http://u:%zz@h/", "http://h/a b"}) {
    INFO(bad);
    auto u = ParseUrl(bad);
    REQUIRE_FALSE(u);
    CHECK(u.error().find(bad) == std::string::npos);
  }
  CHECK(ParseUrl("http://user:hunter2@h:x").error().find("hunter2") == std::string::npos);
}

TEST_CASE("JoinPath puts exactly one slash between base and path", "[notifier][url]") {
  CHECK(JoinPath("/", "api/v2/alerts") == "/api/v2/alerts");
  CHECK(JoinPath("", "api/v2/alerts") == "/api/v2/alerts");
  CHECK(JoinPath("/am", "api/v2/alerts") == "/am/api/v2/alerts");
  CHECK(JoinPath("/am/", "/api/v2/alerts") == "/am/api/v2/alerts");
  CHECK(JoinPath("/am//", "api/v2/alerts") == "/am/api/v2/alerts");
  CHECK(JoinPath("/am/?t=1", "api/v2/alerts") == "/am/api/v2/alerts?t=1");
}

}  // namespace
}  // namespace vigia::notifier::detail
