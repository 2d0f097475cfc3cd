// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;

namespace {

const char* kThreatThenMiss = R"(
rules:
  - id: search-risk
    level: critical
    where: {group: [disappeared_families]}
    sequence:
      steps:
        - {type: report, category: [threat, harassment]}
        - {type: checkin_missed}
      within: 72h
      by: [subject]
)";

std::string Threat(const std::string& id, const std::string& t, const std::string& subject = "p-1") {
  return Ev(id, t, R"("groups":["disappeared_families"],"category":"threat","subject":")" + subject + "\"",
            "MX-GRO");
}
std::string Missed(const std::string& id, const std::string& t, const std::string& subject = "p-1") {
  // A missed check-in carries no groups: later steps need only their own conditions.
  return Ev(id, t, R"("subject":")" + subject + "\"", "MX-GRO", "checkin_missed");
}

}  // namespace

TEST_CASE("sequence fires when the steps happen in order within the window", "[engine][sequence]") {
  Harness h(kThreatThenMiss);
  h.Push(Threat("t1", "2017-06-01T10:00:00Z"));
  h.Push(Missed("m1", "2017-06-03T10:00:00Z"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"t1", "m1"}));
  CHECK(h.alerts[0].key == std::vector<std::pair<std::string, std::string>>{{"subject", "p-1"}});
  CHECK(h.alerts[0].subject == std::optional<std::string>("p-1"));
  CHECK(vigia::FormatRfc3339(h.alerts[0].time) == "2017-06-03T10:00:00Z");
}

TEST_CASE("sequence does not fire out of the window, out of order or for another key",
          "[engine][sequence]") {
  SECTION("too late") {
    Harness h(kThreatThenMiss);
    h.Push(Threat("t1", "2017-06-01T10:00:00Z"));
    h.Push(Missed("m1", "2017-06-04T10:00:01Z"));
    CHECK(h.alerts.empty());
  }
  SECTION("missed check-in before the threat") {
    Harness h(kThreatThenMiss);
    h.Push(Missed("m1", "2017-06-01T10:00:00Z"));
    h.Push(Threat("t1", "2017-06-01T11:00:00Z"));
    CHECK(h.alerts.empty());
  }
  SECTION("another subject") {
    Harness h(kThreatThenMiss);
    h.Push(Threat("t1", "2017-06-01T10:00:00Z", "p-1"));
    h.Push(Missed("m1", "2017-06-02T10:00:00Z", "p-2"));
    CHECK(h.alerts.empty());
  }
  SECTION("the opening step out of scope") {
    Harness h(kThreatThenMiss);
    h.Push(Ev("t1", "2017-06-01T10:00:00Z", R"("groups":["journalist"],"category":"threat","subject":"p-1")"));
    h.Push(Missed("m1", "2017-06-02T10:00:00Z"));
    CHECK(h.alerts.empty());
  }
}

TEST_CASE("sequence: a late opening event completes a sequence with an earlier-arrived step",
          "[engine][sequence][lateness]") {
  Harness h(kThreatThenMiss);
  h.Push(Missed("m1", "2017-06-03T10:00:00Z"));
  h.Push(Threat("t1", "2017-06-02T10:00:00Z"));  // reported a day late
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"t1", "m1"}));
}

TEST_CASE("sequence takes the earliest match and consumes it", "[engine][sequence]") {
  Harness h(kThreatThenMiss);
  h.Push(Threat("t1", "2017-06-01T10:00:00Z"));
  h.Push(Threat("t2", "2017-06-01T12:00:00Z"));
  h.Push(Missed("m1", "2017-06-02T10:00:00Z"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"t1", "m1"}));
  h.Push(Missed("m2", "2017-06-02T11:00:00Z"));
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[1].events == Ids({"t2", "m2"}));
  h.Push(Missed("m3", "2017-06-02T12:00:00Z"));
  CHECK(h.alerts.size() == 2);  // both threats consumed
}

TEST_CASE("sequence: an event fills at most one step of one match", "[engine][sequence]") {
  Harness h(R"(
rules:
  - id: two-reports
    level: info
    sequence:
      steps:
        - {type: report}
        - {type: report}
      within: 1d
)");
  h.Push(Ev("a", "2017-06-01T10:00:00Z"));
  CHECK(h.alerts.empty());
  h.Push(Ev("b", "2017-06-01T11:00:00Z"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"a", "b"}));
}

namespace {
// `day`T10:`minute`:00Z
std::string AtMinute(const char* day, int minute) {
  char t[32];
  std::snprintf(t, sizeof t, "%sT10:%02d:00Z", day, minute);
  return t;
}
}  // namespace

TEST_CASE("sequence keeps at most 32 candidates per step", "[engine][sequence][bounded]") {
  Harness h(kThreatThenMiss);
  for (int i = 0; i < 40; ++i) h.Push(Threat("t" + std::to_string(i), AtMinute("2017-06-01", i)));
  CHECK(h.counters().dropped == 8);
  h.Push(Missed("m", "2017-06-02T10:00:00Z"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"t8", "m"}));
}

TEST_CASE("sequence keeps at most 32 candidates for a later step too",
          "[engine][sequence][bounded]") {
  Harness h(kThreatThenMiss);
  for (int i = 0; i < 40; ++i) h.Push(Missed("m" + std::to_string(i), AtMinute("2017-06-02", i)));
  CHECK(h.alerts.empty());
  // A late threat opens it: the earliest missed check-in still kept closes it.
  // (Nothing had opened the key, so the check-ins waited in the log of closing
  // events; the 8 oldest are dropped, and counted, when the key's state takes it.)
  h.Push(Threat("t", "2017-06-01T12:00:00Z"));
  CHECK(h.counters().dropped == 8);
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"t", "m8"}));
}

TEST_CASE("sequence: candidates of several steps survive a checkpoint", "[engine][sequence]") {
  // Each report is a candidate for the first two steps at once.
  const char* rules = R"(
rules:
  - id: reports-then-attack
    level: warning
    sequence:
      steps:
        - {type: report}
        - {type: report}
        - {type: report, category: [attack]}
      within: 1d
      by: [subject]
)";
  auto report = [](const std::string& id, const std::string& t, const std::string& category) {
    return Ev(id, t, R"("category":")" + category + R"(","subject":"p-1")");
  };
  Harness live(rules), resumed(rules);
  for (Harness* h : {&live, &resumed}) {
    h->Push(report("a", "2017-06-01T10:00:00Z", "threat"));
    h->Push(report("b", "2017-06-01T09:00:00Z", "harassment"));  // late: before a
  }
  CHECK(live.alerts.empty());
  const std::string blob = live.engine().SaveState();
  Harness fresh(rules);
  REQUIRE(fresh.engine().LoadState(blob).has_value());
  CHECK(fresh.engine().SaveState() == blob);
  CHECK(resumed.engine().SaveState() == blob);
  for (Harness* h : {&live, &fresh}) h->Push(report("c", "2017-06-01T11:00:00Z", "attack"));
  REQUIRE(live.alerts.size() == 1);
  CHECK(live.alerts[0].events == Ids({"b", "a", "c"}));
  REQUIRE(fresh.alerts.size() == 1);
  CHECK(fresh.alerts[0].id == live.alerts[0].id);
}
