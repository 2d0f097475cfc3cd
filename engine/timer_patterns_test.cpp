// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

using vigia::FormatRfc3339;
using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;

namespace {

const char* kPanic = R"(
rules:
  - id: panic-no-all-clear
    level: critical
    absence:
      after: {type: panic}
      expect: {type: checkin, attrs.status: safe}
      within: 30m
      by: [subject]
)";

std::string Panic(const std::string& id, const std::string& t, const std::string& subject = "p-1") {
  return Ev(id, t, R"("subject":")" + subject + "\"", "MX-GRO", "panic");
}
std::string Safe(const std::string& id, const std::string& t, const std::string& subject = "p-1") {
  return Ev(id, t, R"("subject":")" + subject + R"(","attrs":{"status":"safe"})", "MX-GRO", "checkin");
}

const char* kDaily = R"(
rules:
  - id: missed-checkin
    level: warning
    heartbeat:
      of: {type: checkin}
      every: 24h
      grace: 2h
      by: [subject]
)";

std::string Checkin(const std::string& id, const std::string& t, const std::string& extra = "") {
  std::string fields = R"("subject":"p-1")";
  if (!extra.empty()) fields += "," + extra;
  return Ev(id, t, fields, "MX-OAX", "checkin");
}

}  // namespace

TEST_CASE("absence fires at the deadline when nothing closes it", "[engine][absence]") {
  Harness h(kPanic);
  h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
  h.Push(Panic("p2", "2017-07-01T10:05:00Z"));  // joins without moving the deadline
  h.AdvanceTo("2017-07-01T10:29:59Z");
  CHECK(h.alerts.empty());
  h.AdvanceTo("2017-07-01T10:30:00Z");
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"p1", "p2"}));
  CHECK(FormatRfc3339(h.alerts[0].time) == "2017-07-01T10:30:00Z");
  CHECK(FormatRfc3339(h.alerts[0].fired_at) == "2017-07-01T10:30:00Z");
  CHECK(h.alerts[0].level == vigia::rules::Level::kCritical);
}

TEST_CASE("absence is closed by an expect event inside [opened_at, deadline]", "[engine][absence]") {
  SECTION("in time") {
    Harness h(kPanic);
    h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
    h.Push(Safe("s1", "2017-07-01T10:30:00Z"));  // exactly at the deadline still closes
    h.Finish("2017-07-02T00:00:00Z");
    CHECK(h.alerts.empty());
  }
  SECTION("an expect event before the panic does not close it") {
    Harness h(kPanic);
    h.Push(Safe("s0", "2017-07-01T09:59:00Z"));
    h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
    h.Finish("2017-07-02T00:00:00Z");
    CHECK(h.alerts.size() == 1);
  }
  SECTION("another subject's all-clear does not close it") {
    Harness h(kPanic);
    h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
    h.Push(Safe("s1", "2017-07-01T10:10:00Z", "p-2"));
    h.Finish("2017-07-02T00:00:00Z");
    CHECK(h.alerts.size() == 1);
  }
  SECTION("a check-in that is not 'safe' does not close it") {
    Harness h(kPanic);
    h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
    h.Push(Ev("c1", "2017-07-01T10:10:00Z", R"("subject":"p-1","attrs":{"status":"danger"})", "MX-GRO",
              "checkin"));
    h.Finish("2017-07-02T00:00:00Z");
    CHECK(h.alerts.size() == 1);
  }
}

TEST_CASE("absence: the next after event opens a new deadline", "[engine][absence]") {
  Harness h(kPanic);
  h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
  h.Push(Panic("p2", "2017-07-01T11:00:00Z"));  // the clock passes 10:30 first: p1 fires
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"p1"}));
  h.Finish("2017-07-01T12:00:00Z");
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[1].events == Ids({"p2"}));
}

TEST_CASE("absence alert is retracted by a late all-clear", "[engine][absence][retraction]") {
  Harness h(kPanic);
  h.Push(Panic("p1", "2017-07-01T10:00:00Z"));
  h.AdvanceTo("2017-07-01T10:31:00Z");
  REQUIRE(h.alerts.size() == 1);
  // The all-clear comes 20 minutes after the deadline.
  h.Push(Safe("s1", "2017-07-01T10:50:00Z"));
  REQUIRE(h.retractions.size() == 1);
  CHECK(h.retractions[0].alert_id == h.alerts[0].id);
  CHECK(h.retractions[0].event_id == "s1");
  CHECK(h.retractions[0].late_by == 20 * vigia::kMinute);
  CHECK(h.retractions[0].reason == "expected_event_arrived");
  h.Push(Safe("s2", "2017-07-01T10:55:00Z"));
  CHECK(h.retractions.size() == 1);  // resolved once; never reopens
}

