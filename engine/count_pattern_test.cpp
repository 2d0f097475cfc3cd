// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;

namespace {

const char* kThreeIn7d = R"(
rules:
  - id: cluster
    level: warning
    match: {type: report, category: threat}
    count: {at_least: 3, within: 7d, by: [region]}
    summary: "{count} threats in {region} from {first_time} to {last_time}"
)";

const std::string kThreat = R"("category":"threat")";

}  // namespace

TEST_CASE("count fires when N events of one key span at most the window", "[engine][count]") {
  Harness h(kThreeIn7d);
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", kThreat));
  h.Push(Ev("e2", "2017-03-03T10:00:00Z", kThreat));
  CHECK(h.alerts.empty());
  h.Push(Ev("e3", "2017-03-06T09:00:00Z", kThreat));
  REQUIRE(h.alerts.size() == 1);
  const auto& a = h.alerts[0];
  CHECK(a.rule == "cluster");
  CHECK(a.events == Ids({"e1", "e2", "e3"}));
  CHECK(a.count == 3);
  CHECK(vigia::FormatRfc3339(a.time) == "2017-03-06T09:00:00Z");
  CHECK(vigia::FormatRfc3339(a.first_time) == "2017-03-01T10:00:00Z");
  CHECK(a.key == std::vector<std::pair<std::string, std::string>>{{"region", "MX-CHH"}});
  CHECK(a.region == std::optional<std::string>("MX-CHH"));
  CHECK(a.summary == "3 threats in MX-CHH from 2017-03-01T10:00:00Z to 2017-03-06T09:00:00Z");
  CHECK(a.variant == "base");
  CHECK(a.id.size() == 18);
  CHECK(a.id.rfind("a-", 0) == 0);
}

TEST_CASE("count window boundary: a span of exactly the window fires, one second more does not",
          "[engine][count]") {
  SECTION("exactly 7d") {
    Harness h(kThreeIn7d);
    h.Push(Ev("e1", "2017-03-01T10:00:00Z", kThreat));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", kThreat));
    h.Push(Ev("e3", "2017-03-08T10:00:00Z", kThreat));
    CHECK(h.alerts.size() == 1);
  }
  SECTION("7d and 1s") {
    Harness h(kThreeIn7d);
    h.Push(Ev("e1", "2017-03-01T10:00:00Z", kThreat));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", kThreat));
    h.Push(Ev("e3", "2017-03-08T10:00:01Z", kThreat));
    CHECK(h.alerts.empty());
  }
}

TEST_CASE("count consumes exactly the N events of the firing", "[engine][count]") {
  Harness h(kThreeIn7d);
  for (int i = 1; i <= 5; ++i)
    h.Push(Ev("e" + std::to_string(i), "2017-03-0" + std::to_string(i) + "T10:00:00Z", kThreat));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"e1", "e2", "e3"}));
  h.Push(Ev("e6", "2017-03-06T10:00:00Z", kThreat));
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[1].events == Ids({"e4", "e5", "e6"}));
}

TEST_CASE("count keys are separate", "[engine][count]") {
  Harness h(kThreeIn7d);
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", kThreat, "MX-CHH"));
  h.Push(Ev("e2", "2017-03-02T10:00:00Z", kThreat, "MX-GRO"));
  h.Push(Ev("e3", "2017-03-03T10:00:00Z", kThreat, "MX-CHH"));
  CHECK(h.alerts.empty());
  h.Push(Ev("e4", "2017-03-04T10:00:00Z", kThreat, "MX-CHH"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"e1", "e3", "e4"}));
}

TEST_CASE("count: a late event inside lateness completes the run that ends earliest",
          "[engine][count]") {
  Harness h(kThreeIn7d);
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", kThreat));
  h.Push(Ev("e3", "2017-03-09T10:00:00Z", kThreat));
  h.Push(Ev("e4", "2017-03-10T10:00:00Z", kThreat));
  CHECK(h.alerts.empty());
  // Arrives late (clock is 03-10), happened 03-05: runs [e1,e2,e3] span 8d (too long),
  // [e2,e3,e4] span 5d: fires with those.
  h.Push(Ev("e2", "2017-03-05T10:00:00Z", kThreat));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"e2", "e3", "e4"}));
  CHECK(vigia::FormatRfc3339(h.alerts[0].time) == "2017-03-10T10:00:00Z");
}

TEST_CASE("count: of several runs with the new event, the one that ends earliest is taken",
          "[engine][count]") {
  Harness h(R"(
rules:
  - id: pair
    level: info
    match: {type: report}
    count: {at_least: 2, within: 1d}
)");
  h.Push(Ev("a", "2017-03-01T10:00:00Z"));
  h.Push(Ev("c", "2017-03-01T14:00:00Z"));  // fires [a, c]
  REQUIRE(h.alerts.size() == 1);
  h.Push(Ev("d", "2017-03-03T10:00:00Z"));
  h.Push(Ev("f", "2017-03-03T18:00:00Z"));  // fires [d, f]
  REQUIRE(h.alerts.size() == 2);
  h.Push(Ev("g", "2017-03-05T10:00:00Z"));
  h.Push(Ev("h", "2017-03-05T12:00:00Z"));
  // A late event between g and h: runs [g, late] and [late, h]; [g, late] ends earliest.
  h.Push(Ev("late", "2017-03-05T11:00:00Z"));
  REQUIRE(h.alerts.size() == 3);
  CHECK(h.alerts[2].events == Ids({"g", "h"}));
}

