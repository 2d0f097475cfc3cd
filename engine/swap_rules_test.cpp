// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;

namespace {

std::string CountRule(const std::string& level, const std::string& at_least,
                      const std::string& where = "") {
  return "rules:\n  - id: cluster\n    level: " + level + "\n" + where +
         "    match: {type: report}\n    count: {at_least: " + at_least +
         ", within: 7d, by: [region]}\n";
}

const char* kHeartbeat = R"(
rules:
  - id: hb
    level: warning
    heartbeat: {of: {type: checkin}, every: 1h, by: [subject]}
)";

}  // namespace

TEST_CASE("a reload keeps the state of rules whose pattern, by, where and match are unchanged",
          "[engine][reload]") {
  Harness h(CountRule("warning", "3"));
  h.Push(Ev("e1", "2017-03-01T10:00:00Z"));
  h.Push(Ev("e2", "2017-03-02T10:00:00Z"));
  SECTION("level and threshold edits keep the window") {
    h.Swap(CountRule("critical", "3"));
    h.Push(Ev("e3", "2017-03-03T10:00:00Z"));
    REQUIRE(h.alerts.size() == 1);
    CHECK(h.alerts[0].events == Ids({"e1", "e2", "e3"}));
    CHECK(h.alerts[0].level == vigia::rules::Level::kCritical);
    CHECK(h.counters().evaluations == 3);  // counters carry over too
  }
  SECTION("a changed where starts from the next event") {
    h.Swap(CountRule("warning", "3", "    where: {region: [MX-CHH, MX-GRO]}\n"));
    h.Push(Ev("e3", "2017-03-03T10:00:00Z"));
    CHECK(h.alerts.empty());
    CHECK(h.engine().open_keys() == 1);
  }
  SECTION("a removed rule's state is gone; an unrelated new rule starts empty") {
    h.Swap("rules:\n  - id: other\n    level: info\n    match: {type: report}\n"
           "    count: {at_least: 3, within: 7d, by: [region]}\n");
    h.Push(Ev("e3", "2017-03-03T10:00:00Z"));
    CHECK(h.alerts.empty());
  }
}

TEST_CASE("a reload carries open deadlines of kept rules", "[engine][reload]") {
  Harness h(kHeartbeat);
  h.Push(Ev("c1", "2017-08-01T08:00:00Z", R"("subject":"p-1")", "MX-OAX", "checkin"));
  h.Swap(std::string(kHeartbeat) + "    description: edited\n");
  h.AdvanceTo("2017-08-01T09:00:00Z");
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == Ids({"c1"}));
}
