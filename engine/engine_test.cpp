// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

#include <random>

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;
using Verdict = vigia::engine::DedupIndex::Verdict;
using KeyPairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("none fires on every event that passes where and match", "[engine][none]") {
  Harness h(R"(
rules:
  - id: sexual-violence
    level: critical
    where: {group: [women_hrd]}
    match: {type: report, category: sexual_violence}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", R"("groups":["women_hrd"],"category":"sexual_violence")"));
  h.Push(Ev("e2", "2017-03-01T11:00:00Z", R"("groups":["journalist"],"category":"sexual_violence")"));
  h.Push(Ev("e3", "2017-03-01T12:00:00Z", R"("groups":["women_hrd"],"category":"threat")"));
  h.Push(Ev("e4", "2017-03-01T13:00:00Z", R"("groups":["journalist","women_hrd"],"category":"sexual_violence")"));
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[0].events == Ids({"e1"}));
  CHECK(h.alerts[1].events == Ids({"e4"}));
  CHECK(h.alerts[0].key.empty());
}

TEST_CASE("none sees late events (stateless rules have no lateness)", "[engine][none][lateness]") {
  Harness h(R"(
rules:
  - id: killings
    level: critical
    match: {type: report, category: killing}
)");
  h.Push(Ev("e1", "2017-03-20T10:00:00Z"));
  h.Push(Ev("e0", "2017-01-01T10:00:00Z", R"("category":"killing")"));
  CHECK(h.alerts.size() == 1);
}

TEST_CASE("cooldown suppresses firings of the same key, consuming nothing", "[engine][cooldown]") {
  Harness h(R"(
rules:
  - id: pair
    level: info
    match: {type: report}
    count: {at_least: 2, within: 1d, by: [region]}
    cooldown: 12h
)");
  h.Push(Ev("a", "2017-03-01T10:00:00Z"));
  h.Push(Ev("b", "2017-03-01T11:00:00Z"));
  REQUIRE(h.alerts.size() == 1);
  h.Push(Ev("c", "2017-03-01T12:00:00Z"));
  h.Push(Ev("d", "2017-03-01T13:00:00Z"));  // suppressed: c, d stay
  CHECK(h.alerts.size() == 1);
  CHECK(h.counters().suppressed == 1);
  h.Push(Ev("x", "2017-03-01T14:00:00Z", "", "MX-GRO"));
  h.Push(Ev("y", "2017-03-01T15:00:00Z", "", "MX-GRO"));  // another key: not cooling
  CHECK(h.alerts.size() == 2);
  // 13h after the alert: a run must include the new event, so [d, e] fires; c stays.
  h.Push(Ev("e", "2017-03-01T23:00:00Z"));
  REQUIRE(h.alerts.size() == 3);
  CHECK(h.alerts[2].events == Ids({"d", "e"}));
}

TEST_CASE("overrides compile into variants with disjoint scopes and their own state",
          "[engine][overrides]") {
  Harness h(R"(
lists:
  northern: [MX-CHH, MX-SON]
rules:
  - id: cluster
    level: warning
    where: {group: [journalist, women_hrd]}
    match: {type: report}
    count: {at_least: 3, within: 7d, by: [region]}
    overrides:
      - where: {region: $northern}
        level: critical
      - where: {group: [women_hrd]}
        count: {at_least: 2}
)");
  auto j = R"("groups":["journalist"])";
  auto w = R"("groups":["women_hrd"])";
  SECTION("the northern override raises the level") {
    h.Push(Ev("e1", "2017-03-01T10:00:00Z", j, "MX-CHH"));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", w, "MX-CHH"));  // northern wins: first match
    h.Push(Ev("e3", "2017-03-03T10:00:00Z", j, "MX-CHH"));
    REQUIRE(h.alerts.size() == 1);
    CHECK(h.alerts[0].variant == "override-1");
    CHECK(h.alerts[0].level == vigia::rules::Level::kCritical);
  }
  SECTION("women defenders count separately against their own threshold") {
    h.Push(Ev("e1", "2017-03-01T10:00:00Z", j, "MX-OAX"));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", w, "MX-OAX"));
    h.Push(Ev("e3", "2017-03-03T10:00:00Z", j, "MX-OAX"));
    CHECK(h.alerts.empty());  // base has 2, women_hrd variant 1
    h.Push(Ev("e4", "2017-03-04T10:00:00Z", w, "MX-OAX"));
    REQUIRE(h.alerts.size() == 1);
    CHECK(h.alerts[0].variant == "override-2");
    CHECK(h.alerts[0].level == vigia::rules::Level::kWarning);
    CHECK(h.alerts[0].events == Ids({"e2", "e4"}));
    h.Push(Ev("e5", "2017-03-05T10:00:00Z", j, "MX-OAX"));
    REQUIRE(h.alerts.size() == 2);
    CHECK(h.alerts[1].variant == "base");
    CHECK(h.alerts[1].events == Ids({"e1", "e3", "e5"}));
  }
}

