// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "rules/detail/testing.h"

namespace vigia::rules {
namespace {

using testing::Briefs;
using testing::Codes;
using testing::LoadText;
using testing::OnlyRule;
using Strings = std::vector<std::string>;

constexpr char kSpecExample[] = R"(lists:
  northern_states: [MX-CHH, MX-SON, MX-TAM, MX-COA]
  physical: [assault, attempted_killing, killing, disappearance, abduction]

rules:
  - id: journalist-threat-cluster
    description: Three or more threats against journalists in one state within a week.
    level: warning
    where: {group: [journalist]}
    match:
      type: report
      category: [threat, harassment, online_attack, stigmatizing_statement]
    count: {at_least: 3, within: 7d, by: [region]}
    overrides:
      - where: {region: $northern_states}
        level: critical
      - where: {group: [women_hrd]}
        count: {at_least: 2}
    summary: "{count} threats against journalists in {region} within 7 days"
)";

TEST_CASE("The example of rules.md loads with every field set", "[rules][loader]") {
  auto result = LoadText(kSpecExample, "rules/journalists.yaml");
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  const RuleSet& set = result.value();
  CHECK(set.files == Strings{"rules/journalists.yaml"});
  CHECK(set.lists.at("physical").size() == 5);
  REQUIRE(set.rules.size() == 1);
  const Rule& rule = set.rules[0];
  CHECK(rule.id == "journalist-threat-cluster");
  CHECK(rule.description ==
        "Three or more threats against journalists in one state within a week.");
  CHECK(rule.level == Level::kWarning);
  CHECK(rule.where.group == Strings{"journalist"});
  CHECK_FALSE(rule.where.region);
  CHECK(rule.kind == PatternKind::kCount);
  CHECK(rule.params.at_least == 3);
  CHECK(rule.params.within == 7 * kDay);
  REQUIRE(rule.by.size() == 1);
  CHECK(rule.by[0].field == Field::kRegion);
  CHECK(rule.by[0].name == "region");
  REQUIRE(rule.overrides.size() == 2);
  CHECK(rule.overrides[0].where.region == Strings{"MX-CHH", "MX-COA", "MX-SON", "MX-TAM"});
  CHECK(rule.overrides[0].level == Level::kCritical);
  CHECK_FALSE(rule.overrides[0].params.at_least);
  CHECK(rule.overrides[0].pos.line == 15);
  CHECK(rule.overrides[1].params.at_least == 2);
  CHECK_FALSE(rule.overrides[1].level);
  CHECK(rule.summary == "{count} threats against journalists in {region} within 7 days");
  CHECK(rule.enabled);
  CHECK_FALSE(rule.shadow);
  CHECK(std::regex_match(rule.version, std::regex("[0-9a-f]{8}")));
  CHECK(rule.pos.file == "rules/journalists.yaml");
  CHECK(rule.pos.line == 6);
  CHECK(rule.pos.column == 5);
}

TEST_CASE("A bad duration is E104, as STYLE.md example E1 shows", "[rules][loader]") {
  auto result = LoadText(R"(rules:
  - id: journalist-threat-cluster
    level: warning
    match: {type: report}
    count: {at_least: 3, within: 7 days, by: [region]}
)",
                         "rules/journalists.yaml");
  REQUIRE(result.diagnostics().size() == 1);
  const Diagnostic& d = result.diagnostics()[0];
  CHECK(testing::Brief(d) == "rules/journalists.yaml:5:34: E104 invalid duration '7 days'");
  CHECK(d.path == Strings{"rule 'journalist-threat-cluster'", "count", "within"});
  CHECK(d.hint == "use a number with a unit: 30s, 15m, 36h, 7d, 2w");
  CHECK(d.span == 6);
  CHECK(RenderText(result.diagnostics()) ==
        "rules/journalists.yaml:5:34: error[E104]: invalid duration '7 days'\n"
        "  in rule 'journalist-threat-cluster' > count > within\n"
        "    5 |     count: {at_least: 3, within: 7 days, by: [region]}\n"
        "      |                                  ^~~~~~\n"
        "  hint: use a number with a unit: 30s, 15m, 36h, 7d, 2w\n"
        "1 problem (1 error, 0 warnings); new rules not loaded, previous rules stay active\n");
  CHECK_FALSE(result.ok());
}

