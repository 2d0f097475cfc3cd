// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "rules/detail/testing.h"

namespace vigia::rules {
namespace {

using testing::Briefs;
using testing::LoadText;
using Strings = std::vector<std::string>;

TEST_CASE("Every pattern loads with its fields", "[rules][loader]") {
  auto result = LoadText(R"(rules:
  - id: seq
    level: critical
    match: {region: MX-GRO}
    sequence:
      steps: [{type: report, category: threat}, {type: checkin_missed}]
      within: 72h
      by: [subject]
  - id: abs
    level: warning
    absence: {after: {type: panic}, expect: {type: checkin, attrs.status: safe}, within: 30m}
    by: subject
    lateness: 2h
  - id: hb
    level: watch
    heartbeat: {of: {type: checkin}, every: 1d, grace: 1h, by: [subject]}
    enabled: false
    shadow: true
  - id: spk
    level: info
    match: {type: media_alert}
    spike: {window: 1d, baseline: 4w, ratio: 2.5, min_count: 5, by: [region, attrs.outlet]}
    cooldown: 12h
  - id: cnt
    level: info
    match: {type: report}
    count: {at_least: 3, within: 30d, distinct: subject, by: [group]}
  - id: none
    level: info
    match: {type: report, category: killing}
)");
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  const std::vector<Rule>& rules = result.value().rules;
  REQUIRE(rules.size() == 6);

  SECTION("sequence, with a top-level match kept for the opening step") {
    const Rule& r = rules[0];
    CHECK(r.kind == PatternKind::kSequence);
    CHECK(r.steps.size() == 2);
    CHECK(r.params.within == 72 * kHour);
    REQUIRE(r.by.size() == 1);
    CHECK(r.by[0].field == Field::kSubject);
    CHECK(r.match);
  }
  SECTION("absence, with by at the rule level as a scalar") {
    const Rule& r = rules[1];
    CHECK(r.kind == PatternKind::kAbsence);
    CHECK(r.after);
    REQUIRE(r.expect);
    CHECK(r.expect->children.size() == 2);
    CHECK(r.params.within == 30 * kMinute);
    REQUIRE(r.by.size() == 1);
    CHECK(r.by[0].field == Field::kSubject);
    CHECK(r.lateness == 2 * kHour);
    CHECK_FALSE(r.match);
  }
  SECTION("heartbeat") {
    const Rule& r = rules[2];
    CHECK(r.kind == PatternKind::kHeartbeat);
    CHECK(r.of);
    CHECK(r.params.every == kDay);
    CHECK(r.params.grace == kHour);
    CHECK_FALSE(r.enabled);
    CHECK(r.shadow);
  }
  SECTION("spike") {
    const Rule& r = rules[3];
    CHECK(r.kind == PatternKind::kSpike);
    CHECK(r.params.window == kDay);
    CHECK(r.params.baseline == 4 * kWeek);
    CHECK(r.params.ratio == 2.5);
    CHECK(r.params.min_count == 5);
    REQUIRE(r.by.size() == 2);
    CHECK(r.by[1].field == Field::kAttr);
    CHECK(r.by[1].attr == "outlet");
    CHECK(r.by[1].name == "attrs.outlet");
    CHECK(r.cooldown == 12 * kHour);
  }
  SECTION("count with distinct, by group") {
    const Rule& r = rules[4];
    REQUIRE(r.distinct);
    CHECK(r.distinct->field == Field::kSubject);
    REQUIRE(r.by.size() == 1);
    CHECK(r.by[0].field == Field::kGroups);
    CHECK(r.by[0].name == "group");
  }
  SECTION("no pattern") {
    CHECK(rules[5].kind == PatternKind::kNone);
    CHECK(rules[5].level == Level::kInfo);
  }
}

TEST_CASE("Rule keys are checked", "[rules][loader]") {
  auto load = [](const std::string& rule) {
    return Briefs(LoadText("rules:\n  - id: r\n    level: info\n" + rule).diagnostics());
  };
  SECTION("match is required without a pattern and for count and spike") {
    CHECK(load("") == Strings{"r.yaml:2:5: E102 a rule without a pattern needs 'match'"});
    CHECK(load("    count: {at_least: 2, within: 1d}\n") ==
          Strings{"r.yaml:2:5: E102 a count rule needs 'match'"});
    CHECK(load("    spike: {window: 1d, baseline: 7d, ratio: 2, min_count: 3}\n") ==
          Strings{"r.yaml:2:5: E102 a spike rule needs 'match'"});
    CHECK(load("    heartbeat: {of: {type: checkin}, every: 1d}\n").empty());
  }
  SECTION("two patterns") {
    CHECK(load("    match: {type: a}\n    count: {at_least: 2, within: 1d}\n"
               "    spike: {window: 1d, baseline: 7d, ratio: 2, min_count: 3}\n") ==
          Strings{"r.yaml:6:5: E113 a rule has at most one pattern, found 'count' and 'spike'"});
  }
  SECTION("by both in the rule and in the pattern") {
    CHECK(load("    match: {type: a}\n    by: [region]\n"
               "    count: {at_least: 2, within: 1d, by: [subject]}\n") ==
          Strings{"r.yaml:6:38: E114 'by' is given both in the rule and in 'count'"});
  }
  SECTION("unknown key fields in by, with did-you-mean") {
    auto result = LoadText(
        "rules:\n  - id: r\n    level: info\n    match: {type: a}\n"
        "    by: [regoin, groups, time]\n");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:5:10: E115 unknown key field 'regoin' in 'by'",
                  "r.yaml:5:18: E115 unknown key field 'groups' in 'by'",
                  "r.yaml:5:26: E115 unknown key field 'time' in 'by'"});
    CHECK(result.diagnostics()[0].hint == "did you mean 'region'?");
    CHECK(result.diagnostics()[1].hint == "did you mean 'group'?");
  }
  SECTION("a repeated key") {
    CHECK(load("    match: {type: a}\n    level: watch\n") ==
          Strings{"r.yaml:5:5: E103 duplicate key 'level' in a rule (first at line 3)"});
  }
  SECTION("wrong types") {
    CHECK(load("    match: {type: a}\n    enabled: yes\n") ==
          Strings{"r.yaml:5:14: E105 'enabled' must be true or false, found 'yes'"});
    CHECK(load("    match: {type: a}\n    description: [a]\n") ==
          Strings{"r.yaml:5:18: E100 'description' must be a string, found a list"});
    CHECK(load("    match: {type: a}\n    count: 3\n") ==
          Strings{"r.yaml:5:12: E100 'count' must be a mapping, found a number"});
    CHECK(load("    match: {type: a}\n    spike: {window: 1d, baseline: 7d, ratio: 0, min_count: "
               "3}\n") ==
          Strings{"r.yaml:5:46: E105 'ratio' must be a number greater than 0, found '0'"});
  }
  SECTION("lateness is at most 30d") {
    CHECK(load("    match: {type: a}\n    lateness: 31d\n") ==
          Strings{"r.yaml:5:15: E120 lateness '31d' is more than 30d"});
    CHECK(load("    match: {type: a}\n    lateness: 30d\n").empty());
  }
  SECTION("missing pattern fields, unknown pattern keys") {
    CHECK(load("    match: {type: a}\n    count: {at_least: 2, withn: 1d}\n") ==
          Strings{"r.yaml:5:26: E101 unknown key 'withn' in 'count'"});
    CHECK(load("    match: {type: a}\n    count: {at_least: 2}\n") ==
          Strings{"r.yaml:5:5: E102 'count' needs 'within'"});
    CHECK(load("    sequence: {steps: [{type: a}], within: 1d}\n") ==
          Strings{"r.yaml:4:23: E121 a sequence needs at least 2 steps, found 1"});
    CHECK(load("    absence: {after: {type: a}, within: 1d}\n") ==
          Strings{"r.yaml:4:5: E102 'absence' needs 'expect'"});
  }
  SECTION("distinct cannot be group") {
    CHECK(load("    match: {type: a}\n    count: {at_least: 2, within: 1d, distinct: group}\n") ==
          Strings{"r.yaml:5:48: E115 'distinct' cannot be 'group'"});
  }
  SECTION("summary placeholders follow by as written") {
    CHECK(load("    match: {type: a}\n    by: [group, attrs.project]\n"
               "    summary: '{group} {attrs.project} {rule} {level} {first_time} {last_time}'\n")
              .empty());
    CHECK(load("    match: {type: a}\n    summary: 'unclosed {count'\n") ==
          Strings{"r.yaml:5:24: E116 unclosed '{' in the summary"});
  }
  SECTION("a where that can never hold is a warning") {
    auto result = LoadText(
        "rules:\n  - id: r\n    level: info\n    match: {type: a}\n"
        "    where: {group: []}\n");
    CHECK(result.ok());
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:5:20: W202 the 'where' of rule 'r' can never hold: 'group' is an "
                  "empty list"});
  }
  SECTION("where regions and groups are checked against the catalogs") {
    auto result = LoadText(
        "lists:\n  north: [MX-CHH, MX-XXX]\nrules:\n  - id: r\n    level: info\n"
        "    match: {type: a}\n    where: {region: $north, group: jounralist}\n");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:7:21: E111 unknown region 'MX-XXX' in list '$north'",
                  "r.yaml:7:36: E112 unknown group 'jounralist'"});
    CHECK(load("    match: {type: a}\n    where: {regions: [MX-CHH]}\n") ==
          Strings{"r.yaml:5:13: E101 unknown key 'regions' in 'where'"});
  }
  SECTION("custom catalogs replace the defaults") {
    Catalogs catalogs;
    catalogs.regions = Catalog(std::vector<CatalogEntry>{{"AR-B", "Buenos Aires"}});
    catalogs.groups = Catalog(std::vector<CatalogEntry>{{"journalist", "Journalists"}});
    LoadOptions options;
    options.catalogs = &catalogs;
    auto text = "rules:\n  - {id: r, level: info, match: {type: a}, where: {region: AR-B}}\n";
    CHECK(LoadRuleTexts({{"r.yaml", text}}, options).ok());
    CHECK_FALSE(LoadText(text).ok());
  }
}

}  // namespace
}  // namespace vigia::rules
