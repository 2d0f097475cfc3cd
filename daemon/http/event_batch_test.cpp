// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/event_batch.h"

#include <catch2/catch.hpp>

namespace vigia::daemon::http {
namespace {

std::vector<std::string> Items(const EventBatch& b) {
  return std::vector<std::string>(b.items.begin(), b.items.end());
}

TEST_CASE("A body that is not an array is one event, passed on verbatim", "[http][batch]") {
  for (const char* body : {R"({"id":"a"})", "  {\"id\":1}\n", "", "nonsense", "{\"x\":[1,2]}"}) {
    const EventBatch b = SplitEvents(body);
    CHECK_FALSE(b.is_array);
    CHECK(b.error.empty());
    CHECK(Items(b) == std::vector<std::string>{body});
  }
}

TEST_CASE("An array is split into its elements' exact texts", "[http][batch]") {
  const EventBatch b = SplitEvents(R"( [ {"id":"a","n":1.50} , {"id":"b,]}","x":[1,{"y":"\"]"}]},7 ] )");
  REQUIRE(b.error.empty());
  CHECK(b.is_array);
  CHECK(Items(b) == std::vector<std::string>{R"({"id":"a","n":1.50})",
                                             R"({"id":"b,]}","x":[1,{"y":"\"]"}]})", "7"});
}

TEST_CASE("An empty array is an empty batch", "[http][batch]") {
  for (const char* body : {"[]", " [ ] ", "[\n]"}) {
    const EventBatch b = SplitEvents(body);
    CHECK(b.is_array);
    CHECK(b.error.empty());
    CHECK(b.items.empty());
  }
}

TEST_CASE("A broken array is reported with its byte offset", "[http][batch]") {
  struct Case {
    const char* body;
    const char* error;
    size_t offset;
  };
  for (const Case& c : {Case{"[1,]", "expected a value in the array", 3},
                        Case{"[,1]", "expected a value in the array", 1},
                        Case{"[1,,2]", "expected a value in the array", 3},
                        Case{"[{\"a\":1}", "unterminated array", 8},
                        Case{"[\"abc", "unterminated string", 5},
                        Case{"[1] x", "unexpected text after the array", 3},
                        Case{"[1}", "unexpected '}'", 2}}) {
    INFO(c.body);
    const EventBatch b = SplitEvents(c.body);
    CHECK(b.is_array);
    CHECK(b.error == c.error);
    CHECK(b.error_offset == c.offset);
  }
}

}  // namespace
}  // namespace vigia::daemon::http