TEST_CASE("All problems of all files are reported at once", "[rules][loader]") {
  SECTION("a file with three bad rules gives three errors, the good rule still checked") {
    auto result = LoadText(R"(rules:
  - id: a
    level: info
    match: {type: x}
    cooldown: soon
  - id: b
    level: loud
    match: {type: x}
  - id: ok
    level: info
    match: {type: x}
  - id: c
    level: info
    match: {tpye: x}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:5:15: E104 invalid duration 'soon'",
                  "r.yaml:7:12: E105 unknown level 'loud'",
                  "r.yaml:14:13: E107 unknown field 'tpye' in a condition"});
    CHECK(result.error_count() == 3);
    CHECK_FALSE(result.ok());
  }
  SECTION("several problems in one rule are all reported") {
    auto result = LoadText(R"(rules:
  - id: Bad Id
    levle: info
    match: {type: x}
    count: {at_least: 0, within: 1x}
    summary: "{cuont} in {region}"
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:2:9: E105 invalid rule id 'Bad Id'",
                  "r.yaml:3:5: E101 unknown key 'levle' in a rule",
                  "r.yaml:5:23: E105 'at_least' must be an integer of at least 1, found '0'",
                  "r.yaml:5:34: E104 invalid duration '1x'",
                  "r.yaml:6:15: E116 unknown placeholder '{cuont}' in the summary",
                  "r.yaml:6:26: E116 unknown placeholder '{region}' in the summary"});
    // The misspelt 'levle' is not also reported as a missing 'level'.
    REQUIRE(result.diagnostics().size() == 6);
    CHECK(result.diagnostics()[1].hint == "did you mean 'level'?");
    CHECK(result.diagnostics()[4].hint == "did you mean '{count}'?");
    CHECK(result.diagnostics()[4].span == 7);
  }
  SECTION("problems in several files, sorted by file order, line and column") {
    auto result = LoadRuleTexts({
        {"b.yaml", "rules:\n  - {id: x, level: info, match: {type: a}, cooldown: 1}\n"},
        {"a.yaml", "rulez: []\n"},
        {"c.yaml", "rules: [\n"},
    });
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"b.yaml:2:54: E104 invalid duration '1'",
                  "a.yaml:1:1: E101 unknown key 'rulez' in the file",
                  "c.yaml:2:1: E001 invalid YAML: end of sequence flow not found"});
    CHECK(result.diagnostics()[1].hint == "did you mean 'rules'?");
  }
}

TEST_CASE("Rule ids are checked and unique across files", "[rules][loader]") {
  SECTION("a duplicate points at the second and names the first") {
    auto result = LoadRuleTexts({
        {"a.yaml", "rules:\n  - {id: x, level: info, match: {type: a}}\n"},
        {"b.yaml",
         "rules:\n  - id: y\n    level: info\n    match: {type: a}\n"
         "  - id: x\n    level: info\n    match: {type: a}\n"},
    });
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"b.yaml:5:9: E106 duplicate rule id 'x', first defined at a.yaml:2:10"});
    CHECK(result.diagnostics()[0].path == Strings{"rule 'x'", "id"});
  }
  SECTION("pattern and length") {
    CHECK(Codes(LoadText("rules:\n  - {id: -x, level: info, match: {type: a}}\n").diagnostics()) ==
          Strings{"E105"});
    std::string long_id(65, 'a');
    CHECK(Codes(LoadText("rules:\n  - {id: " + long_id + ", level: info, match: {type: a}}\n")
                    .diagnostics()) == Strings{"E105"});
    CHECK(LoadText("rules:\n  - {id: " + long_id.substr(1) + ", level: info, match: {type: a}}\n")
              .ok());
  }
  SECTION("missing id") {
    auto result = LoadText("rules:\n  - {level: info, match: {type: a}}\n");
    CHECK(Briefs(result.diagnostics()) == Strings{"r.yaml:2:5: E102 a rule needs an 'id'"});
    CHECK(result.diagnostics()[0].path == Strings{"rule #1"});
  }
}

