// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "rules/detail/testing.h"

namespace vigia::rules {
namespace {

using testing::Briefs;
using testing::LoadText;
using testing::OnlyRule;
using Strings = std::vector<std::string>;

// A count rule (lines 1-7) followed by `overrides` (its items from line 8).
std::string CountWith(const std::string& overrides, const std::string& extra = "") {
  return "rules:\n"
         "  - id: r\n"
         "    level: warning\n"
         "    match: {type: report}\n"
         "    count: {at_least: 3, within: 7d}\n" +
         extra +
         "    by: [region]\n"
         "    overrides:\n" +
         overrides;
}

TEST_CASE("Overrides take numeric pattern fields flat or under the pattern's name",
          "[rules][loader]") {
  auto result = LoadText(CountWith(R"(      - where: {region: [MX-CHH]}
        at_least: 2
        within: 14d
        level: critical
        cooldown: 1d
        summary: "{count} in {region}"
      - where: {group: women_hrd}
        count: {at_least: 4, within: 3d}
)"));
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  Rule rule = OnlyRule(result);
  REQUIRE(rule.overrides.size() == 2);
  const Override& flat = rule.overrides[0];
  CHECK(flat.params.at_least == 2);
  CHECK(flat.params.within == 14 * kDay);
  CHECK(flat.level == Level::kCritical);
  CHECK(flat.cooldown == kDay);
  CHECK(flat.summary == "{count} in {region}");
  CHECK(flat.pos.line == 8);
  CHECK(flat.pos.column == 9);
  const Override& nested = rule.overrides[1];
  CHECK(nested.where.group == Strings{"women_hrd"});
  CHECK(nested.params.at_least == 4);
  CHECK(nested.params.within == 3 * kDay);
  CHECK_FALSE(nested.level);
}

TEST_CASE("Overrides of each pattern accept exactly that pattern's numeric fields",
          "[rules][loader]") {
  SECTION("spike") {
    auto result = LoadText(R"(rules:
  - id: r
    level: info
    match: {type: a}
    spike: {window: 1d, baseline: 7d, ratio: 2, min_count: 3}
    overrides:
      - {where: {region: MX-GRO}, ratio: 1.5, min_count: 2, window: 2d, baseline: 14d}
)");
    REQUIRE(result.ok());
    const PatternParams& p = OnlyRule(result).overrides.at(0).params;
    CHECK(p.ratio == 1.5);
    CHECK(p.min_count == 2);
    CHECK(p.window == 2 * kDay);
    CHECK(p.baseline == 14 * kDay);
  }
  SECTION("heartbeat") {
    auto result = LoadText(R"(rules:
  - id: r
    level: info
    heartbeat: {of: {type: checkin}, every: 1d, by: [subject]}
    overrides:
      - {where: {region: MX-GRO}, heartbeat: {every: 12h, grace: 2h}}
)");
    REQUIRE(result.ok());
    CHECK(OnlyRule(result).overrides.at(0).params.every == 12 * kHour);
    CHECK(OnlyRule(result).overrides.at(0).params.grace == 2 * kHour);
  }
  SECTION("a rule without a pattern: only level, cooldown, summary") {
    auto result = LoadText(R"(rules:
  - id: r
    level: info
    match: {type: a}
    overrides:
      - {where: {region: MX-GRO}, level: critical, at_least: 2}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:6:52: E117 an override cannot change 'at_least'"});
    CHECK(result.diagnostics()[0].hint ==
          "an override changes only where, level, cooldown, summary");
  }
}

TEST_CASE("Override errors point at the offending key", "[rules][loader]") {
  auto load = [](const std::string& overrides) {
    return LoadText(CountWith(overrides)).diagnostics();
  };
  SECTION("non-numeric pattern fields and other rule keys") {
    auto diags = load(R"(      - where: {region: MX-CHH}
        by: [subject]
        distinct: subject
        match: {type: x}
)");
    CHECK(Briefs(diags) == Strings{"r.yaml:9:9: E117 an override cannot change 'by'",
                                   "r.yaml:10:9: E117 an override cannot change 'distinct'",
                                   "r.yaml:11:9: E117 an override cannot change 'match'"});
    CHECK(diags[0].hint ==
          "an override changes only where, level, cooldown, summary and the numeric fields of "
          "'count': at_least within");
  }
  SECTION("another pattern's fields or name") {
    auto diags = load(R"(      - where: {region: MX-CHH}
        ratio: 2
        spike: {ratio: 2}
        count: {at_least: 2, by: [subject]}
)");
    CHECK(Briefs(diags) ==
          Strings{"r.yaml:9:9: E117 an override cannot change 'ratio'",
                  "r.yaml:10:9: E117 rule 'r' is a count rule; an override cannot change 'spike'",
                  "r.yaml:11:30: E117 an override cannot change 'by'"});
  }
  SECTION("typos get a did-you-mean") {
    auto diags = load("      - {where: {region: MX-CHH}, levl: critical}\n");
    CHECK(Briefs(diags) == Strings{"r.yaml:8:35: E101 unknown key 'levl' in an override"});
    CHECK(diags[0].hint == "did you mean 'level'?");
  }
  SECTION("where is required") {
    CHECK(Briefs(load("      - {level: critical}\n")) ==
          Strings{"r.yaml:8:9: E102 override #1 needs 'where'"});
  }
  SECTION("a field given flat and nested") {
    CHECK(Briefs(load("      - {where: {region: MX-CHH}, at_least: 2, count: {at_least: 4}}\n")) ==
          Strings{"r.yaml:8:56: E103 'at_least' is given twice in this override"});
  }
  SECTION("bad values") {
    auto diags = load(R"(      - where: {region: MX-CHX}
        level: urgent
        at_least: two
        summary: "{subject}"
)");
    CHECK(Briefs(diags) ==
          Strings{"r.yaml:8:25: E111 unknown region 'MX-CHX'",
                  "r.yaml:9:16: E105 unknown level 'urgent'",
                  "r.yaml:10:19: E105 'at_least' must be an integer of at least 1, found 'two'",
                  "r.yaml:11:19: E116 unknown placeholder '{subject}' in the summary"});
    CHECK(diags[0].path == Strings{"rule 'r'", "overrides", "#1", "where", "region"});
  }
  SECTION("not a list") {
    CHECK(Briefs(load("      where: {region: MX-CHH}\n")) ==
          Strings{"r.yaml:8:7: E100 'overrides' must be a list, found a mapping"});
  }
}

TEST_CASE("An override shadowed by an earlier one is a warning naming its line",
          "[rules][loader]") {
  auto load = [](const std::string& overrides, const std::string& extra = "") {
    return LoadText(CountWith(overrides, extra));
  };
  SECTION("the same region, or a subset") {
    auto result = load(R"(      - where: {region: [MX-CHH, MX-SON]}
        level: critical
      - where: {region: MX-CHH}
        at_least: 2
)");
    CHECK(result.ok());
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:10:9: W201 override for region 'MX-CHH' is shadowed by the one at "
                  "line 8"});
    CHECK(RenderText(result.diagnostics()) ==
          "r.yaml:10:9: warning[W201]: override for region 'MX-CHH' is shadowed by the one at "
          "line 8\n1 problem (0 errors, 1 warning)\n");
  }
  SECTION("an earlier override on fewer dimensions") {
    auto result = load(R"(      - where: {region: [MX-CHH]}
      - where: {region: [MX-CHH], group: [journalist, lgbti]}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:9:9: W201 override for region 'MX-CHH' and group 'journalist' or "
                  "'lgbti' is shadowed by the one at line 8"});
  }
  SECTION("not shadowed: the later one is wider or elsewhere") {
    CHECK(load(R"(      - where: {region: [MX-CHH]}
      - where: {region: [MX-CHH, MX-SON]}
      - where: {group: [journalist]}
      - where: {region: [MX-GRO], group: [journalist]}
)")
              .diagnostics()
              .size() == 1);  // only the last, by the third
  }
  SECTION("the rule's own scope counts") {
    // The rule is only for MX-CHH, so the first override takes all its events.
    auto result = load(R"(      - where: {region: [MX-CHH, MX-SON]}
      - where: {source: [x]}
)",
                       "    where: {region: [MX-CHH]}\n");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:10:9: W201 override for source 'x' is shadowed by the one at line 9"});
  }
  SECTION("groups: an event may have several, so only inclusion shadows") {
    auto result = load(R"(      - where: {group: [journalist]}
      - where: {group: [women_hrd]}
)",
                       "    where: {group: [journalist]}\n");
    // Every event in the rule's scope has the group journalist, so the first
    // override takes them all, women defenders' included.
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:10:9: W201 override for group 'women_hrd' is shadowed by the one at "
                  "line 9"});
  }
}

TEST_CASE("An override that can never apply within the rule's scope is a warning",
          "[rules][loader]") {
  SECTION("disjoint regions") {
    auto result = LoadText(CountWith("      - {where: {region: [MX-GRO]}, level: critical}\n",
                                     "    where: {region: [MX-CHH]}\n"));
    CHECK(result.ok());
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:9:17: W202 override #1 can never apply: its region and the rule's "
                  "share no value"});
  }
  SECTION("disjoint groups are fine: an event may have both") {
    auto result = LoadText(CountWith("      - {where: {group: [women_hrd]}, level: critical}\n",
                                     "    where: {group: [journalist]}\n"));
    CHECK(result.diagnostics().empty());
  }
  SECTION("unless the rule fans out by group") {
    auto result = LoadText(R"(rules:
  - id: r
    level: info
    where: {group: [journalist]}
    match: {type: a}
    count: {at_least: 2, within: 1d, by: [group]}
    overrides:
      - {where: {group: [women_hrd]}, level: critical}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:8:17: W202 override #1 can never apply: its group and the rule's "
                  "share no value"});
  }
}

}  // namespace
}  // namespace vigia::rules
