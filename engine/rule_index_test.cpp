// SPDX-License-Identifier: Apache-2.0
// The rule index (CompiledRules::CandidatesFor): by event type and region. It
// must only skip rules that could not have been touched, so the tests compare
// its candidates and, over random streams, an indexed rule set with the same
// rules written so that the index cannot narrow them.
#include <random>
#include <regex>

#include "engine/test_harness.h"

using vigia::engine::Candidate;
using vigia::engine::CompiledRules;
using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;

namespace {

// The ids of the rules offered to an event of `type` in `region`, with the
// roles: "id" opening only, "id/c" closing only, "id/oc" both.
std::vector<std::string> Offered(const CompiledRules& rules, const std::string& type,
                                 const std::string& region,
                                 const std::optional<std::string>& category = std::nullopt) {
  std::vector<std::string> out;
  for (const Candidate& c : rules.CandidatesFor(type, category, region)) {
    std::string id = rules.rules()[c.rule].rule->id;
    if (c.closing) id += c.opening ? "/oc" : "/c";
    out.push_back(id);
  }
  return out;
}

using Ids = std::vector<std::string>;

constexpr const char* kScopedRules = R"(
rules:
  - id: a-chihuahua
    level: info
    where: {region: [MX-CHH]}
    match: {type: report}
  - id: b-national
    level: info
    match: {type: report}
  - id: c-south
    level: info
    match: {type: report, region: [MX-GRO, MX-OAX]}
  - id: d-panic-chihuahua
    level: critical
    where: {region: [MX-CHH]}
    absence:
      after: {type: panic}
      expect: {type: checkin}
      within: 1h
      by: [subject]
  - id: e-any-type-sonora
    level: info
    where: {region: [MX-SON]}
    match: {category: threat}
)";

}  // namespace

TEST_CASE("the index offers a region-scoped rule only to events of its regions", "[engine][index]") {
  auto rules = Harness::Compile(kScopedRules);
  CHECK(Offered(*rules, "report", "MX-CHH") == Ids{"a-chihuahua", "b-national"});
  CHECK(Offered(*rules, "report", "MX-GRO") == Ids{"b-national", "c-south"});
  CHECK(Offered(*rules, "report", "MX-OAX") == Ids{"b-national", "c-south"});
  CHECK(Offered(*rules, "report", "MX-SON", "threat") == Ids{"b-national", "e-any-type-sonora"});
  CHECK(Offered(*rules, "report", "MX-SON") == Ids{"b-national"});  // no category: no threat
  CHECK(Offered(*rules, "report", "MX-YUC") == Ids{"b-national"});
  CHECK(Offered(*rules, "report", "") == Ids{"b-national"});
  CHECK(Offered(*rules, "panic", "MX-CHH") == Ids{"d-panic-chihuahua"});
  CHECK(Offered(*rules, "panic", "MX-SON", "threat") == Ids{"e-any-type-sonora"});
  CHECK(Offered(*rules, "panic", "MX-YUC").empty());
  // An `expect` event closes without `where`: offered in every region.
  CHECK(Offered(*rules, "checkin", "MX-CHH") == Ids{"d-panic-chihuahua/c"});
  CHECK(Offered(*rules, "checkin", "MX-YUC") == Ids{"d-panic-chihuahua/c"});
  CHECK(Offered(*rules, "checkin", "MX-SON", "threat") ==
        Ids{"d-panic-chihuahua/c", "e-any-type-sonora"});
  CHECK(Offered(*rules, "measure", "MX-YUC").empty());
}

TEST_CASE("the index narrows openers and closers by category", "[engine][index]") {
  auto rules = Harness::Compile(R"(
rules:
  - id: a-killings
    level: critical
    match: {type: report, category: [killing, attempted_killing]}
  - id: b-escalation
    level: warning
    where: {region: [MX-GRO]}
    sequence:
      steps: [{type: report, category: threat}, {type: report, category: attack}]
      within: 1d
      by: [subject]
  - id: c-any-category
    level: info
    match: {type: report, not: {category: [threat]}}
  - id: d-open-closer
    level: info
    sequence:
      steps: [{type: report, category: threat}, {type: report}]
      within: 1d
      by: [subject]
)");
  CHECK(Offered(*rules, "report", "MX-CHH", "killing") == Ids{"a-killings", "c-any-category", "d-open-closer/c"});
  CHECK(Offered(*rules, "report", "MX-CHH", "threat") ==
        Ids{"c-any-category", "d-open-closer/oc"});
  CHECK(Offered(*rules, "report", "MX-GRO", "threat") ==
        Ids{"b-escalation", "c-any-category", "d-open-closer/oc"});
  // The closing step names `attack`: offered as a closer in every region.
  CHECK(Offered(*rules, "report", "MX-CHH", "attack") ==
        Ids{"b-escalation/c", "c-any-category", "d-open-closer/c"});
  CHECK(Offered(*rules, "report", "MX-GRO", "attack") ==
        Ids{"b-escalation/c", "c-any-category", "d-open-closer/c"});
  CHECK(Offered(*rules, "report", "MX-CHH") == Ids{"c-any-category", "d-open-closer/c"});
  CHECK(Offered(*rules, "report", "MX-CHH", "smear_campaign") ==
        Ids{"c-any-category", "d-open-closer/c"});
}