TEST_CASE("Lists are shared by all files and checked", "[rules][loader]") {
  SECTION("a list from another file is used, and the set keeps every list") {
    auto result = LoadRuleTexts({
        {"rules.yaml", "rules:\n  - {id: r, level: info, match: {category: $lethal}}\n"},
        {"lists.yaml", "lists:\n  lethal: [killing, disappearance]\n"},
    });
    REQUIRE(result.ok());
    CHECK(result.value().lists.at("lethal") == Strings{"killing", "disappearance"});
    CHECK(result.value().rules[0].match->children[0].values.size() == 2);
  }
  SECTION("a list defined twice") {
    auto result =
        LoadRuleTexts({{"a.yaml", "lists:\n  x: [a]\n"}, {"b.yaml", "lists:\n  x: [b]\n"}});
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"b.yaml:2:3: E119 list 'x' is already defined at a.yaml:2:3"});
  }
  SECTION("malformed lists") {
    auto result = LoadText("lists:\n  a: b\n  c: [[d]]\n  e: [$a]\n  'f g': []\n");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"r.yaml:2:6: E100 list 'a' must be a list of strings, found a string",
                  "r.yaml:3:7: E100 a list item must be a string, found a list",
                  "r.yaml:4:7: E105 a list cannot refer to another list ('$a')",
                  "r.yaml:5:3: E105 invalid list name 'f g'"});
  }
}

TEST_CASE("Files that cannot be read or parsed are reported", "[rules][loader]") {
  SECTION("missing file") {
    auto result = LoadRuleFiles({"does/not/exist.yaml"});
    CHECK(Briefs(result.diagnostics()) == Strings{"does/not/exist.yaml:0:0: E002 no such file"});
    CHECK(RenderText(result.diagnostics(), false) ==
          "does/not/exist.yaml: error[E002]: no such file\n");
  }
  SECTION("YAML syntax error") {
    auto result = LoadText("rules:\n  - id: a\n   level: b\n");
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].code == "E001");
    CHECK(result.diagnostics()[0].pos.line == 3);
  }
  SECTION("two documents") {
    CHECK(Briefs(LoadText("rules: []\n---\nrules: []\n").diagnostics()) ==
          Strings{"r.yaml:3:1: E001 a rule file holds one YAML document, found 2"});
  }
  SECTION("empty file and wrong top level") {
    CHECK(LoadText("").ok());
    CHECK(LoadText("# nothing\n").ok());
    CHECK(Briefs(LoadText("- a\n").diagnostics()) ==
          Strings{"r.yaml:1:1: E100 a rule file must be a mapping with 'lists' and 'rules', "
                  "found a list"});
    CHECK(Briefs(LoadText("rules: {id: a}\n").diagnostics()) ==
          Strings{"r.yaml:1:8: E100 'rules' must be a list of rules, found a mapping"});
  }
}

