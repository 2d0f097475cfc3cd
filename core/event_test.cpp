// SPDX-License-Identifier: Apache-2.0
#include "core/event.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>

#include "core/detail/json_text.h"

namespace vigia {
namespace {

// The example event of events.md, built by hand.
Event Example() {
  Event e;
  e.id = "redtdt-2017-000412";
  e.type = "report";
  e.time = *ParseRfc3339("2017-03-23T08:15:00Z");
  e.source = "red-tdt";
  e.region = "MX-CHH";
  e.municipality = "Chihuahua";
  e.groups = {"journalist", "women_hrd"};
  e.subject = "p-7f3a9c";
  e.category = "threat";
  e.severity = 3;
  e.tags = {"social_media"};
  e.attrs = {{"channel", {false, Scalar::String("twitter"), {}}},
             {"community", {false, Scalar::String("raramuri-choguita"), {}}}};
  return e;
}

constexpr std::string_view kExampleJson =
    R"({"id":"redtdt-2017-000412","type":"report","time":"2017-03-23T08:15:00Z",)"
    R"("source":"red-tdt","region":"MX-CHH","municipality":"Chihuahua",)"
    R"("groups":["journalist","women_hrd"],"subject":"p-7f3a9c","category":"threat",)"
    R"("severity":3,"tags":["social_media"],)"
    R"("attrs":{"channel":"twitter","community":"raramuri-choguita"}})";

TEST_CASE("scalars compare by kind and value", "[core][event]") {
  CHECK(Scalar::Null() == Scalar::Null());
  CHECK(Scalar::Bool(true) == Scalar::Bool(true));
  CHECK_FALSE(Scalar::Bool(true) == Scalar::Bool(false));
  CHECK(Scalar::String("a") == Scalar::String("a"));
  CHECK_FALSE(Scalar::String("a") == Scalar::String("b"));
  CHECK_FALSE(Scalar::String("3") == Scalar::Number(3, "3"));
  CHECK_FALSE(Scalar::Null() == Scalar::Bool(false));
  CHECK_FALSE(Scalar::Number(0, "0") == Scalar::Bool(false));
  SECTION("numbers by value, whatever their text") {
    CHECK(Scalar::Number(3, "3") == Scalar::Number(3, "3.0"));
    CHECK(Scalar::Number(100, "1e2") == Scalar::Number(100, "100"));
    CHECK_FALSE(Scalar::Number(3, "3") == Scalar::Number(3.5, "3.5"));
  }
}

TEST_CASE("FindAttr finds attributes by exact name", "[core][event]") {
  Event e = Example();
  REQUIRE(e.FindAttr("channel") != nullptr);
  CHECK(e.FindAttr("channel")->scalar.text == "twitter");
  REQUIRE(e.FindAttr("community") != nullptr);
  CHECK(e.FindAttr("community")->scalar.text == "raramuri-choguita");
  CHECK(e.FindAttr("Channel") == nullptr);
  CHECK(e.FindAttr("chan") == nullptr);
  CHECK(e.FindAttr("zzz") == nullptr);
  CHECK(e.FindAttr("") == nullptr);
  CHECK(Event().FindAttr("channel") == nullptr);
}

TEST_CASE("canonical JSON has the spec's field order and no whitespace", "[core][event]") {
  CHECK(CanonicalJson(Example()) == kExampleJson);
}

TEST_CASE("canonical JSON leaves out absent optional fields", "[core][event]") {
  Event e;
  e.id = "x";
  e.type = "panic";
  e.time = 250'000;
  e.source = "s";
  e.region = "MX-GRO";
  CHECK(
      CanonicalJson(e) ==
      R"({"id":"x","type":"panic","time":"1970-01-01T00:00:00.25Z","source":"s","region":"MX-GRO"})");
}

TEST_CASE("canonical JSON escapes strings and keeps numbers as written", "[core][event]") {
  Event e;
  e.id = "a\"b\\c";
  e.type = "report";
  e.source = "s";
  e.region = "MX-GRO";
  e.subject = std::string("line\nbreak\ttab\x01\x7f ñ", 19);
  e.attrs = {
      {"big", {false, Scalar::Number(1.2345678901234568e19, "12345678901234567890"), {}}},
      {"list",
       {true,
        {},
        {Scalar::Null(), Scalar::Bool(false), Scalar::Number(2.5, "2.5"), Scalar::String("x")}}},
      {"made", {false, Scalar::Number(0.5, ""), {}}}};
  CHECK(CanonicalJson(e) ==
        "{\"id\":\"a\\\"b\\\\c\",\"type\":\"report\",\"time\":\"1970-01-01T00:00:00Z\","
        "\"source\":\"s\",\"region\":\"MX-GRO\",\"subject\":\"line\\nbreak\\ttab\\u0001\x7f ñ\","
        "\"attrs\":{\"big\":12345678901234567890,\"list\":[null,false,2.5,\"x\"],\"made\":0.5}}");
}

// AppendJsonString's rule one byte at a time, as the reference.
std::string QuoteByteByByte(std::string_view s) {
  static const std::map<char, std::string> kShort = {{'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"},
                                                     {'\r', "\\r"}, {'\t', "\\t"},  {'\b', "\\b"},
                                                     {'\f', "\\f"}};
  std::string out = "\"";
  for (char ch : s) {
    if (auto it = kShort.find(ch); it != kShort.end()) {
      out += it->second;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(ch));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

TEST_CASE("strings are escaped alike wherever the byte to escape falls", "[core][event]") {
  // The check runs 8 bytes at a time with the last word overlapping: every
  // length up to 40, every position, every byte value must give the same text.
  for (size_t n = 0; n <= 40; ++n) {
    const std::string clean(n, 'a');
    std::string out;
    detail::AppendJsonString(out, clean);
    CHECK(out == QuoteByteByByte(clean));
    for (size_t at = 0; at < n; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s = clean;
        s[at] = static_cast<char>(b);
        out = "prefix";
        detail::AppendJsonString(out, s);
        if (out != "prefix" + QuoteByteByByte(s)) {
          FAIL("length " << n << ", byte " << b << " at " << at << ": " << out);
        }
      }
    }
  }
  SUCCEED("every length, position and byte");
}

TEST_CASE("a severity outside the decoder's range still renders as its number", "[core][event]") {
  Event e = Example();
  e.severity = 12;
  CHECK(CanonicalJson(e).find(",\"severity\":12,") != std::string::npos);
  e.severity = -3;
  CHECK(CanonicalJson(e).find(",\"severity\":-3,") != std::string::npos);
  e.severity = 4;
  CHECK(CanonicalJson(e).find(",\"severity\":4,") != std::string::npos);
}

TEST_CASE("the content hash tells apart the same bytes in other places", "[core][event]") {
  Event a = Example(), b = Example();
  a.subject = "x";
  b.subject.reset();
  b.municipality = "x";
  CHECK(ContentHash(a) != ContentHash(b));
  a = Example(), b = Example();
  a.tags = {"a", "b"};
  b.tags = {"ab"};
  CHECK(ContentHash(a) != ContentHash(b));
  a = Example(), b = Example();
  a.attrs = {{"n", {false, Scalar::Number(3, "3"), {}}}};
  b.attrs = {{"n", {false, Scalar::String("3"), {}}}};
  CHECK(ContentHash(a) != ContentHash(b));
  a.attrs = {{"n", {false, Scalar::Number(3, "3"), {}}}};
  b.attrs = {{"n", {false, Scalar::Number(3, "3.0"), {}}}};
  CHECK(ContentHash(a) != ContentHash(b));  // numbers as written, like CanonicalJson
}

TEST_CASE("the content hash ignores journal fields and sees every content field", "[core][event]") {
  const Event base = Example();
  Event e = base;
  e.seq = 99;
  e.arrival = 12345;
  CHECK(ContentHash(e) == ContentHash(base));
  e = base;
  e.time += 1;
  CHECK(ContentHash(e) != ContentHash(base));
  e = base;
  e.tags.push_back("x");
  CHECK(ContentHash(e) != ContentHash(base));
  e = base;
  e.attrs[0].second.scalar.text = "telegram";
  CHECK(ContentHash(e) != ContentHash(base));
  e = base;
  e.severity.reset();
  CHECK(ContentHash(e) != ContentHash(base));
}

}  // namespace
}  // namespace vigia