TEST_CASE("count: events with equal times are ordered by arrival", "[engine][count]") {
  Harness h(kThreeIn7d);
  h.Push(Ev("x", "2017-03-01T10:00:00Z", kThreat));
  h.Push(Ev("y", "2017-03-01T10:00:00Z", kThreat));
  h.Push(Ev("z", "2017-03-01T10:00:00Z", kThreat));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"x", "y", "z"}));
}

TEST_CASE("count: an event older than clock − lateness is late and not counted",
          "[engine][count][lateness]") {
  Harness h(R"(
rules:
  - id: pair
    level: info
    match: {type: report}
    count: {at_least: 2, within: 1h}
)");
  h.Push(Ev("a", "2017-03-01T10:00:00Z"));
  h.Push(Ev("b", "2017-03-01T13:00:00Z"));
  h.Push(Ev("old", "2017-03-01T10:30:00Z"));  // 2.5h behind the clock; lateness = within = 1h
  CHECK(h.alerts.empty());
  CHECK(h.counters().late == 1);
}

TEST_CASE("count with distinct counts different values only, keeping the newest per value",
          "[engine][count][distinct]") {
  Harness h(R"(
rules:
  - id: defenders
    level: warning
    match: {type: report}
    count: {at_least: 3, within: 30d, by: [attrs.project], distinct: subject}
)");
  auto ev = [](const std::string& id, const std::string& day, const std::string& subject) {
    return Ev(id, "2017-05-" + day + "T10:00:00Z",
              R"("subject":")" + subject + R"(","attrs":{"project":"dam-1"})");
  };
  h.Push(ev("e1", "01", "p-1"));
  h.Push(ev("e2", "02", "p-1"));
  h.Push(ev("e3", "03", "p-2"));
  CHECK(h.alerts.empty());
  h.Push(Ev("nosubj", "2017-05-04T10:00:00Z", R"("attrs":{"project":"dam-1"})"));
  CHECK(h.alerts.empty());
  h.Push(ev("e4", "05", "p-3"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"e2", "e3", "e4"}));
  CHECK(h.alerts[0].key == std::vector<std::pair<std::string, std::string>>{{"attrs.project", "dam-1"}});
}

TEST_CASE("count keeps at most max(2N, 64) events per key, dropping the oldest",
          "[engine][count][bounded]") {
  Harness h(R"(
rules:
  - id: many
    level: info
    match: {type: report}
    count: {at_least: 100, within: 30d}
)");
  for (int i = 0; i < 250; ++i) {
    char t[32];
    std::snprintf(t, sizeof t, "2017-03-01T%02d:%02d:00Z", i / 60, i % 60);
    h.Push(Ev("e" + std::to_string(i), t));
  }
  // 200 kept; the 100 events that fired first were consumed.
  CHECK(h.alerts.size() == 2);
  CHECK(h.counters().dropped == 0);
  Harness small(R"(
rules:
  - id: few
    level: info
    match: {type: report}
    count: {at_least: 40, within: 30d, by: [subject]}
)");
  for (int i = 0; i < 90; ++i)
    small.Push(Ev("s" + std::to_string(i), "2017-03-01T10:00:00Z",
                  R"("subject":"p-)" + std::to_string(i % 2) + "\""));
  CHECK(small.alerts.size() == 2);  // 45 per subject: one firing each, 5 left
  CHECK(small.counters().dropped == 0);
}

TEST_CASE("count state expires and is freed", "[engine][count][bounded]") {
  Harness h(kThreeIn7d);
  for (int i = 0; i < 32; ++i)
    h.Push(Ev("e" + std::to_string(i), "2017-03-01T10:00:00Z", kThreat,
              i % 2 ? "MX-GRO" : "MX-OAX"));
  CHECK(h.engine().open_keys() == 2);
  h.AdvanceTo("2017-04-01T00:00:00Z");
  h.engine().Sweep();
  CHECK(h.engine().open_keys() == 0);
}

TEST_CASE("count drops the oldest events beyond the cap and counts them", "[engine][count][bounded]") {
  Harness h(R"(
rules:
  - id: sparse
    level: info
    match: {type: report}
    count: {at_least: 3, within: 1h}
    lateness: 30d
)");
  for (int i = 0; i < 70; ++i) {
    char t[32];
    std::snprintf(t, sizeof t, "2017-03-%02dT%02d:00:00Z", 1 + i / 12, (i % 12) * 2);
    h.Push(Ev("e" + std::to_string(i), t));
  }
  CHECK(h.alerts.empty());
  CHECK(h.counters().dropped == 6);
}
