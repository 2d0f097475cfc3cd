// SPDX-License-Identifier: Apache-2.0
// Edge cases found in review, each pinned to the sentence of rules.md it keeps.
#include "engine/test_harness.h"

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;

TEST_CASE("every fired absence alert of a key can be retracted, not only the newest",
          "[engine][absence][retraction]") {
  Harness h(R"(
rules:
  - id: panic-unconfirmed
    level: critical
    absence: {after: {type: panic}, expect: {type: checkin}, within: 30m, by: [subject]}
)");
  auto ev = [](const char* id, const char* t, const char* type) {
    return Ev(id, t, R"("subject":"s1")", "MX-GRO", type);
  };
  h.Push(ev("p1", "2017-03-01T10:00:00Z", "panic"));
  h.Push(ev("p2", "2017-03-01T10:40:00Z", "panic"));
  h.Push(Ev("x", "2017-03-01T11:15:00Z"));
  REQUIRE(h.alerts.size() == 2);
  h.Push(ev("c1", "2017-03-01T10:20:00Z", "checkin"));  // answers p1 only (before p2)
  REQUIRE(h.retractions.size() == 1);
  CHECK(h.retractions[0].alert_id == h.alerts[0].id);
  h.Push(ev("c2", "2017-03-01T11:16:00Z", "checkin"));
  REQUIRE(h.retractions.size() == 2);
  CHECK(h.retractions[1].alert_id == h.alerts[1].id);
}

TEST_CASE("a rule at its key cap tracks no new key and counts what it left out", "[engine][bounded]") {
  Harness h(R"(
rules:
  - id: repeated-threats
    level: warning
    match: {category: threat}
    count: {at_least: 2, within: 1d, by: [subject]}
  - id: sequence-by-subject
    level: warning
    sequence: {steps: [{category: threat}, {category: raid}], within: 1d, by: [subject]}
)");
  h.engine().set_max_keys(2);
  auto ev = [](const std::string& id, const std::string& subject, const char* category) {
    return Ev(id, "2017-03-01T10:00:00Z", R"("subject":")" + subject + R"(","category":")" + category + "\"");
  };
  for (const char* s : {"s1", "s2", "s3", "s4"}) h.Push(ev(std::string("a-") + s, s, "threat"));
  // The keys held go on: s1 and s2 fire; s3 and s4 were never tracked.
  for (const char* s : {"s1", "s2", "s3", "s4"}) h.Push(ev(std::string("b-") + s, s, "threat"));
  std::vector<std::string> fired;
  for (const auto& a : h.alerts) fired.push_back(a.rule + ":" + a.subject.value_or(""));
  CHECK(fired == std::vector<std::string>{"repeated-threats:s1", "repeated-threats:s2"});
  const auto& counters = h.engine().counters();
  CHECK(counters[0].keys_capped == 4);
  CHECK(counters[1].keys_capped == 4);
}

TEST_CASE("a sequence finds its match behind many stale candidates", "[engine][sequence][bounded]") {
  Harness h(R"(
rules:
  - id: four-steps
    level: warning
    sequence:
      steps: [{category: threat}, {category: surveillance}, {category: raid}, {category: arbitrary_detention}]
      within: 2h
)");
  auto ev = [](const std::string& id, const std::string& t, const char* category) {
    return Ev(id, "2017-03-01T" + t + "Z", std::string(R"("category":")") + category + "\"", "MX-OAX");
  };
  for (int i = 0; i < 31; ++i) h.Push(ev("t" + std::to_string(i), "00:00:00", "threat"));
  h.Push(ev("t-late", "01:00:00", "threat"));
  h.Push(ev("d0", "01:24:00", "arbitrary_detention"));
  for (int i = 0; i < 32; ++i) h.Push(ev("s" + std::to_string(i), "01:30:00", "surveillance"));
  for (int i = 0; i < 32; ++i) h.Push(ev("r" + std::to_string(i), "01:30:00", "raid"));
  CHECK(h.alerts.empty());
  h.Push(ev("e", "02:30:00", "arbitrary_detention"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"t-late", "s0", "r0", "e"}));
  CHECK(h.counters().search_exhausted == 0);
}

