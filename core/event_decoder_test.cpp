// SPDX-License-Identifier: Apache-2.0
#include "core/event_decoder.h"

#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "core/detail/decoder_test_util.h"

namespace vigia {
namespace {

using test::Err;
using test::Fields;
using test::Ok;

TEST_CASE("the example event of events.md decodes into every field", "[core][decoder]") {
  bool known = false;
  EventDecoder decoder(Catalogs::Defaults(), {});
  auto r = decoder.Decode(test::kExampleEvent, &known);
  REQUIRE(r.has_value());
  const Event& e = *r;
  CHECK(e.id == "redtdt-2017-000412");
  CHECK(e.type == "report");
  CHECK(e.time == *ParseRfc3339("2017-03-23T08:15:00Z"));
  CHECK(e.source == "red-tdt");
  CHECK(e.region == "MX-CHH");
  CHECK(e.municipality == "Chihuahua");
  CHECK(e.groups == std::vector<std::string>{"journalist", "women_hrd"});
  CHECK(e.subject == "p-7f3a9c");
  CHECK(e.category == "threat");
  CHECK(e.severity == 3);
  CHECK(e.tags == std::vector<std::string>{"social_media"});
  REQUIRE(e.attrs.size() == 2);
  CHECK(e.attrs[0].first == "channel");
  CHECK(e.attrs[0].second.scalar == Scalar::String("twitter"));
  CHECK(e.attrs[1].first == "community");
  CHECK(known);
  CHECK(CanonicalJson(e) == test::Minify(test::kExampleEvent));
}

TEST_CASE("an event with only the required fields is accepted", "[core][decoder]") {
  Event e = Ok(Fields::Required().Json());
  CHECK_FALSE(e.municipality);
  CHECK_FALSE(e.subject);
  CHECK_FALSE(e.category);
  CHECK_FALSE(e.severity);
  CHECK(e.groups.empty());
  CHECK(e.tags.empty());
  CHECK(e.attrs.empty());
}

TEST_CASE("whitespace, escapes and field order don't matter", "[core][decoder]") {
  Event e =
      Ok(" \n{ \"region\" : \"MX-CHH\" ,\t\"\\u0069d\":\"a\\u0062\", \"type\":\"report\","
         "\"time\":\"2017-03-23T08:15:00Z\",\"source\":\"Puebla \\u00e9\\ud83d\\ude00\"}\r\n");
  CHECK(e.id == "ab");
  CHECK(e.source == "Puebla \xC3\xA9\xF0\x9F\x98\x80");
}

TEST_CASE("each missing required field is rejected naming it", "[core][decoder]") {
  for (const char* field : {"id", "type", "time", "source", "region"}) {
    INFO(field);
    EventError err = Err(Fields::Valid().Drop(field).Json());
    CHECK(err.code == ErrorCode::kInvalidEvent);
    CHECK(err.field == field);
    CHECK(err.message == std::string("missing required field '") + field + "'");
  }
  CHECK(Err("{}").field == "id");
  CHECK(Err(Fields::Valid().Drop("time").Drop("source").Json()).field == "time");
}

TEST_CASE("an unknown top-level field is rejected naming it", "[core][decoder]") {
  EventError err = Err(Fields::Valid().Set("regoin", "\"MX-CHH\"").Json());
  CHECK(err.code == ErrorCode::kInvalidEvent);
  CHECK(err.field == "regoin");
  CHECK(err.message == "unknown field 'regoin'; did you mean 'region'?");
  CHECK(err.id == "redtdt-2017-000412");
  CHECK(Err(Fields::Valid().Set("Severity", "3").Json()).message ==
        "unknown field 'Severity'; did you mean 'severity'?");
  CHECK(Err(Fields::Valid().Set("payload", "{}").Json()).message == "unknown field 'payload'");
  CHECK(Err(Fields::Valid().Set("", "1").Json()).field.empty());
}

TEST_CASE("a field given twice is rejected", "[core][decoder]") {
  EventError err = Err(Fields::Valid().Append("time", "\"2017-03-23T08:15:00Z\"").Json());
  CHECK(err.code == ErrorCode::kInvalidEvent);
  CHECK(err.field == "time");
  CHECK(err.message == "field 'time' appears more than once");
  CHECK(Err(Fields::Valid().Append("\\u0074ime", "\"2017-03-23T08:15:00Z\"").Json()).field ==
        "time");
}

TEST_CASE("the top level must be an object", "[core][decoder]") {
  for (const char* json : {"[]", "[1,2]", "\"event\"", "42", "true", "null"}) {
    INFO(json);
    EventError err = Err(json);
    CHECK(err.code == ErrorCode::kInvalidEvent);
    CHECK(err.field.empty());
    CHECK(err.message.rfind("expected a JSON object, got ", 0) == 0);
  }
  CHECK(Err("[1]").message == "expected a JSON object, got an array");
}

TEST_CASE("wrong JSON types are rejected naming the field and both types", "[core][decoder]") {
  struct Case {
    const char* field;
    const char* value;
    const char* message;
  };
  for (const Case& c : {
           Case{"id", "412", "expected a string, got a number"},
           Case{"type", "null", "expected a string, got null"},
           Case{"time", "1490256900", "expected a string, got a number"},
           Case{"source", "[\"red-tdt\"]", "expected a string, got an array"},
           Case{"region", "{\"code\":\"MX-CHH\"}", "expected a string, got an object"},
           Case{"municipality", "true", "expected a string, got a boolean"},
           Case{"groups", "\"journalist\"", "expected an array of strings, got a string"},
           Case{"groups", "[\"journalist\", 7]",
                "expected an array of strings, got a number at position 2"},
           Case{"subject", "7", "expected a string, got a number"},
           Case{"category", "[]", "expected a string, got an array"},
           Case{"severity", "\"3\"", "expected an integer from 1 to 5, got a string"},
           Case{"tags", "{}", "expected an array of strings, got an object"},
           Case{"tags", "[null]", "expected an array of strings, got null at position 1"},
           Case{"attrs", "[]", "expected an object, got an array"},
       }) {
    INFO(c.field << " = " << c.value);
    EventError err = Err(Fields::Valid().Set(c.field, c.value).Json());
    CHECK(err.code == ErrorCode::kInvalidEvent);
    CHECK(err.field == c.field);
    CHECK(err.message == c.message);
  }
}

TEST_CASE("ids are 1-128 printable ASCII characters", "[core][decoder]") {
  CHECK(Ok(Fields::Valid().Set("id", test::Str(std::string(128, 'a'))).Json()).id.size() == 128);
  CHECK(Ok(Fields::Valid().Set("id", test::Str(" ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}")).Json())
            .id.size() == 37);
  EventError err = Err(Fields::Valid().Set("id", test::Str(std::string(129, 'a'))).Json());
  CHECK(err.field == "id");
  CHECK(err.message == "must be 1 to 128 characters, got 129");
  CHECK(err.id.empty());
  CHECK(Err(Fields::Valid().Set("id", "\"\"").Json()).message ==
        "must be 1 to 128 characters, got 0");
  CHECK(Err(Fields::Valid().Set("id", "\"a\\tb\"").Json()).message == "must be printable ASCII");
  CHECK(Err(Fields::Valid().Set("id", "\"caf\xC3\xA9\"").Json()).message ==
        "must be printable ASCII");
  CHECK(Err(Fields::Valid().Set("id", "\"a\\u007fb\"").Json()).field == "id");
}

TEST_CASE("types match [a-z][a-z0-9_]* up to 64 characters and exclude alert", "[core][decoder]") {
  for (const char* t :
       {"report", "media_alert", "checkin", "checkin_missed", "panic", "measure", "x9_"}) {
    CHECK(Ok(Fields::Valid().Set("type", test::Str(t)).Json()).type == t);
  }
  CHECK(Ok(Fields::Valid().Set("type", test::Str(std::string(64, 'a'))).Json()).type.size() == 64);
  CHECK(Err(Fields::Valid().Set("type", test::Str(std::string(65, 'a'))).Json()).message ==
        "must be at most 64 characters, got 65");
  for (const char* t : {"Report", "1report", "_x", "media-alert", "", "r\xC3\xA9port"}) {
    INFO(t);
    EventError err = Err(Fields::Valid().Set("type", test::Str(t)).Json());
    CHECK(err.field == "type");
    CHECK(err.message == std::string("must match [a-z][a-z0-9_]*, got '") + t + "'");
  }
  EventError alert = Err(Fields::Valid().Set("type", "\"alert\"").Json());
  CHECK(alert.code == ErrorCode::kInvalidEvent);
  CHECK(alert.field == "type");
  CHECK(alert.message == "type 'alert' is reserved for the engine's own alerts");
}

TEST_CASE("times are RFC 3339 and convert to the right UTC instant", "[core][decoder]") {
  const TimeUs utc = *ParseRfc3339("2017-03-23T08:15:00Z");
  CHECK(Ok(Fields::Valid().Set("time", "\"2017-03-23T02:15:00-06:00\"").Json()).time == utc);
  CHECK(Ok(Fields::Valid().Set("time", "\"2017-03-23T02:15:00.250-06:00\"").Json()).time ==
        utc + 250'000);
  CHECK(Ok(Fields::Valid().Set("time", "\"2016-02-29T12:00:00Z\"").Json()).time > 0);
  EventError err = Err(Fields::Valid().Set("time", "\"23/03/2017\"").Json());
  CHECK(err.code == ErrorCode::kInvalidEvent);
  CHECK(err.field == "time");
  CHECK(err.id == "redtdt-2017-000412");
  CHECK(err.message ==
        "expected an RFC 3339 timestamp such as 2017-03-23T08:15:00Z, got \"23/03/2017\"");
  CHECK(Err(Fields::Valid().Set("time", "\"2017-02-29T12:00:00Z\"").Json()).field == "time");
  CHECK(Err(Fields::Valid().Set("time", "\"2017-03-23T08:15:00\"").Json()).field == "time");
}

TEST_CASE("source, municipality and subject are non-empty and limited in characters",
          "[core][decoder]") {
  struct Case {
    const char* field;
    size_t max;
  };
  for (const Case& c : {Case{"source", 64}, Case{"municipality", 128}, Case{"subject", 128}}) {
    INFO(c.field);
    CHECK(Ok(Fields::Valid().Set(c.field, test::Str(std::string(c.max, 'x'))).Json()).id.size() >
          0);
    std::string accents;
    for (size_t i = 0; i < c.max; ++i) accents += "\xC3\xA9";  // é: 2 bytes, 1 character
    CHECK(Ok(Fields::Valid().Set(c.field, test::Str(accents)).Json()).id.size() > 0);
    EventError err =
        Err(Fields::Valid().Set(c.field, test::Str(std::string(c.max + 1, 'x'))).Json());
    CHECK(err.field == c.field);
    CHECK(err.message == "must be at most " + std::to_string(c.max) + " characters, got " +
                             std::to_string(c.max + 1));
    CHECK(Err(Fields::Valid().Set(c.field, "\"\"").Json()).message == "must not be empty");
  }
}

TEST_CASE("an unknown region is rejected with the closest codes", "[core][decoder]") {
  EventError err = Err(Fields::Valid().Set("region", "\"MX-CHI\"").Json());
  CHECK(err.code == ErrorCode::kUnknownRegion);
  CHECK(err.field == "region");
  CHECK(err.id == "redtdt-2017-000412");
  CHECK(err.message == "unknown region 'MX-CHI'; closest: MX-CHP, MX-CHH, MX-CAM");
  CHECK(Err(Fields::Valid().Set("region", "\"mx-chh\"").Json()).message ==
        "unknown region 'mx-chh'; closest: MX-CHH, MX-CHP, MX-CAM");
  CHECK(Err(Fields::Valid().Set("region", "\"\"").Json()).code == ErrorCode::kInvalidEvent);
}

TEST_CASE("a field error wins over an unknown region, whatever the order", "[core][decoder]") {
  CHECK(Err(Fields::Valid().Set("region", "\"MX-XXX\"").Set("severity", "9").Json()).code ==
        ErrorCode::kInvalidEvent);
}

TEST_CASE("groups come from the catalog, at most 16, repeats dropped", "[core][decoder]") {
  Event e =
      Ok(Fields::Valid().Set("groups", R"(["lawyer","journalist","lawyer","journalist"])").Json());
  CHECK(e.groups == std::vector<std::string>{"lawyer", "journalist"});
  CHECK(Ok(Fields::Valid().Set("groups", "[]").Json()).groups.empty());
  std::string sixteen = "[";
  for (int i = 0; i < 16; ++i) sixteen += std::string(i ? "," : "") + "\"lawyer\"";
  CHECK(Ok(Fields::Valid().Set("groups", sixteen + "]").Json()).groups.size() == 1);
  EventError many = Err(Fields::Valid().Set("groups", sixteen + ",\"lawyer\"]").Json());
  CHECK(many.field == "groups");
  CHECK(many.message == "at most 16 groups are allowed");
  EventError err = Err(Fields::Valid().Set("groups", R"(["journalist","journalists"])").Json());
  CHECK(err.code == ErrorCode::kUnknownGroup);
  CHECK(err.field == "groups");
  CHECK(err.message == "unknown group 'journalists'; closest: journalist, migrants, community");
  CHECK(Err(Fields::Valid().Set("groups", R"([""])").Json()).code == ErrorCode::kInvalidEvent);
}

TEST_CASE("categories match the pattern; one outside the taxonomy is accepted and flagged",
          "[core][decoder]") {
  EventDecoder decoder(Catalogs::Defaults(), {});
  bool known = true;
  REQUIRE(decoder.Decode(Fields::Valid().Set("category", "\"land-grab_2\"").Json(), &known));
  CHECK_FALSE(known);
  REQUIRE(decoder.Decode(Fields::Valid().Set("category", "\"killing\"").Json(), &known));
  CHECK(known);
  REQUIRE(decoder.Decode(Fields::Valid().Drop("category").Json(), &known));
  CHECK(known);
  CHECK(Ok(Fields::Valid().Set("category", "\"9\"").Json()).category == "9");
  CHECK(Ok(Fields::Valid().Set("category", test::Str(std::string(64, 'c'))).Json()).category);
  CHECK(Err(Fields::Valid().Set("category", test::Str(std::string(65, 'c'))).Json()).field ==
        "category");
  for (const char* c : {"Threat", "-x", "_x", "a b", ""}) {
    INFO(c);
    EventError err = Err(Fields::Valid().Set("category", test::Str(c)).Json());
    CHECK(err.field == "category");
    CHECK(err.message == std::string("must match [a-z0-9][a-z0-9_-]*, got '") + c + "'");
  }
}

TEST_CASE("severity is an integer from 1 to 5", "[core][decoder]") {
  for (int s = 1; s <= 5; ++s) {
    CHECK(Ok(Fields::Valid().Set("severity", std::to_string(s)).Json()).severity == s);
  }
  for (const char* bad :
       {"0", "6", "-1", "2.5", "3.0", "3e0", "1E0", "-0", "99999999999999999999"}) {
    INFO(bad);
    EventError err = Err(Fields::Valid().Set("severity", bad).Json());
    CHECK(err.code == ErrorCode::kInvalidEvent);
    CHECK(err.field == "severity");
    CHECK(err.message == std::string("expected an integer from 1 to 5, got ") + bad);
  }
  CHECK(Err(Fields::Valid().Set("severity", "\"3\"").Json()).field == "severity");
}

TEST_CASE("tags are at most 32 strings of 1-64 characters", "[core][decoder]") {
  std::string tags = "[";
  for (int i = 0; i < 32; ++i) tags += std::string(i ? "," : "") + test::Str(std::string(64, 't'));
  CHECK(Ok(Fields::Valid().Set("tags", tags + "]").Json()).tags.size() == 32);
  CHECK(Err(Fields::Valid().Set("tags", tags + ",\"x\"]").Json()).message ==
        "at most 32 tags are allowed");
  CHECK(Err(Fields::Valid().Set("tags", "[\"a\"," + test::Str(std::string(65, 't')) + "]").Json())
            .message == "tag 2 must be at most 64 characters, got 65");
  CHECK(Err(Fields::Valid().Set("tags", "[\"\"]").Json()).message == "tags must not be empty");
  CHECK(Ok(Fields::Valid().Set("tags", "[\"x\",\"x\"]").Json()).tags.size() == 2);
}

TEST_CASE("attrs hold scalars and arrays of scalars, sorted by name", "[core][decoder]") {
  Event e = Ok(Fields::Valid()
                   .Set("attrs", R"({"z":null,"a":true,"n":1.50,"big":12345678901234567890,)"
                                 R"("e":-1e3,"list":["x",2,false,null],"empty":[],"s":""})")
                   .Json());
  std::vector<std::string> names;
  for (const auto& [name, value] : e.attrs) names.push_back(name);
  CHECK(names == std::vector<std::string>{"a", "big", "e", "empty", "list", "n", "s", "z"});
  CHECK(e.FindAttr("z")->scalar.kind == Scalar::Kind::kNull);
  CHECK(e.FindAttr("a")->scalar == Scalar::Bool(true));
  CHECK(e.FindAttr("n")->scalar.number == 1.5);
  CHECK(e.FindAttr("n")->scalar.text == "1.50");
  CHECK(e.FindAttr("big")->scalar.text == "12345678901234567890");
  CHECK(e.FindAttr("e")->scalar.number == -1000);
  CHECK(e.FindAttr("e")->scalar.text == "-1e3");
  const AttrValue* list = e.FindAttr("list");
  REQUIRE(list);
  CHECK(list->is_array);
  REQUIRE(list->items.size() == 4);
  CHECK(list->items[0] == Scalar::String("x"));
  CHECK(list->items[1].text == "2");
  CHECK(list->items[3].kind == Scalar::Kind::kNull);
  CHECK(e.FindAttr("empty")->is_array);
  CHECK(e.FindAttr("empty")->items.empty());
  CHECK(e.FindAttr("s")->scalar == Scalar::String(""));
}

TEST_CASE("attrs reject nesting, bad names, repeats and more than 64 keys", "[core][decoder]") {
  auto attrs_error = [](const std::string& attrs) {
    EventError err = Err(Fields::Valid().Set("attrs", attrs).Json());
    CHECK(err.code == ErrorCode::kInvalidEvent);
    CHECK(err.field == "attrs");
    return err.message;
  };
  CHECK(attrs_error(R"({"a":{"b":1}})") ==
        "attribute 'a' must be a string, number, boolean, null or an array of those");
  CHECK(attrs_error(R"({"a":[[1]]})") ==
        "attribute 'a' must be a string, number, boolean, null or an array of those");
  CHECK(attrs_error(R"({"a":[{}]})").rfind("attribute 'a' must be", 0) == 0);
  CHECK(attrs_error(R"({"a":1,"b":2,"a":3})") == "attribute 'a' appears more than once");
  CHECK(attrs_error(R"({"":1})") == "attribute name '' must be 1 to 64 printable ASCII characters");
  CHECK(attrs_error("{\"a\\nb\":1}") ==
        "attribute name 'a\\x0Ab' must be 1 to 64 printable ASCII characters");
  CHECK(attrs_error("{" + test::Str(std::string(65, 'k')) + ":1}").rfind("attribute name", 0) == 0);
  CHECK(Ok(Fields::Valid().Set("attrs", "{" + test::Str(std::string(64, 'k')) + ":1}").Json())
            .attrs.size() == 1);
  CHECK(attrs_error(R"({"n":1e400})") == "attribute 'n': number out of range: 1e400");
  std::string many = "{";
  for (int i = 0; i < 64; ++i)
    many += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  CHECK(Ok(Fields::Valid().Set("attrs", many + "}").Json()).attrs.size() == 64);
  CHECK(attrs_error(many + ",\"k64\":64}") == "at most 64 attributes are allowed");
}

TEST_CASE("a message of exactly the size limit is accepted and one byte more is too large",
          "[core][decoder]") {
  const size_t limit = 64 * 1024;
  std::string json = Fields::Valid().Json();
  std::string exact = json.substr(0, json.size() - 1) + std::string(limit - json.size(), ' ') + "}";
  REQUIRE(exact.size() == limit);
  Ok(exact);
  std::string over =
      json.substr(0, json.size() - 1) + std::string(limit + 1 - json.size(), ' ') + "}";
  EventError err = Err(over);
  CHECK(err.code == ErrorCode::kTooLarge);
  CHECK(err.message == "message is 65537 bytes; the limit is 65536");
  CHECK(err.id.empty());
  SECTION("the limit is configurable, and checked before the JSON") {
    EventDecoder small(Catalogs::Defaults(), {.max_message = 10});
    CHECK(small.Decode("{not json at all}").error().code == ErrorCode::kTooLarge);
  }
}

TEST_CASE("nesting of depth 8 passes the limit and depth 9 is too large", "[core][decoder]") {
  auto nested = [](int depth) {
    std::string open = "{\"attrs\":{\"a\":", close = "}}";
    for (int i = 2; i < depth; ++i) {
      open += "[";
      close = "]" + close;
    }
    return open + "1" + close;
  };
  CHECK(Err(nested(8)).code == ErrorCode::kInvalidEvent);  // nested arrays aren't allowed
  EventError err = Err(nested(9));
  CHECK(err.code == ErrorCode::kTooLarge);
  CHECK(err.message == "nesting is deeper than 8 levels");
  CHECK(Err("[[[[[[[[[").code == ErrorCode::kTooLarge);  // before the syntax check
  CHECK(Err("[[[[[[[[").code == ErrorCode::kMalformedJson);
  CHECK(Ok(Fields::Valid().Set("subject", test::Str("[[[[[[[[[[{{{{{{\\\"{{{{")).Json()).subject);
  EventDecoder shallow(Catalogs::Defaults(), {.max_depth = 1});
  CHECK(shallow.Decode(test::kExampleEvent).error().code == ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace vigia
