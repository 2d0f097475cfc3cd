// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/report.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace vigia::cli {
namespace {

TimeUs At(const char* text) { return *ParseRfc3339(text); }

Event Ev(const char* id, const char* time, const char* region, std::vector<std::string> groups,
         const char* category) {
  Event e;
  e.id = id;
  e.type = "report";
  e.time = At(time);
  e.source = "t";
  e.region = region;
  e.groups = std::move(groups);
  e.category = category;
  return e;
}

// An alert that fired when it happened (the offline clock on in-order events).
engine::Alert Al(const char* id, const char* rule, const char* time, const char* region,
                 std::vector<std::string> groups, rules::Level level = rules::Level::kWarning) {
  engine::Alert a;
  a.id = id;
  a.rule = rule;
  a.level = level;
  a.time = a.fired_at = At(time);
  if (*region) a.region = region;
  a.groups = std::move(groups);
  return a;
}

ReportCollector Collector() { return ReportCollector(Catalogs::Defaults().taxonomy); }

}  // namespace

TEST_CASE("The severe categories are the taxonomy's severe flag", "[cli][report]") {
  auto c = Collector();
  CHECK(c.IsSevere(Ev("k", "2017-03-01T00:00:00Z", "MX-GRO", {}, "killing")));
  CHECK(c.IsSevere(Ev("a", "2017-03-01T00:00:00Z", "MX-GRO", {}, "attempted_killing")));
  CHECK(c.IsSevere(Ev("d", "2017-03-01T00:00:00Z", "MX-GRO", {}, "disappearance")));
  CHECK_FALSE(c.IsSevere(Ev("b", "2017-03-01T00:00:00Z", "MX-GRO", {}, "abduction")));
  CHECK_FALSE(c.IsSevere(Ev("t", "2017-03-01T00:00:00Z", "MX-GRO", {}, "threat")));
  Event none = Ev("n", "2017-03-01T00:00:00Z", "MX-GRO", {}, "threat");
  none.category.reset();
  CHECK_FALSE(c.IsSevere(none));
  CHECK(c.Build().severe_categories ==
        std::vector<std::string>{"attempted_killing", "disappearance", "killing"});
}