TEST_CASE("closing events are offered to the state of every variant", "[engine][overrides]") {
  Harness h(R"(
rules:
  - id: panic
    level: warning
    absence:
      after: {type: panic}
      expect: {type: checkin}
      within: 30m
      by: [subject]
    overrides:
      - where: {group: [journalist]}
        level: critical
)");
  h.Push(Ev("p1", "2017-07-01T10:00:00Z", R"("groups":["journalist"],"subject":"p-1")", "MX-GRO", "panic"));
  h.Push(Ev("c1", "2017-07-01T10:10:00Z", R"("subject":"p-1")", "MX-GRO", "checkin"));  // no groups
  h.Finish("2017-07-02T00:00:00Z");
  CHECK(h.alerts.empty());
}

TEST_CASE("by: [group] fans out: one copy per in-scope group", "[engine][fanout]") {
  Harness h(R"(
rules:
  - id: per-group
    level: watch
    where: {group: [journalist, women_hrd, indigenous]}
    match: {type: report}
    count: {at_least: 2, within: 7d, by: [region, group]}
    summary: "{count} in {region} against {group}"
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", R"("groups":["journalist","women_hrd","lgbti"])"));
  h.Push(Ev("e2", "2017-03-02T10:00:00Z", R"("groups":["women_hrd","journalist"])"));
  REQUIRE(h.alerts.size() == 2);
  // Produced in the order of e2's groups.
  CHECK(h.alerts[0].key == KeyPairs{{"region", "MX-CHH"}, {"group", "women_hrd"}});
  CHECK(h.alerts[0].groups == Ids({"women_hrd"}));
  CHECK(h.alerts[0].summary == "2 in MX-CHH against women_hrd");
  CHECK(h.alerts[1].key == KeyPairs{{"region", "MX-CHH"}, {"group", "journalist"}});
  CHECK(h.alerts[0].id != h.alerts[1].id);
  h.Push(Ev("e3", "2017-03-03T10:00:00Z", R"("groups":["lgbti"])"));  // out of scope
  h.Push(Ev("e4", "2017-03-03T10:00:00Z"));                           // no groups: no key
  CHECK(h.alerts.size() == 2);
}

TEST_CASE("an event lacking a by field is skipped and counted", "[engine][by]") {
  Harness h(R"(
rules:
  - id: per-subject
    level: info
    match: {type: report}
    count: {at_least: 2, within: 1d, by: [subject]}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z"));
  CHECK(h.counters().no_key == 1);
}

TEST_CASE("alerts are offered back as alert events, up to depth 4", "[engine][alerts-as-events]") {
  Harness h(R"(
rules:
  - id: any-report
    level: warning
    match: {type: report}
  - id: escalate
    level: critical
    match: {type: alert, attrs.level: warning}
    count: {at_least: 2, within: 7d, by: [region]}
  - id: echo
    level: warning
    match: {type: alert}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z"));
  // any-report(e1) d1 → echo(d1 alert) d2 → echo(d2) d3 → echo(d3) d4, not offered again.
  // escalate counts warning alerts of MX-CHH: d1 and d2 fire it at depth 3 ...
  std::vector<int> depths;
  for (const auto& a : h.alerts) depths.push_back(a.depth);
  CHECK(std::find(depths.begin(), depths.end(), 5) == depths.end());
  CHECK(std::count_if(h.alerts.begin(), h.alerts.end(), [](const auto& a) { return a.depth == 4; }) >= 1);
  const auto& first = h.alerts.at(0);
  CHECK(first.rule == "any-report");
  CHECK(first.depth == 1);
  const auto& second = h.alerts.at(1);
  CHECK(second.depth == 2);
  CHECK(second.events == std::vector<std::string>{first.id});
  CHECK(second.root_events == Ids({"e1"}));
  CHECK(second.region == std::optional<std::string>("MX-CHH"));
  for (const auto& a : h.alerts) CHECK(a.depth <= 4);
}

TEST_CASE("rules that do not name type: alert never see alert events", "[engine][alerts-as-events]") {
  Harness h(R"(
rules:
  - id: a-any
    level: warning
    match: {region: MX-CHH}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z"));
  CHECK(h.alerts.size() == 1);
}

TEST_CASE("alert ids are the stable hash of rule, variant, key and events", "[engine][alert-id]") {
  const char* rules = R"(
rules:
  - id: pair
    level: info
    match: {type: report}
    count: {at_least: 2, within: 1d, by: [region]}
)";
  Harness a(rules), b(rules);
  for (Harness* h : {&a, &b}) {
    h->Push(Ev("x", "2017-03-01T10:00:00Z"));
    h->Push(Ev("y", "2017-03-01T11:00:00Z"));
  }
  REQUIRE(a.alerts.size() == 1);
  CHECK(a.alerts[0].id == b.alerts[0].id);
  // SHA-256 of ["pair","base",{"region":"MX-CHH"},["x","y"]], first 16 hex digits.
  CHECK(a.alerts[0].id == "a-ee90c0adee8fdd27");
}

TEST_CASE("duplicates by (source, id) are evaluated once; a changed body is a conflict",
          "[engine][dedup]") {
  Harness h(R"(
rules:
  - id: every
    level: info
    match: {type: report}
)");
  CHECK(h.Push(Ev("e1", "2017-03-01T10:00:00Z")) == Verdict::kNew);
  CHECK(h.Push(Ev("e1", "2017-03-01T10:00:00Z")) == Verdict::kDuplicate);
  CHECK(h.Push(Ev("e1", "2017-03-01T10:00:00Z", R"("severity":3)")) == Verdict::kConflict);
  CHECK(h.alerts.size() == 1);
}

TEST_CASE("the engine is deterministic: the same input gives byte-identical alerts",
          "[engine][determinism]") {
  const char* rules = R"(
rules:
  - id: cluster
    level: warning
    match: {type: report}
    count: {at_least: 3, within: 2d, by: [region]}
  - id: seq
    level: warning
    sequence: {steps: [{type: report}, {type: checkin_missed}], within: 1d, by: [subject]}
  - id: hb
    level: warning
    heartbeat: {of: {type: checkin}, every: 12h, by: [subject]}
  - id: sp
    level: info
    match: {type: report}
    spike: {window: 6h, baseline: 3d, ratio: 2, min_count: 3, by: [region]}
)";
  auto run = [&](Harness& h) {
    std::mt19937 rng(7);
    const char* regions[] = {"MX-CHH", "MX-GRO", "MX-OAX"};
    const char* types[] = {"report", "checkin", "checkin_missed"};
    for (int i = 0; i < 3000; ++i) {
      char t[32];
      const int minute = i * 7 + static_cast<int>(rng() % 300);  // some out of order
      std::snprintf(t, sizeof t, "2017-03-%02dT%02d:%02d:00Z", 1 + minute / 1440, minute / 60 % 24,
                    minute % 60);
      h.Push(Ev("e" + std::to_string(i), t, R"("subject":"p-)" + std::to_string(rng() % 20) + "\"",
                regions[rng() % 3], types[rng() % 3]));
    }
    h.Finish();
    std::string out;
    for (const auto& a : h.alerts) out += vigia::engine::AlertJson(a) + "\n";
    return out;
  };
  Harness a(rules), b(rules);
  const std::string first = run(a);
  CHECK(!a.alerts.empty());
  CHECK(first == run(b));
}