TEST_CASE("a rule of other regions is not evaluated; an all-clear from elsewhere still closes",
          "[engine][index]") {
  Harness h(kScopedRules);
  h.Push(Ev("r1", "2024-05-01T10:00:00Z", "", "MX-YUC"));
  CHECK(h.counters(0).evaluations == 0);  // a-chihuahua
  CHECK(h.counters(1).evaluations == 1);  // b-national
  h.Push(Ev("p1", "2024-05-01T10:01:00Z", R"("subject":"s-1")", "MX-CHH", "panic"));
  // The check-in comes through another state's service: it closes the absence.
  h.Push(Ev("c1", "2024-05-01T10:30:00Z", R"("subject":"s-1")", "MX-DUR", "checkin"));
  h.Finish("2024-05-01T12:00:00Z");
  for (const auto& a : h.alerts) CHECK(a.rule != "d-panic-chihuahua");
  CHECK(h.alerts.size() == 1);  // b-national on r1
}

TEST_CASE("over random streams, indexed rules alert exactly as unindexable equivalents",
          "[engine][index]") {
  // Each rule twice: scoped with a `where` region list (indexed), and with the
  // same scope as `not: {region: {not_in: [...]}}` (offered everywhere).
  const std::string kinds[] = {
      "match: {type: report}",
      "match: {type: [report, media_alert]}\n    count: {at_least: 3, within: 2h, by: [region]}",
      "sequence:\n      steps: [{type: report, category: threat}, {type: report, category: attack}]\n"
      "      within: 1d\n      by: [subject]",
      "absence:\n      after: {type: panic}\n      expect: {type: checkin}\n      within: 30m\n"
      "      by: [subject]",
      "heartbeat: {of: {type: checkin}, every: 1h, by: [subject]}",
  };
  const std::vector<std::string> regions = {"MX-CHH", "MX-GRO", "MX-OAX", "MX-SON"};
  // The plain set writes the region scope and the categories as negated
  // conditions, which the index does not analyse.
  std::string indexed = "rules:\n", plain = "rules:\n";
  int n = 0;
  for (const auto& kind : kinds) {
    for (const auto& scope : {std::string("[MX-CHH]"), std::string("[MX-GRO, MX-OAX]")}) {
      const std::string id = "r" + std::to_string(n++);
      indexed += "  - id: " + id + "\n    level: info\n    where: {region: " + scope + "}\n    " +
                 kind + "\n";
      // Categories too: `category: x` as `not: {category: {not_in: [x]}}`.
      std::string k = std::regex_replace(kind, std::regex(R"(category: (\w+))"),
                                         "not: {category: {not_in: [$1]}}");
      const std::string not_scope = "not: {region: {not_in: " + scope + "}}";
      if (k.rfind("match: {", 0) == 0) k.insert(8, not_scope + ", ");
      else k = "match: {" + not_scope + "}\n    " + k;
      plain += "  - id: " + id + "\n    level: info\n    " + k + "\n";
    }
  }
  Harness a(indexed), b(plain);
  // The plain rules really are offered everywhere, the indexed ones are not.
  // (Only the sequences' later steps, which close without `where`.)
  for (const Candidate& c : a.engine().rules().CandidatesFor("report", std::nullopt, "MX-YUC"))
    CHECK((!c.opening && c.closing));
  CHECK(a.engine().rules().CandidatesFor("panic", std::nullopt, "MX-YUC").empty());
  CHECK(b.engine().rules().CandidatesFor("report", std::nullopt, "MX-YUC").size() >= 4);

  std::mt19937_64 rng(7);
  const char* types[] = {"report", "media_alert", "panic", "checkin"};
  const char* categories[] = {"threat", "attack", "surveillance"};
  const std::vector<std::string> all_regions = {"MX-CHH", "MX-GRO", "MX-OAX", "MX-SON", "MX-YUC"};
  int64_t t = 1'714'557'600;  // 2024-05-01T10:00:00Z
  for (int i = 0; i < 3000; ++i) {
    t += static_cast<int64_t>(rng() % 600);
    const std::string type = types[rng() % 4];
    std::string extra = R"("subject":"s-)" + std::to_string(rng() % 12) + "\"";
    if (type == "report" || type == "media_alert")
      extra += R"(,"category":")" + std::string(categories[rng() % 3]) + "\"";
    const std::string time = vigia::FormatRfc3339(t * 1'000'000);
    const std::string ev = Ev("e" + std::to_string(i), time, extra, all_regions[rng() % 5], type);
    a.Push(ev);
    b.Push(ev);
  }
  a.Finish();
  b.Finish();
  REQUIRE(a.alerts.size() > 50);
  REQUIRE(a.alerts.size() == b.alerts.size());
  for (size_t i = 0; i < a.alerts.size(); ++i) {
    INFO(i);
    CHECK(a.alerts[i].rule == b.alerts[i].rule);
    CHECK(a.alerts[i].events == b.alerts[i].events);
    CHECK(a.alerts[i].time == b.alerts[i].time);
  }
  CHECK(a.retractions.size() == b.retractions.size());
}