TEST_CASE("cooldown does not depend on how much unrelated traffic arrived", "[engine][cooldown][determinism]") {
  const char* rules = R"(
rules:
  - id: killing-now
    level: critical
    match: {type: report, category: killing}
    by: [region]
    cooldown: 1h
)";
  for (int fillers : {10, 5000}) {
    Harness h(rules);
    h.Push(Ev("k1", "2017-03-01T10:00:00Z", R"("category":"killing")", "MX-GRO"));
    for (int i = 0; i < fillers; ++i) h.Push(Ev("f" + std::to_string(i), "2017-03-01T11:30:00Z", "", "MX-OAX"));
    h.Push(Ev("k2", "2017-03-01T10:30:00Z", R"("category":"killing")", "MX-GRO"));
    INFO("fillers: " << fillers);
    CHECK(h.alerts.size() == 1);  // k2 is 30m from k1's alert: within the cooldown
  }
}

TEST_CASE("cooldown does not suppress a late firing far from the last alert", "[engine][cooldown]") {
  Harness h(R"(
rules:
  - id: killing-now
    level: critical
    match: {type: report, category: killing}
    cooldown: 1h
)");
  h.Push(Ev("k1", "2017-03-01T10:00:00Z", R"("category":"killing")"));
  h.Push(Ev("k0", "2017-02-20T10:00:00Z", R"("category":"killing")"));  // reported late
  CHECK(h.alerts.size() == 2);
}

TEST_CASE("a rejected duplicate_conflict does not move the replay clock", "[engine][dedup][clock]") {
  Harness h(R"(
rules:
  - id: panic-unconfirmed
    level: critical
    absence: {after: {type: panic}, expect: {type: checkin}, within: 30m, by: [subject]}
)");
  h.Push(Ev("p1", "2017-03-01T10:00:00Z", R"("subject":"s1")", "MX-GRO", "panic"));
  CHECK(h.Push(Ev("p1", "2017-03-01T12:00:00Z", R"("subject":"s1")", "MX-GRO", "panic")) ==
        vigia::engine::DedupIndex::Verdict::kConflict);
  h.Push(Ev("c1", "2017-03-01T10:10:00Z", R"("subject":"s1")", "MX-GRO", "checkin"));
  h.Finish("2017-03-02T00:00:00Z");
  CHECK(h.alerts.empty());
}

TEST_CASE("by values never merge into one key", "[engine][by]") {
  Harness h(R"(
rules:
  - id: pair-count
    level: warning
    match: {type: report}
    count: {at_least: 2, within: 1d, by: [subject, municipality]}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", R"("subject":"p-a\u001fJuarez","municipality":"Chihuahua")"));
  h.Push(Ev("e2", "2017-03-01T11:00:00Z", R"("subject":"p-a","municipality":"Juarez\u001fChihuahua")"));
  CHECK(h.alerts.empty());
}

TEST_CASE("an alert event without a shared region has no region", "[engine][alerts-as-events]") {
  Harness h(R"(
rules:
  - id: base-count
    level: watch
    match: {type: report}
    count: {at_least: 2, within: 1d}
  - id: multi-region-alerts
    level: warning
    match: {type: alert, category: base-count, region: {exists: false}}
  - id: single-region-alerts
    level: warning
    match: {type: alert, category: base-count, region: {exists: true}}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", "", "MX-CHH"));
  h.Push(Ev("e2", "2017-03-01T11:00:00Z", "", "MX-OAX"));
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[0].region == std::nullopt);
  CHECK(h.alerts[1].rule == "multi-region-alerts");
}

TEST_CASE("a rule naming type: alert inside any: sees alert events", "[engine][alerts-as-events][index]") {
  Harness h(R"(
rules:
  - id: threats
    level: watch
    match: {type: report, category: threat}
  - id: escalate-any
    level: critical
    match: {any: [{type: alert, category: threats}, {type: alert, category: killings}]}
)");
  h.Push(Ev("t1", "2017-03-01T10:00:00Z", R"("category":"threat")"));
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[1].rule == "escalate-any");
}