TEST_CASE("The version changes with the rule and its lists, not with layout", "[rules][loader]") {
  auto version = [](const std::string& text) {
    auto result = LoadText(text);
    REQUIRE(result.ok());
    return result.value().rules.at(0).version;
  };
  std::string base = version(
      "lists:\n  l: [a, b]\nrules:\n  - {id: r, level: info, match: {category: $l, type: x}}\n");
  CHECK(base ==
        version("# a comment\nlists:\n  l: [a,   b]\nrules:\n  - id: r\n"
                "    match:\n      type: x   # why\n      category: $l\n    level: info\n"));
  CHECK(base == version("lists:\n  l: [a, b]\n  other: [z]\nrules:\n"
                        "  - {id: r, level: info, match: {category: $l, type: x}}\n"));
  CHECK(base != version("lists:\n  l: [a, c]\nrules:\n"
                        "  - {id: r, level: info, match: {category: $l, type: x}}\n"));
  CHECK(base != version("lists:\n  l: [a, b]\nrules:\n"
                        "  - {id: r, level: watch, match: {category: $l, type: x}}\n"));
  // The same values written out: the version depends on what the rule means.
  CHECK(base == version("rules:\n  - {id: r, level: info, match: {category: [a, b], type: x}}\n"));
}

TEST_CASE("Hostile YAML is reported and never crashes or explodes", "[rules][loader]") {
  // Anchors under an unknown top-level key, then a rule whose match is 2^40 maps
  // if aliases were expanded.
  std::string bomb = "defs:\n  l0: &l0 {type: a}\n";
  for (int i = 1; i <= 40; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    bomb += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " {any: [" + prev + ", " +
            prev + "]}\n";
  }
  bomb += "rules:\n  - {id: x, level: info, match: *l40}\n";
  const std::vector<std::string> inputs = {
      bomb,
      // Cycles through aliases.
      "rules:\n  - &a {id: x, level: info, match: {any: [*a]}}\n",
      "rules:\n  - {id: x, level: info, match: &m {not: *m}}\n",
      std::string(3000, '[') + std::string(3000, ']'),
      std::string("rules:\n  - {id: x\0, level: info}\n", 28), "rules:\n  - {? [a]: b}\n",
      "rules: [~, 3, [a]]\n",
      std::string("\xff\xfe\x00r", 4),  // UTF-16 with a NUL: a string, not a mapping
  };
  for (const std::string& text : inputs) {
    auto result = LoadText(text);
    INFO(RenderText(result.diagnostics()));
    CHECK_FALSE(result.ok());
    CHECK(result.error_count() >= 1);
    CHECK(result.error_count() < 20);
  }
  SECTION("the limit is per condition map: each step too big is one error") {
    std::string text =
        "rules:\n  - id: x\n    level: info\n    match: &c0 {type: a}\n"
        "    sequence:\n      within: 1d\n      steps:\n";
    for (int i = 1; i <= 12; ++i) {
      std::string p = "*c" + std::to_string(i - 1);
      text += "        - &c" + std::to_string(i) + " {any: [" + p + ", " + p + ", " + p + ", " + p +
              "]}\n";
    }
    // Step i has (4^(i+1) - 1) / 3 maps: from step 6 on, more than 4096.
    CHECK(Codes(LoadText(text).diagnostics()) == Strings(7, "E105"));
  }
}

TEST_CASE("A stray flow end where a node should start is an error, not an endless loop",
          "[rules][loader]") {
  // yaml-cpp 0.7's LoadAll loops for ever on these (found by tests/fuzz/fuzz_config;
  // corpus/fuzz_rules/regression-stray-flow-end.yaml).
  CHECK(Briefs(LoadText(",r}").diagnostics()) ==
        Strings{"r.yaml:1:1: E001 invalid YAML: unexpected character where a node should start"});
  CHECK(Codes(LoadText(",").diagnostics()) == Strings{"E001"});
  CHECK(Codes(LoadText("rules: []\n---\n,\n").diagnostics()) == Strings{"E001"});
}

TEST_CASE("The example rule files load together without problems", "[rules][loader]") {
  std::filesystem::path dir = std::filesystem::path(VIGIA_SOURCE_DIR) / "rules/examples";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return;  // the examples are optional
  auto result = LoadRuleFiles(files);
  INFO(RenderText(result.diagnostics()));
  CHECK(result.diagnostics().empty());
  CHECK(result.ok());
}

}  // namespace
}  // namespace vigia::rules