TEST_CASE("an opener is tested only on what the index has not decided", "[engine][index]") {
  auto rules = Harness::Compile(R"(
rules:
  - id: a-decided
    level: info
    where: {region: [MX-CHH], source: [monitor]}
    match: {type: report, category: [threat, attack], all: [{region: MX-CHH}]}
  - id: b-rest
    level: info
    match: {type: report, category: threat, severity: {gte: 3}}
  - id: c-any
    level: info
    match: {any: [{type: report}, {category: threat}]}
)");
  const auto& a = rules->rules()[0];
  CHECK(a.opening_test == nullptr);  // type, category and region: all decided
  CHECK(!a.opening_where.region);
  REQUIRE(a.opening_where.source);  // where's other lists stay
  const auto& b = rules->rules()[1];
  REQUIRE(b.opening_test != nullptr);
  REQUIRE(b.opening_test->children.size() == 1);  // match, less type and category
  CHECK(b.opening_test->children[0].children.size() == 1);
  CHECK(b.opening_test->children[0].children[0].field.name == "severity");
  const auto& c = rules->rules()[2];
  REQUIRE(c.opening_test != nullptr);  // an `any` is not decided by the index
  CHECK(c.opening_test->children[0].children[0].op == vigia::rules::Condition::Op::kAny);
}

TEST_CASE("a condition shared by rules is tested once per event, but per group for a fanned-out copy",
          "[engine][index]") {
  // Both rules test the same condition; the first (by region) sees the whole
  // event, the second (by group) one copy per group: the copy for `women_hrd`
  // must not take the whole event's answer.
  Harness h(R"(
rules:
  - id: a-region
    level: info
    match: {groups: journalist}
    count: {at_least: 1, within: 1h, by: [region]}
  - id: b-group
    level: info
    match: {groups: journalist}
    count: {at_least: 1, within: 1h, by: [group]}
)");
  h.Push(Ev("e1", "2024-05-01T10:00:00Z", R"("groups":["journalist","women_hrd"])"));
  h.Finish();
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[0].rule == "a-region");
  CHECK(h.alerts[1].rule == "b-group");
  CHECK(h.alerts[1].key == std::vector<std::pair<std::string, std::string>>{{"group", "journalist"}});
}

TEST_CASE("conditions that differ only in a boolean or a small number are not taken for one another",
          "[engine][index]") {
  Harness h(R"(
rules:
  - id: a-verified
    level: info
    match: {attrs.verified: true}
  - id: b-unverified
    level: info
    match: {attrs.verified: false}
  - id: c-above-tiny
    level: info
    match: {attrs.score: {gt: 0.0000001}}
  - id: d-above-less-tiny
    level: info
    match: {attrs.score: {gt: 0.0000002}}
)");
  h.Push(Ev("e1", "2024-05-01T10:00:00Z", R"("attrs":{"verified":true,"score":0.00000015})"));
  h.Finish();
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[0].rule == "a-verified");
  CHECK(h.alerts[1].rule == "c-above-tiny");
}