TEST_CASE("a sequence fires at most once per event and key across variants", "[engine][sequence][overrides]") {
  Harness h(R"(
rules:
  - id: threat-then-miss
    level: warning
    sequence:
      steps: [{type: report, category: threat}, {type: checkin_missed}]
      within: 72h
      by: [subject]
    overrides:
      - where: {group: [journalist]}
        level: critical
)");
  h.Push(Ev("t1", "2017-03-01T10:00:00Z", R"("subject":"p1","groups":["journalist"],"category":"threat")"));
  h.Push(Ev("t2", "2017-03-01T11:00:00Z", R"("subject":"p1","groups":["women_hrd"],"category":"threat")"));
  h.Push(Ev("m1", "2017-03-02T10:00:00Z", R"("subject":"p1")", "MX-CHH", "checkin_missed"));
  CHECK(h.alerts.size() == 1);
}

TEST_CASE("the default lateness of a long window is capped at 30 days", "[engine][lateness]") {
  Harness h(R"(
rules:
  - id: slow
    level: info
    match: {type: report}
    count: {at_least: 3, within: 60d}
)");
  h.Push(Ev("e1", "2017-03-01T10:00:00Z"));
  h.Push(Ev("e2", "2017-04-15T10:00:00Z"));
  h.Push(Ev("e3", "2017-03-02T10:00:00Z"));  // 44 days behind the clock
  CHECK(h.alerts.empty());
  CHECK(h.counters().late == 1);
}

TEST_CASE("spike compares exactly on the boundary", "[engine][spike]") {
  Harness h(R"(
rules:
  - id: sp
    level: info
    match: {type: report}
    spike: {window: 1h, baseline: 7h, ratio: 7, min_count: 29}
)");
  int n = 0;
  // 29 events over the 7h baseline, then 29 in the window: 29 ≥ 7 × 29 × 1/7.
  for (int i = 0; i < 29; ++i) {
    char t[40];
    std::snprintf(t, sizeof t, "2017-03-01T%02d:%02d:00Z", 1 + i / 5, (i % 5) * 10);
    h.Push(Ev("b" + std::to_string(++n), t));
  }
  CHECK(h.alerts.empty());
  for (int i = 0; i < 29; ++i) {
    char t[40];
    std::snprintf(t, sizeof t, "2017-03-01T08:%02d:00Z", 1 + i);
    h.Push(Ev("c" + std::to_string(++n), t));
  }
  CHECK(h.alerts.size() == 1);
}

TEST_CASE("key values with colons, digits and empty text come back as they were",
          "[engine][keys]") {
  // State is keyed by the values joined with length prefixes; alerts and
  // deadlines read the values back from that text.
  Harness h(R"(
rules:
  - id: by-two-fields
    level: info
    match: {type: report}
    count: {at_least: 1, within: 1h, by: [attrs.code, subject]}
  - id: missed-beat
    level: info
    heartbeat: {of: {type: checkin}, every: 1h, by: [attrs.code, subject]}
)");
  h.Push(Ev("e1", "2024-05-01T10:00:00Z", R"("subject":"12:3","attrs":{"code":"4:ab:"})"));
  h.Push(Ev("e2", "2024-05-01T10:01:00Z", R"("subject":"s","attrs":{"code":""})"));
  h.Push(Ev("c1", "2024-05-01T10:02:00Z", R"("subject":"0:","attrs":{"code":"1"})", "MX-CHH",
            "checkin"));
  h.Finish("2024-05-01T12:00:00Z");
  using Key = std::vector<std::pair<std::string, std::string>>;
  REQUIRE(h.alerts.size() == 3);
  CHECK(h.alerts[0].key == Key{{"attrs.code", "4:ab:"}, {"subject", "12:3"}});
  CHECK(h.alerts[1].key == Key{{"attrs.code", ""}, {"subject", "s"}});
  CHECK(h.alerts[2].rule == "missed-beat");
  CHECK(h.alerts[2].key == Key{{"attrs.code", "1"}, {"subject", "0:"}});
}
