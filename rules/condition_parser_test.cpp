// SPDX-License-Identifier: Apache-2.0
#include <re2/re2.h>

#include <catch2/catch.hpp>

#include "rules/detail/testing.h"

namespace vigia::rules {
namespace {

using testing::Briefs;
using testing::LoadText;
using testing::OnlyRule;
using Op = Condition::Op;

// A rule whose match is `match` (indented as a block under "    match:").
std::string WithMatch(const std::string& match) {
  return "lists:\n"
         "  nets: [facebook, tiktok]\n"
         "rules:\n"
         "  - id: r\n"
         "    level: info\n"
         "    match:\n" +
         match;
}

std::vector<std::string> Texts(const std::vector<Scalar>& values) {
  std::vector<std::string> out;
  for (const Scalar& v : values) out.push_back(v.text);
  return out;
}

TEST_CASE("Every form of condition parses into its tree", "[rules][loader]") {
  auto result = LoadRuleTexts({{"r.yaml", WithMatch(R"(      type: report
      category: [threat, harassment]
      severity: {gte: 3, lte: 4}
      attrs.channel: {in: [twitter, $nets]}
      subject: {exists: true}
      municipality: {prefix: "Chi"}
      tags: {contains: x}
      id: {regex: "^a.*z$"}
      region: {not_in: [MX-CHH]}
      source: {ne: t}
      any: [{type: a}, {type: b}]
      not: {tags: [unverified]}
      groups: $nets_groups
)")},
                               {"lists.yaml", "lists:\n  nets_groups: [journalist]\n"}});
  // $nets_groups is defined in a later file: lists are collected before any rule.
  REQUIRE(Briefs(result.diagnostics()).empty());
  Rule rule = OnlyRule(result);
  REQUIRE(rule.match);
  const Condition& m = *rule.match;
  CHECK(m.op == Op::kAll);
  REQUIRE(m.children.size() == 13);

  SECTION("a scalar is kIn with one value") {
    CHECK(m.children[0].op == Op::kIn);
    CHECK(m.children[0].field.field == Field::kType);
    CHECK(Texts(m.children[0].values) == std::vector<std::string>{"report"});
    CHECK(m.children[0].pos.line == 7);
    CHECK(m.children[0].pos.column == 7);
  }
  SECTION("a list is kIn") {
    CHECK(m.children[1].op == Op::kIn);
    CHECK(Texts(m.children[1].values) == std::vector<std::string>{"threat", "harassment"});
  }
  SECTION("several operators are kAll of leaves") {
    const Condition& c = m.children[2];
    CHECK(c.op == Op::kAll);
    REQUIRE(c.children.size() == 2);
    CHECK(c.children[0].op == Op::kGte);
    CHECK(c.children[0].number == 3);
    CHECK(c.children[0].field.field == Field::kSeverity);
    CHECK(c.children[1].op == Op::kLte);
    CHECK(c.children[1].number == 4);
  }
  SECTION("in with a $list item splices the list") {
    const Condition& c = m.children[3];
    CHECK(c.op == Op::kIn);
    CHECK(c.field.field == Field::kAttr);
    CHECK(c.field.attr == "channel");
    CHECK(c.field.name == "attrs.channel");
    CHECK(Texts(c.values) == std::vector<std::string>{"twitter", "facebook", "tiktok"});
  }
  SECTION("exists, prefix, contains") {
    CHECK(m.children[4].op == Op::kExists);
    CHECK(m.children[4].exists);
    CHECK(m.children[5].op == Op::kPrefix);
    CHECK(m.children[5].text == "Chi");
    CHECK(m.children[6].op == Op::kContains);
    CHECK(m.children[6].text == "x");
  }
  SECTION("regex is compiled once at load") {
    const Condition& c = m.children[7];
    CHECK(c.op == Op::kRegex);
    CHECK(c.text == "^a.*z$");
    REQUIRE(c.regex);
    CHECK(re2::RE2::FullMatch("abcz", *c.regex));
  }
  SECTION("not_in and ne") {
    CHECK(m.children[8].op == Op::kNotIn);
    CHECK(Texts(m.children[8].values) == std::vector<std::string>{"MX-CHH"});
    CHECK(m.children[9].op == Op::kNe);
    CHECK(Texts(m.children[9].values) == std::vector<std::string>{"t"});
  }
  SECTION("combinators nest cond-maps") {
    const Condition& any = m.children[10];
    CHECK(any.op == Op::kAny);
    REQUIRE(any.children.size() == 2);
    CHECK(any.children[0].op == Op::kAll);
    CHECK(any.children[0].children.at(0).op == Op::kIn);
    const Condition& no = m.children[11];
    CHECK(no.op == Op::kNot);
    REQUIRE(no.children.size() == 1);
    CHECK(no.children[0].children.at(0).field.field == Field::kTags);
  }
  SECTION("a scalar $list is kIn with the list") {
    CHECK(m.children[12].field.field == Field::kGroups);
    CHECK(Texts(m.children[12].values) == std::vector<std::string>{"journalist"});
  }
}

TEST_CASE("Plain scalars are typed as YAML 1.2 core, quoted ones are strings", "[rules][loader]") {
  auto result = LoadText(WithMatch(R"(      attrs.n: 3
      attrs.s: "3"
      attrs.f: 2.50
      attrs.b: true
      attrs.z: ~
      attrs.q: 'true'
      attrs.h: 0x1F
      subject: 1234
      severity: [3, 4]
)"));
  REQUIRE(Briefs(result.diagnostics()).empty());
  const Condition& m = *OnlyRule(result).match;
  auto value = [&](size_t i) { return m.children.at(i).values.at(0); };
  CHECK(value(0).kind == Scalar::Kind::kNumber);
  CHECK(value(0).number == 3);
  CHECK(value(0).text == "3");
  CHECK(value(1).kind == Scalar::Kind::kString);
  CHECK(value(2).kind == Scalar::Kind::kNumber);
  CHECK(value(2).number == 2.5);
  CHECK(value(2).text == "2.50");
  CHECK(value(3).kind == Scalar::Kind::kBool);
  CHECK(value(3).boolean);
  CHECK(value(4).kind == Scalar::Kind::kNull);
  CHECK(value(5).kind == Scalar::Kind::kString);
  CHECK(value(5).text == "true");
  CHECK(value(6).kind == Scalar::Kind::kNumber);
  CHECK(value(6).number == 31);
  // Text fields take the text as written, whatever YAML makes of it.
  CHECK(value(7).kind == Scalar::Kind::kString);
  CHECK(value(7).text == "1234");
  CHECK(m.children.at(8).values.at(1).kind == Scalar::Kind::kNumber);
}

TEST_CASE("Condition errors point at the offending node", "[rules][loader]") {
  SECTION("unknown field, with a did-you-mean") {
    auto result = LoadText(WithMatch("      regoin: MX-CHH\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:7: E107 unknown field 'regoin' in a condition"});
    CHECK(result.diagnostics().at(0).hint == "did you mean 'region'?");
    CHECK(result.diagnostics().at(0).path ==
          std::vector<std::string>{"rule 'r'", "match", "regoin"});
  }
  SECTION("time is not a condition field: windows use it already") {
    auto result = LoadText(WithMatch("      time: {gt: 3}\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:7: E107 conditions on 'time' are not supported"});
  }
  SECTION("group is not an event field") {
    auto result = LoadText(WithMatch("      group: journalist\n"));
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].code == "E107");
    CHECK(result.diagnostics()[0].hint == "did you mean 'groups'?");
  }
  SECTION("bare attrs") {
    auto result = LoadText(WithMatch("      attrs: {channel: x}\n"));
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].hint == "name an attribute as attrs.NAME, e.g. attrs.channel");
  }
  SECTION("unknown operator") {
    auto result = LoadText(WithMatch("      severity: {gtee: 3}\n"));
    CHECK(
        Briefs(result.diagnostics()) ==
        std::vector<std::string>{"r.yaml:7:18: E108 unknown operator 'gtee' for field 'severity'"});
    CHECK(result.diagnostics()[0].hint == "did you mean 'gte'?");
  }
  SECTION("a comparison needs a number") {
    auto result = LoadText(WithMatch("      severity: {gt: high}\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:22: E118 'gt' needs a number, found a string 'high'"});
    CHECK(LoadText(WithMatch("      severity: {gt: \"3\"}\n")).diagnostics().at(0).code == "E118");
  }
  SECTION("an invalid regex carries RE2's message") {
    auto result = LoadText(WithMatch("      id: {regex: \"(ab\"}\n"));
    REQUIRE(result.diagnostics().size() == 1);
    const Diagnostic& d = result.diagnostics()[0];
    CHECK(testing::Brief(d) == "r.yaml:7:19: E109 invalid regex '(ab': missing ): (ab");
    CHECK(d.span == 5);
  }
  SECTION("exists takes a bool") {
    auto result = LoadText(WithMatch("      subject: {exists: yes}\n"));
    CHECK(
        Briefs(result.diagnostics()) ==
        std::vector<std::string>{"r.yaml:7:25: E105 'exists' takes true or false, found a string"});
  }
  SECTION("ne takes one value") {
    auto result = LoadText(WithMatch("      type: {ne: [a, b]}\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:18: E105 'ne' takes one value"});
  }
  SECTION("an undefined list") {
    auto result = LoadText(WithMatch("      category: {in: $nest}\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:22: E110 undefined list '$nest'"});
    CHECK(result.diagnostics()[0].hint == "did you mean 'nets'?");
  }
  SECTION("a quoted $name is a plain string") {
    auto result = LoadText(WithMatch("      category: \"$nest\"\n"));
    CHECK(result.ok());
  }
  SECTION("a null value for an event field") {
    auto result = LoadText(WithMatch("      subject:\n      type: x\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:7: E105 'subject' is never null"});
  }
  SECTION("an unknown region or group names the closest codes") {
    auto result = LoadText(WithMatch("      region: [MX-CHI, MX-GRO]\n      groups: jurnalist\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:16: E111 unknown region 'MX-CHI'",
                                   "r.yaml:8:15: E112 unknown group 'jurnalist'"});
    CHECK(result.diagnostics()[0].hint.starts_with("did you mean 'MX-CH"));
    CHECK(result.diagnostics()[1].hint.starts_with("did you mean 'journalist'"));
  }
  SECTION("a condition must be a mapping") {
    auto result = LoadText(WithMatch("      - type: x\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{
              "r.yaml:7:7: E100 a condition must be a mapping of field to condition, found a "
              "list"});
  }
  SECTION("any needs a list of cond-maps") {
    auto result = LoadText(WithMatch("      any: {type: x}\n"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{
              "r.yaml:7:12: E100 'any' takes a list of conditions, found a mapping"});
  }
  SECTION("every bad entry of a match is reported, nested ones too") {
    auto result = LoadText(WithMatch(R"(      regoin: x
      severity: {gt: x}
      any:
        - {tpye: a}
        - not: {id: {regex: "["}}
)"));
    CHECK(Briefs(result.diagnostics()) ==
          std::vector<std::string>{"r.yaml:7:7: E107 unknown field 'regoin' in a condition",
                                   "r.yaml:8:22: E118 'gt' needs a number, found a string 'x'",
                                   "r.yaml:10:12: E107 unknown field 'tpye' in a condition",
                                   "r.yaml:11:29: E109 invalid regex '[': missing ]: ["});
    CHECK(result.diagnostics()[3].path ==
          std::vector<std::string>{"rule 'r'", "match", "any", "#2", "not", "id"});
  }
}

TEST_CASE("A condition that can never hold is a warning", "[rules][loader]") {
  auto result = LoadText(WithMatch("      category: []\n"));
  CHECK(result.ok());
  CHECK(Briefs(result.diagnostics()) ==
        std::vector<std::string>{
            "r.yaml:7:17: W202 the condition on 'category' can never hold: its list is empty"});
}

}  // namespace
}  // namespace vigia::rules