TEST_CASE("heartbeat fires once when no check-in arrives in time", "[engine][heartbeat]") {
  Harness h(kDaily);
  h.Push(Checkin("c1", "2017-08-01T08:00:00Z"));
  h.AdvanceTo("2017-08-02T09:59:59Z");
  CHECK(h.alerts.empty());
  h.AdvanceTo("2017-08-02T10:00:00Z");  // 24h + 2h grace
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"c1"}));
  CHECK(FormatRfc3339(h.alerts[0].time) == "2017-08-02T10:00:00Z");
  h.AdvanceTo("2017-08-09T00:00:00Z");
  CHECK(h.alerts.size() == 1);  // silent until the next heartbeat
}

TEST_CASE("heartbeat is re-armed by each check-in and never moved back by a late one",
          "[engine][heartbeat]") {
  Harness h(kDaily);
  h.Push(Checkin("c1", "2017-08-01T08:00:00Z"));
  h.Push(Checkin("c2", "2017-08-02T07:00:00Z"));
  h.Push(Checkin("old", "2017-08-02T06:30:00Z"));  // late, older than c2
  h.AdvanceTo("2017-08-03T08:59:59Z");
  CHECK(h.alerts.empty());
  h.AdvanceTo("2017-08-03T09:00:00Z");
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"c2"}));
}

TEST_CASE("heartbeat: a person who never checked in is not overdue", "[engine][heartbeat]") {
  Harness h(kDaily);
  h.Push(Ev("r1", "2017-08-01T08:00:00Z", R"("subject":"p-1")"));
  h.Finish("2017-09-01T00:00:00Z");
  CHECK(h.alerts.empty());
}

TEST_CASE("heartbeat honours attrs.next_checkin_within within 1m..30×every", "[engine][heartbeat]") {
  SECTION("6h plus grace") {
    Harness h(kDaily);
    h.Push(Checkin("c1", "2017-08-01T08:00:00Z", R"("attrs":{"next_checkin_within":"6h"})"));
    h.AdvanceTo("2017-08-01T15:59:59Z");
    CHECK(h.alerts.empty());
    h.AdvanceTo("2017-08-01T16:00:00Z");
    CHECK(h.alerts.size() == 1);
  }
  SECTION("out of range is ignored and counted") {
    Harness h(kDaily);
    h.Push(Checkin("c1", "2017-08-01T08:00:00Z", R"("attrs":{"next_checkin_within":"40d"})"));
    h.AdvanceTo("2017-08-02T09:59:59Z");
    CHECK(h.alerts.empty());
    CHECK(h.counters().ignored_hints == 1);
    h.AdvanceTo("2017-08-02T10:00:00Z");
    CHECK(h.alerts.size() == 1);
  }
}

TEST_CASE("heartbeat alert is retracted by a late check-in and re-armed", "[engine][heartbeat][retraction]") {
  Harness h(kDaily);
  h.Push(Checkin("c1", "2017-08-01T08:00:00Z"));
  h.AdvanceTo("2017-08-02T11:00:00Z");
  REQUIRE(h.alerts.size() == 1);
  h.Push(Checkin("c2", "2017-08-02T12:00:00Z"));
  REQUIRE(h.retractions.size() == 1);
  CHECK(h.retractions[0].late_by == 2 * vigia::kHour);
  h.AdvanceTo("2017-08-03T14:00:00Z");
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[1].events == Ids({"c2"}));
}

TEST_CASE("deadlines fire in (deadline, rule id, key) order before the event that passes them",
          "[engine][clock]") {
  Harness h(R"(
rules:
  - id: b-rule
    level: info
    heartbeat: {of: {type: checkin}, every: 1h, by: [subject]}
  - id: a-rule
    level: info
    heartbeat: {of: {type: checkin}, every: 1h, by: [subject]}
  - id: reports
    level: info
    match: {type: report}
)");
  h.Push(Ev("c2", "2017-08-01T08:00:00Z", R"("subject":"p-2")", "MX-OAX", "checkin"));
  h.Push(Ev("c1", "2017-08-01T08:00:00Z", R"("subject":"p-1")", "MX-OAX", "checkin"));
  h.Push(Ev("r", "2017-08-01T10:00:00Z"));
  REQUIRE(h.alerts.size() == 5);
  CHECK(h.alerts[0].rule == "a-rule");
  CHECK(h.alerts[0].subject == std::optional<std::string>("p-1"));
  CHECK(h.alerts[1].rule == "a-rule");
  CHECK(h.alerts[1].subject == std::optional<std::string>("p-2"));
  CHECK(h.alerts[2].rule == "b-rule");
  CHECK(h.alerts[3].rule == "b-rule");
  CHECK(h.alerts[4].rule == "reports");
}