TEST_CASE("Lead time is from the alert to the next severe event of its region and group",
          "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "r", "2017-03-01T10:00:00Z", "MX-GRO", {"journalist"}));

  SECTION("a severe event 3 days later: lead 3d") {
    c.AddEvent(Ev("k", "2017-03-04T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
    const Report r = c.Build();
    REQUIRE(r.alerts.size() == 1);
    CHECK(r.alerts[0].alerts == 1);
    CHECK(r.alerts[0].followed == 1);
    CHECK(r.alerts[0].lead_median == 3 * kDay);
    CHECK(r.alerts[0].lead_min == 3 * kDay);
    CHECK(r.alerts[0].lead_max == 3 * kDay);
    REQUIRE(r.severe.size() == 1);
    CHECK(r.severe[0].events == 1);
    CHECK(r.severe[0].warned == 1);
  }
  SECTION("one 31 days later is not counted") {
    c.AddEvent(Ev("k", "2017-04-01T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
    const Report r = c.Build();
    CHECK(r.alerts[0].followed == 0);
    CHECK_FALSE(r.alerts[0].lead_median);
    CHECK(r.severe[0].warned == 0);
  }
  SECTION("exactly 30 days later still counts") {
    c.AddEvent(Ev("k", "2017-03-31T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
    CHECK(c.Build().alerts[0].lead_min == 30 * kDay);
  }
  SECTION("only the next one: a later severe event does not add a lead") {
    c.AddEvent(Ev("k2", "2017-03-09T10:00:00Z", "MX-GRO", {"journalist"}, "disappearance"));
    c.AddEvent(Ev("k1", "2017-03-02T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
    const Report r = c.Build();
    CHECK(r.alerts[0].followed == 1);
    CHECK(r.alerts[0].lead_max == kDay);
    // Both severe events were warned by it.
    CHECK(r.severe[0].events == 2);
    CHECK(r.severe[0].warned == 2);
  }
  SECTION("another region or group does not count") {
    c.AddEvent(Ev("k1", "2017-03-02T10:00:00Z", "MX-OAX", {"journalist"}, "killing"));
    c.AddEvent(Ev("k2", "2017-03-02T10:00:00Z", "MX-GRO", {"women_hrd"}, "killing"));
    const Report r = c.Build();
    CHECK(r.alerts[0].followed == 0);
    CHECK(r.severe_events == 2);
    CHECK(r.severe_warned == 0);
  }
  SECTION("a severe event before the alert, or one of its own, does not count") {
    c.AddEvent(Ev("k0", "2017-02-28T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
    c.AddEvent(Ev("k1", "2017-03-01T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
    const Report r = c.Build();
    CHECK(r.alerts[0].followed == 0);
    CHECK(r.severe_warned == 0);
  }
}

TEST_CASE("A severe event that happened before the alert fired was not warned of",
          "[cli][report]") {
  auto c = Collector();
  // Count rule completed by a late report: the alert's time is Mar 1, but it
  // fired only on Mar 5, after the killing of Mar 3.
  auto a = Al("a1", "r", "2017-03-01T10:00:00Z", "MX-GRO", {"journalist"});
  a.fired_at = At("2017-03-05T10:00:00Z");
  c.AddAlert(a);
  c.AddEvent(Ev("k1", "2017-03-03T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
  c.AddEvent(Ev("k2", "2017-03-07T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
  const Report r = c.Build();
  CHECK(r.alerts[0].followed == 1);
  CHECK(r.alerts[0].lead_min == 6 * kDay);  // to k2, from the alert's time
  CHECK(r.severe_events == 2);
  CHECK(r.severe_warned == 1);
}

TEST_CASE("The share counts severe events with any prior alert within 30 days", "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "r1", "2017-03-01T10:00:00Z", "MX-GRO", {"journalist"}));
  c.AddEvent(Ev("k1", "2017-03-05T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
  c.AddEvent(Ev("k2", "2017-05-05T10:00:00Z", "MX-GRO", {"journalist"}, "killing"));
  const Report r = c.Build();
  REQUIRE(r.severe.size() == 1);
  CHECK(r.severe[0].events == 2);
  CHECK(r.severe[0].warned == 1);
  CHECK(r.severe_events == 2);
  CHECK(r.severe_warned == 1);
  CHECK(RenderReportText(r).find("MX-GRO  journalist       2  1/2 (50%)") != std::string::npos);
}

TEST_CASE("An alert counts once per group; a severe event once in the total", "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "r", "2017-03-01T10:00:00Z", "MX-CHH", {"journalist", "women_hrd"}));
  c.AddEvent(
      Ev("k", "2017-03-02T10:00:00Z", "MX-CHH", {"journalist", "indigenous"}, "attempted_killing"));
  const Report r = c.Build();
  REQUIRE(r.alerts.size() == 2);
  CHECK(r.alerts[0].group == "journalist");
  CHECK(r.alerts[0].followed == 1);
  CHECK(r.alerts[1].group == "women_hrd");
  CHECK(r.alerts[1].followed == 0);
  REQUIRE(r.severe.size() == 2);
  CHECK(r.severe[0].group == "indigenous");
  CHECK(r.severe[0].warned == 0);
  CHECK(r.severe[1].group == "journalist");
  CHECK(r.severe[1].warned == 1);
  CHECK(r.severe_events == 1);
  CHECK(r.severe_warned == 1);
}

TEST_CASE("Alerts without a region or groups are listed under '-' and match nothing",
          "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "panic", "2017-03-01T10:00:00Z", "MX-GRO", {}));
  c.AddAlert(Al("a2", "subject", "2017-03-01T10:00:00Z", "", {"journalist"}));
  c.AddEvent(Ev("k", "2017-03-02T10:00:00Z", "MX-GRO", {}, "killing"));
  const Report r = c.Build();
  REQUIRE(r.alerts.size() == 2);
  CHECK(r.alerts[0].rule == "panic");
  CHECK(r.alerts[0].region == "MX-GRO");
  CHECK(r.alerts[0].group.empty());
  CHECK(r.alerts[0].followed == 0);
  CHECK(r.alerts[1].region.empty());
  CHECK(r.alerts[1].followed == 0);
  REQUIRE(r.severe.size() == 1);
  CHECK(r.severe[0].group.empty());
  CHECK(r.severe[0].warned == 0);
  const std::string text = RenderReportText(r);
  CHECK(text.find("panic    MX-GRO  -           warning") != std::string::npos);
  CHECK(text.find("subject  -       journalist  warning") != std::string::npos);
  CHECK(RenderReportJson(r).find(R"({"rule":"panic","region":"MX-GRO","group":null,)") !=
        std::string::npos);
}

TEST_CASE("Median, minimum and maximum lead per rule, region, group and level", "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "r", "2017-03-01T00:00:00Z", "MX-GRO", {"journalist"}));
  c.AddAlert(Al("a2", "r", "2017-03-02T00:00:00Z", "MX-GRO", {"journalist"}));
  c.AddAlert(Al("a3", "r", "2017-03-04T00:00:00Z", "MX-GRO", {"journalist"}));
  c.AddAlert(Al("a4", "r", "2017-03-04T12:00:00Z", "MX-GRO", {"journalist"}));
  c.AddAlert(
      Al("c1", "r", "2017-03-01T00:00:00Z", "MX-GRO", {"journalist"}, rules::Level::kCritical));
  c.AddEvent(Ev("k", "2017-03-05T00:00:00Z", "MX-GRO", {"journalist"}, "killing"));
  const Report r = c.Build();
  REQUIRE(r.alerts.size() == 2);
  const auto& w = r.alerts[0];
  CHECK(w.level == rules::Level::kWarning);
  CHECK(w.alerts == 4);
  CHECK(w.followed == 4);
  CHECK(w.lead_min == 12 * kHour);
  CHECK(w.lead_max == 4 * kDay);
  CHECK(w.lead_median == 2 * kDay);  // (1d + 3d) / 2
  CHECK(r.alerts[1].level == rules::Level::kCritical);
  CHECK(r.alerts[1].lead_median == 4 * kDay);
}

TEST_CASE("Shadow rules are marked and counted apart in the share", "[cli][report]") {
  auto c = Collector();
  auto a = Al("a1", "trial", "2017-03-01T00:00:00Z", "MX-GRO", {"journalist"});
  a.shadow = true;
  c.AddAlert(a);
  c.AddEvent(Ev("k", "2017-03-02T00:00:00Z", "MX-GRO", {"journalist"}, "killing"));
  const Report r = c.Build();
  CHECK(r.alerts[0].shadow);
  CHECK(r.severe[0].warned == 1);
  CHECK(r.severe[0].warned_without_shadow == 0);
  CHECK(r.severe_warned == 1);
  CHECK(r.severe_warned_without_shadow == 0);
  CHECK(RenderReportText(r).find("trial [shadow]") != std::string::npos);
  CHECK(RenderReportJson(r).find(R"("shadow":true)") != std::string::npos);
}

TEST_CASE("Retracted alerts are counted as resolved", "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "r", "2017-03-01T00:00:00Z", "MX-GRO", {"journalist"}));
  c.AddAlert(Al("a2", "r", "2017-03-02T00:00:00Z", "MX-GRO", {"journalist"}));
  engine::Retraction x;
  x.alert_id = "a2";
  c.AddRetraction(x);
  const Report r = c.Build();
  CHECK(r.alerts[0].alerts == 2);
  CHECK(r.alerts[0].resolved == 1);
}

TEST_CASE("The report does not depend on the order it was fed in", "[cli][report]") {
  std::vector<engine::Alert> alerts = {
      Al("a1", "b-rule", "2017-03-01T00:00:00Z", "MX-GRO", {"journalist"}),
      Al("a2", "a-rule", "2017-03-02T00:00:00Z", "MX-OAX", {"journalist", "indigenous"}),
      Al("a3", "b-rule", "2017-03-03T00:00:00Z", "MX-CHH", {"journalist"}),
  };
  std::vector<Event> events = {
      Ev("k1", "2017-03-04T00:00:00Z", "MX-GRO", {"journalist"}, "killing"),
      Ev("k2", "2017-03-05T00:00:00Z", "MX-OAX", {"indigenous"}, "disappearance"),
      Ev("k3", "2017-03-06T00:00:00Z", "MX-CHH", {"journalist"}, "attempted_killing"),
  };
  auto render = [&] {
    auto c = Collector();
    for (const auto& a : alerts) c.AddAlert(a);
    for (const auto& e : events) c.AddEvent(e);
    const Report r = c.Build();
    return RenderReportText(r) + RenderReportJson(r);
  };
  const std::string first = render();
  std::reverse(alerts.begin(), alerts.end());
  std::reverse(events.begin(), events.end());
  CHECK(render() == first);
}

TEST_CASE("The text and JSON renderings of a small report", "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "journalist-threat-cluster", "2017-03-01T10:00:00Z", "MX-GRO", {"journalist"},
                rules::Level::kCritical));
  c.AddAlert(Al("a2", "lethal-attack", "2017-03-04T12:30:00Z", "MX-GRO", {"journalist"},
                rules::Level::kCritical));
  c.AddEvent(Ev("k", "2017-03-04T12:30:00Z", "MX-GRO", {"journalist"}, "killing"));
  c.AddEvent(Ev("d", "2017-03-10T00:00:00.5Z", "MX-OAX", {"indigenous"}, "disappearance"));
  const Report r = c.Build();
  CHECK(RenderReportText(r) ==
        "Alerts per rule, region, group and level\n"
        "(lead: from the alert's time to the next attempted_killing, disappearance or killing of "
        "the same region and group, after the alert fired and within 30d)\n"
        "\n"
        "rule                       region  group       level     alerts  resolved  followed  "
        "median lead  min lead  max lead\n"
        "journalist-threat-cluster  MX-GRO  journalist  critical       1         0         1      "
        "3d2h30m   3d2h30m   3d2h30m\n"
        "lethal-attack              MX-GRO  journalist  critical       1         0         0       "
        "     "
        "-         -         -\n"
        "\n"
        "Severe events per region and group\n"
        "(warned: an alert of the same region and group fired before it, at most 30d earlier; "
        "shadow rules included, then left out)\n"
        "\n"
        "region  group       events      warned  without shadow\n"
        "MX-GRO  journalist       1  1/1 (100%)      1/1 (100%)\n"
        "MX-OAX  indigenous       1    0/1 (0%)        0/1 (0%)\n"
        "all                      2   1/2 (50%)       1/2 (50%)\n");
  CHECK(
      RenderReportJson(r) ==
      R"({"report":"vigia.replay","version":1,"horizon_s":2592000,"severe_categories":["attempted_killing","disappearance","killing"],
"alerts":[
 {"rule":"journalist-threat-cluster","region":"MX-GRO","group":"journalist","level":"critical","shadow":false,"alerts":1,"resolved":0,"followed":1,"lead_median_s":268200,"lead_min_s":268200,"lead_max_s":268200},
 {"rule":"lethal-attack","region":"MX-GRO","group":"journalist","level":"critical","shadow":false,"alerts":1,"resolved":0,"followed":0,"lead_median_s":null,"lead_min_s":null,"lead_max_s":null}
],
"severe":[
 {"region":"MX-GRO","group":"journalist","events":1,"warned":1,"warned_without_shadow":1},
 {"region":"MX-OAX","group":"indigenous","events":1,"warned":0,"warned_without_shadow":0}
],
"severe_total":{"events":2,"warned":1,"warned_without_shadow":1}}
)");
}

TEST_CASE("Lead times in JSON keep their fraction of a second", "[cli][report]") {
  auto c = Collector();
  c.AddAlert(Al("a1", "r", "2017-03-01T10:00:00Z", "MX-GRO", {"journalist"}));
  c.AddEvent(Ev("k", "2017-03-01T10:00:01.5Z", "MX-GRO", {"journalist"}, "killing"));
  const std::string json = RenderReportJson(c.Build());
  CHECK(json.find(R"("lead_median_s":1.5,"lead_min_s":1.5,"lead_max_s":1.5})") !=
        std::string::npos);
}

TEST_CASE("An empty report says so", "[cli][report]") {
  const Report r = Collector().Build();
  const std::string text = RenderReportText(r);
  CHECK(text.find("no alerts\n") != std::string::npos);
  CHECK(text.find("no severe events\n") != std::string::npos);
  CHECK(RenderReportJson(r) ==
        "{\"report\":\"vigia.replay\",\"version\":1,\"horizon_s\":2592000,\"severe_categories\":"
        "[\"attempted_killing\",\"disappearance\",\"killing\"],\n\"alerts\":[],\n\"severe\":[],\n"
        "\"severe_total\":{\"events\":0,\"warned\":0,\"warned_without_shadow\":0}}\n");
}

}  // namespace vigia::cli
