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

TEST_CASE("a reload that changes only a boolean or a digit of a condition restarts the state",
          "[engine][reload]") {
  auto rule = [](const std::string& verified, const std::string& score) {
    return "rules:\n  - id: verified\n    level: warning\n"
           "    match: {type: report, attrs.verified: " +
           verified + ", attrs.score: {gte: " + score +
           "}}\n"
           "    count: {at_least: 2, within: 7d, by: [region]}\n";
  };
  const std::string both = R"("attrs":{"verified":true,"score":0.5})";
  Harness h(rule("true", "0.1234561"));
  h.Push(Ev("e1", "2017-03-01T10:00:00Z", both));
  SECTION("unchanged but for its layout: kept") {
    h.Swap(rule("true", "0.12345610"));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", both));
    CHECK(h.alerts.size() == 1);
  }
  SECTION("true to false") {
    h.Swap(rule("false", "0.1234561"));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", R"("attrs":{"verified":false,"score":0.5})"));
    CHECK(h.alerts.empty());
  }
  SECTION("a number that differs in its 7th decimal") {
    h.Swap(rule("true", "0.1234564"));
    h.Push(Ev("e2", "2017-03-02T10:00:00Z", both));
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

TEST_CASE("a reload re-indexes the open deadlines of kept rules and drops the others' in order",
          "[engine][reload]") {
  // Three heartbeats; the reload removes `hb-b`, changes `hb-c`'s `of` (its
  // state restarts), keeps `hb-d`, and adds `hb-a` and `hb-aa` before them,
  // so the kept rule moves from index 2 to index 3.
  auto heartbeat = [](const std::string& id, const std::string& of) {
    return "  - id: " + id + "\n    level: warning\n    heartbeat: {of: " + of +
           ", every: 1h, by: [subject]}\n";
  };
  Harness h("rules:\n" + heartbeat("hb-b", "{type: checkin}") +
            heartbeat("hb-c", "{type: checkin}") + heartbeat("hb-d", "{type: checkin}"));
  h.Push(Ev("c1", "2017-08-01T08:00:00Z", R"("subject":"p-1")", "MX-OAX", "checkin"));
  h.Push(Ev("c2", "2017-08-01T08:10:00Z", R"("subject":"p-2")", "MX-OAX", "checkin"));
  h.Swap("rules:\n" + heartbeat("hb-a", "{type: checkin}") + heartbeat("hb-aa", "{type: checkin}") +
         heartbeat("hb-c", "{type: checkin, source: test}") + heartbeat("hb-d", "{type: checkin}"));
  h.Push(Ev("c3", "2017-08-01T08:20:00Z", R"("subject":"p-3")", "MX-OAX", "checkin"));
  // p-2 beats again before its 09:10 deadline: the carried deadline is found
  // under the rule's new index and moved to 09:30.
  h.Push(Ev("c4", "2017-08-01T08:30:00Z", R"("subject":"p-2")", "MX-OAX", "checkin"));
  h.AdvanceTo("2017-08-01T10:00:00Z");
  std::vector<std::string> fired;
  for (const auto& a : h.alerts) fired.push_back(a.rule + "/" + a.events.at(0));
  // In (deadline, rule id, key) order; hb-b is gone, hb-c only has c3.
  CHECK(fired == Ids({"hb-d/c1", "hb-a/c3", "hb-aa/c3", "hb-c/c3", "hb-d/c3", "hb-a/c4",
                      "hb-aa/c4", "hb-c/c4", "hb-d/c4"}));
}
