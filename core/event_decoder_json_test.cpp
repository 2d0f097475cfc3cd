// SPDX-License-Identifier: Apache-2.0
// Malformed JSON, the id in error replies, message bounds and the reply shapes.
#include <catch2/catch.hpp>
#include <string>

#include "core/detail/decoder_test_util.h"
#include "core/event_decoder.h"

namespace vigia {
namespace {

using test::Err;
using test::Fields;
using test::Ok;

// The malformed_json message for `json`, checking the code on the way.
std::string Malformed(std::string_view json) {
  EventError err = Err(json);
  INFO(json);
  CHECK(err.code == ErrorCode::kMalformedJson);
  CHECK(err.field.empty());
  return err.message;
}

TEST_CASE("malformed JSON is rejected with the byte offset of the first error",
          "[core][decoder][json]") {
  CHECK(Malformed("") == "invalid JSON at byte 0: empty input");
  CHECK(Malformed("  \n") == "invalid JSON at byte 3: no JSON value, only whitespace");
  CHECK(Malformed(R"({"id": "a",})") ==
        "invalid JSON at byte 11: expected a string key, found character '}'");
  CHECK(Malformed(R"({"id" "a"})") == "invalid JSON at byte 6: expected ':' after an object key");
  CHECK(Malformed(R"({"id": "a" "type": "b"})") ==
        "invalid JSON at byte 11: expected ',' or '}' after an object member");
  CHECK(Malformed(R"({"id": "a)") == "invalid JSON at byte 9: unterminated string");
  CHECK(Malformed(R"({"id": tru})") == "invalid JSON at byte 7: invalid literal");
  CHECK(Malformed(R"({'id': 1})") ==
        "invalid JSON at byte 1: expected a string key, found character '''");
  CHECK(Malformed("{\"id\": \"a\x01\"}") ==
        "invalid JSON at byte 9: unescaped control character in a string");
  CHECK(Malformed(R"({"id": "\x"})") == "invalid JSON at byte 9: invalid escape sequence");
  CHECK(Malformed("{\"id\": \"a\"") == "invalid JSON at byte 10: unexpected end of input");
}

TEST_CASE("garbage after the object is malformed", "[core][decoder][json]") {
  const std::string valid = Fields::Valid().Json();
  CHECK(Malformed(valid + "x") == "invalid JSON at byte " + std::to_string(valid.size()) +
                                      ": unexpected data after the JSON value");
  CHECK(Err(valid + " {}").code == ErrorCode::kMalformedJson);
  CHECK(Err(valid + "}").code == ErrorCode::kMalformedJson);
  CHECK(Err(valid + "]").code == ErrorCode::kMalformedJson);
  CHECK(Err(valid + valid).code == ErrorCode::kMalformedJson);
  CHECK(Err(valid + "\n\"tail\"").code == ErrorCode::kMalformedJson);
  Ok(valid + " \n\t\r");
}

TEST_CASE("invalid UTF-8 is malformed, wherever it is", "[core][decoder][json]") {
  for (const char* bad : {"\xC3", "\xC3\x28", "\xE2\x82", "\xED\xA0\x80" /* a surrogate */,
                          "\xC0\xAF" /* overlong */, "\xF4\x90\x80\x80" /* > U+10FFFF */, "\xFF"}) {
    CHECK(Malformed(Fields::Valid().Set("subject", std::string("\"p") + bad + "\"").Json())
              .find("invalid UTF-8") != std::string::npos);
    CHECK(Err(Fields::Valid().Set("attrs", std::string("{\"k\":\"") + bad + "\"}").Json()).code ==
          ErrorCode::kMalformedJson);
    CHECK(Err(Fields::Valid().Json() + bad).code == ErrorCode::kMalformedJson);
  }
  CHECK(Malformed("\xEF\xBB\xBF{}").rfind("invalid JSON at byte 0", 0) == 0);  // no BOM
  CHECK(Ok(Fields::Valid().Set("subject", "\"\xF0\x9F\x98\x80 \xE2\x82\xAC\"").Json()).subject);
}

TEST_CASE("unpaired surrogate escapes are malformed", "[core][decoder][json]") {
  for (const char* bad : {R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\ud800x")"}) {
    INFO(bad);
    CHECK(Err(Fields::Valid().Set("subject", bad).Json()).code == ErrorCode::kMalformedJson);
  }
}

TEST_CASE("a syntax error anywhere wins over a field error before it", "[core][decoder][json]") {
  CHECK(Err(R"({"regoin": "MX-CHH", "id": )").code == ErrorCode::kMalformedJson);
  CHECK(Err(R"({"type": "alert", "x": [1,]})").code == ErrorCode::kMalformedJson);
  CHECK(Err(R"({"severity": 9, "attrs": {"n": 01}})").code == ErrorCode::kMalformedJson);
  CHECK(Err(R"({"id": 1, "attrs": {"n": -}})").code == ErrorCode::kMalformedJson);
  CHECK(Err(R"({"id": 1, "attrs": {"n": nul}})").code == ErrorCode::kMalformedJson);
  CHECK(Err(R"({"time": "x"} garbage)").code == ErrorCode::kMalformedJson);
  CHECK(Err(Fields::Valid().Set("region", "\"MX-XXX\"").Json() + ",").code ==
        ErrorCode::kMalformedJson);
}

TEST_CASE("malformed numbers and literals inside fields are caught", "[core][decoder][json]") {
  for (const char* bad : {"01", "1.", ".5", "+1", "1e", "--1", "0x10", "1.5.2", "NaN", "Infinity",
                          "truee", "nulll", "fals"}) {
    INFO(bad);
    CHECK(Err(Fields::Valid().Set("attrs", std::string("{\"n\":") + bad + "}").Json()).code ==
          ErrorCode::kMalformedJson);
    CHECK(Err(Fields::Valid().Set("attrs", std::string("{\"n\":[") + bad + "]}").Json()).code ==
          ErrorCode::kMalformedJson);
    CHECK(Err(Fields::Valid().Set("severity", bad).Json()).code == ErrorCode::kMalformedJson);
  }
}

TEST_CASE("binary garbage is malformed, never a crash", "[core][decoder][json]") {
  const std::string garbage("\x00\x01\x7f\x80\xff{\"\\", 9);
  CHECK(Err(garbage).code == ErrorCode::kMalformedJson);
  CHECK(Err(std::string(1, '\0')).code == ErrorCode::kMalformedJson);
  CHECK(Err(std::string("{\"id\":\"a\"}\0", 11)).code == ErrorCode::kMalformedJson);
}

TEST_CASE("the id is reported whenever it could be read", "[core][decoder][json]") {
  SECTION("read before the bad field") {
    CHECK(Err(Fields::Valid().Set("severity", "9").Json()).id == "redtdt-2017-000412");
  }
  SECTION("after the bad field") {
    CHECK(Err(R"({"severity": 9, "id": "late-id"})").id == "late-id");
    CHECK(Err(R"({"regoin": 1, "id": "late-id"})").id == "late-id");
  }
  SECTION("with a missing field") {
    CHECK(Err(Fields::Valid().Drop("time").Json()).id == "redtdt-2017-000412");
  }
  SECTION("in malformed JSON when the object reads up to it") {
    CHECK(Err(R"({"id": "x-1", "type": "report",)").id == "x-1");
  }
  SECTION("not when the id itself is bad") {
    CHECK(Err(R"({"id": 12, "type": "alert"})").id.empty());
    CHECK(Err(R"({"type": "alert", "id": ""})").id.empty());
    CHECK(Err(R"({"type": "alert", "id": "a\nb"})").id.empty());
  }
  SECTION("not for too_large") {
    CHECK(Err(Fields::Valid().Json(), {.max_message = 20}).id.empty());
  }
}

TEST_CASE("messages never echo more than 64 bytes of input", "[core][decoder][json]") {
  const std::string huge(10'000, 'q');
  EventError time = Err(Fields::Valid().Set("time", test::Str(huge)).Json());
  CHECK(time.message.size() < 150);
  CHECK(time.message.find(std::string(64, 'q') + "\u2026\"") != std::string::npos);
  CHECK(time.message.find(std::string(65, 'q')) == std::string::npos);
  EventError field = Err(Fields::Valid().Set(huge, "1").Json());
  CHECK(field.field.size() <= 64 + 3);
  CHECK(field.message.size() < 120);
  EventError region = Err(Fields::Valid().Set("region", test::Str(huge)).Json());
  CHECK(region.code == ErrorCode::kUnknownRegion);
  CHECK(region.message.size() < 150);
  CHECK(Err(Fields::Valid().Set("type", test::Str(huge)).Json()).message.size() < 100);
  SECTION("cut at a character boundary") {
    std::string accents;
    for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
    EventError err = Err(Fields::Valid().Set("time", test::Str("x" + accents)).Json());
    CHECK(err.message.find("x" + accents.substr(0, 62) + "\u2026") != std::string::npos);
  }
}

TEST_CASE("one decoder decodes many events, reusing its buffers", "[core][decoder][json]") {
  EventDecoder decoder(Catalogs::Defaults(), {});
  const std::string big =
      Fields::Valid().Set("attrs", "{\"note\":" + test::Str(std::string(5000, 's')) + "}").Json();
  for (int i = 0; i < 3; ++i) {
    REQUIRE(decoder.Decode(big).has_value());
    // A shorter, truncated message must not see the previous one's bytes.
    CHECK(decoder.Decode(big.substr(0, 40)).error().code == ErrorCode::kMalformedJson);
    CHECK(decoder.Decode(Fields::Valid().Json())->subject == "p-7f3a9c");
  }
}

TEST_CASE("accepted replies are rendered as in events.md", "[core][decoder][reply]") {
  CHECK(RenderAccepted("redtdt-2017-000412", false) == R"({"accepted":"redtdt-2017-000412"})");
  CHECK(RenderAccepted("redtdt-2017-000412", true) ==
        R"({"accepted":"redtdt-2017-000412","duplicate":true})");
  CHECK(RenderAccepted("a\"b\\c", false) == R"({"accepted":"a\"b\\c"})");
}

TEST_CASE("error replies are rendered as in events.md, escaping every string",
          "[core][decoder][reply]") {
  EventError err = Err(Fields::Valid().Set("time", "\"23/03/2017\"").Json());
  CHECK(
      RenderError(err) ==
      R"({"error":{"code":"invalid_event","id":"redtdt-2017-000412","field":"time",)"
      R"("message":"expected an RFC 3339 timestamp such as 2017-03-23T08:15:00Z, got \"23/03/2017\""}})");
  CHECK(RenderError({ErrorCode::kTooLarge, "", "", "too big"}) ==
        R"({"error":{"code":"too_large","message":"too big"}})");
  CHECK(RenderError({ErrorCode::kMalformedJson, "i\"d", "", "a\nb\x01"}) ==
        R"({"error":{"code":"malformed_json","id":"i\"d","message":"a\nb\u0001"}})");
}

TEST_CASE("every error code has its spec name", "[core][decoder][reply]") {
  CHECK(ToString(ErrorCode::kMalformedJson) == "malformed_json");
  CHECK(ToString(ErrorCode::kInvalidEvent) == "invalid_event");
  CHECK(ToString(ErrorCode::kUnknownRegion) == "unknown_region");
  CHECK(ToString(ErrorCode::kUnknownGroup) == "unknown_group");
  CHECK(ToString(ErrorCode::kTooLarge) == "too_large");
  CHECK(ToString(ErrorCode::kFutureEvent) == "future_event");
  CHECK(ToString(ErrorCode::kDuplicateConflict) == "duplicate_conflict");
  CHECK(ToString(ErrorCode::kUnauthorized) == "unauthorized");
  CHECK(ToString(ErrorCode::kOverloaded) == "overloaded");
  CHECK(static_cast<size_t>(ErrorCode::kOverloaded) + 1 == kErrorCodeCount);
}

}  // namespace
}  // namespace vigia
