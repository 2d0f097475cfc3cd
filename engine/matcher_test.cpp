// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;

namespace {

// How many of `events` fire a `none` rule with condition `match`.
size_t Fired(const std::string& match, const std::vector<std::string>& events) {
  Harness h("rules:\n  - id: m\n    level: info\n    match: " + match + "\n");
  for (const auto& e : events) h.Push(e);
  return h.alerts.size();
}

const std::string kFull = Ev("full", "2017-03-01T10:00:00Z",
                             R"("groups":["journalist","women_hrd"],"subject":"p-1","category":"threat",)"
                             R"("severity":4,"tags":["social_media","x"],"municipality":"Juárez",)"
                             R"("attrs":{"channel":"twitter","score":7.5,"verified":true,"none":null,)"
                             R"("platforms":["fb","tw"]})");
const std::string kBare = Ev("bare", "2017-03-01T11:00:00Z");

}  // namespace

TEST_CASE("scalar and list conditions: equality, and containment for arrays", "[engine][matcher]") {
  CHECK(Fired("{category: threat}", {kFull, kBare}) == 1);
  CHECK(Fired("{category: [killing, threat]}", {kFull, kBare}) == 1);
  CHECK(Fired("{groups: women_hrd}", {kFull, kBare}) == 1);
  CHECK(Fired("{groups: [lgbti, journalist]}", {kFull, kBare}) == 1);
  CHECK(Fired("{tags: social_media}", {kFull, kBare}) == 1);
  CHECK(Fired("{severity: 4}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.verified: true}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.platforms: tw}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.none: null}", {kFull, kBare}) == 1);
  CHECK(Fired("{municipality: Juárez}", {kFull, kBare}) == 1);
}

TEST_CASE("negations hold on a missing field", "[engine][matcher]") {
  CHECK(Fired("{category: {not_in: [threat]}}", {kFull, kBare}) == 1);  // bare has none
  CHECK(Fired("{category: {ne: killing}}", {kFull, kBare}) == 2);
  CHECK(Fired("{groups: {ne: journalist}}", {kFull, kBare}) == 1);
}

TEST_CASE("numeric comparisons never hold on missing or non-numeric fields", "[engine][matcher]") {
  CHECK(Fired("{severity: {gte: 4}}", {kFull, kBare}) == 1);
  CHECK(Fired("{severity: {gt: 4}}", {kFull, kBare}) == 0);
  CHECK(Fired("{severity: {lt: 5, gte: 4}}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.score: {lte: 7.5}}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.channel: {gt: 1}}", {kFull, kBare}) == 0);
}

TEST_CASE("exists, prefix, contains and regex", "[engine][matcher]") {
  CHECK(Fired("{subject: {exists: true}}", {kFull, kBare}) == 1);
  CHECK(Fired("{subject: {exists: false}}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.channel: {prefix: twi}}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.channel: {contains: itt}}", {kFull, kBare}) == 1);
  CHECK(Fired("{subject: {regex: '^p-[0-9]+$'}}", {kFull, kBare}) == 1);
  CHECK(Fired("{tags: {regex: '^soc'}}", {kFull, kBare}) == 1);
  CHECK(Fired("{attrs.score: {prefix: '7'}}", {kFull, kBare}) == 0);  // a number, not a string
}

TEST_CASE("any, all and not combine and nest", "[engine][matcher]") {
  CHECK(Fired("{any: [{category: killing}, {severity: {gte: 4}}]}", {kFull, kBare}) == 1);
  CHECK(Fired("{all: [{category: threat}, {severity: 4}]}", {kFull, kBare}) == 1);
  CHECK(Fired("{not: {category: threat}}", {kFull, kBare}) == 1);
  CHECK(Fired("{not: {any: [{category: threat}, {region: MX-CHH}]}}", {kFull, kBare}) == 0);
}
