// SPDX-License-Identifier: Apache-2.0
// The alert stream of the real vigiad (daemon.md "ZeroMQ", notifier.md "The
// alert"): topics, prefixes, the alert JSON, stateful rules in real time.
#include <ctime>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"

namespace vigia::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kRules = R"(rules:
  - id: killing-reported
    description: Every reported killing.
    level: critical
    match: {type: report, category: killing}
  - id: harassment-seen
    level: watch
    match: {type: report, category: harassment}
  - id: threat-cluster
    level: warning
    match: {type: report, category: threat}
    count: {at_least: 3, within: 1h, by: [region]}
  - id: abduction-pair
    level: warning
    match: {type: report, category: abduction}
    count: {at_least: 2, within: 1h}
)";

// An alert is also an event of type alert (rules.md "Alerts as events").
constexpr const char* kAlertOnAlertRules = R"(rules:
  - id: killing-reported
    level: critical
    match: {type: report, category: killing}
  - id: killing-escalated
    level: critical
    match: {type: alert, category: killing-reported}
)";

constexpr const char* kHeartbeatRule = R"(rules:
  - id: e2e-heartbeat
    level: warning
    heartbeat:
      of: {type: checkin}
      every: 2s
      by: [subject]
)";

boost::json::object Checkin(std::string_view id) {
  return {{"id", id},        {"type", "checkin"},  {"time", TimeFromNow()},
          {"source", "e2e"}, {"region", "MX-CHH"}, {"subject", "p-7f3a9c"}};
}

// `rfc3339` (whole seconds, Z) moved by `offset`.
std::string Shifted(const std::string& rfc3339, std::chrono::seconds offset) {
  std::tm tm{};
  if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return "<not a time>";
  const std::time_t t = timegm(&tm) + offset.count();
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

TEST_CASE("A none rule publishes its alert under alert.<level>.<region> with the alert JSON",
          "[e2e][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert.critical."});
  AckClient client(d.context(), d.AckEndpoint());

  const boost::json::object event = ReportEvent("kill-1", "killing");
  RequireAccepted(client, event);
  auto p = sub.Receive(10s);
  REQUIRE(p);
  INFO("alert: " << p->json);
  CHECK(p->topic == "alert.critical.MX-CHH");
  const boost::json::object& a = p->alert;
  CHECK(Str(a, "rule") == "killing-reported");
  CHECK(Str(a, "level") == "critical");
  CHECK(Str(a, "status") == "firing");
  CHECK(Str(a, "key") == "{}");
  CHECK(Str(a, "region") == "MX-CHH");
  CHECK(Strings(a, "groups") == std::vector<std::string>{"journalist"});
  CHECK(Strings(a, "events") == std::vector<std::string>{"kill-1"});
  CHECK(Str(a, "count") == "1");
  CHECK(Str(a, "time") == Str(event, "time"));
  CHECK(Str(a, "first_time") == Str(event, "time"));
  CHECK_THAT(Str(a, "alert"), Catch::Matches("a-[0-9a-f]{16}"));
  // fired_at is the engine's clock: the wall clock at arrival, not before the event.
  const std::string fired_at = Str(a, "fired_at");
  CHECK_THAT(fired_at, Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)"));
  CHECK(fired_at.substr(0, 19) >= Str(event, "time").substr(0, 19));
  CHECK(fired_at.substr(0, 19) <= TimeFromNow(1s).substr(0, 19));
}

TEST_CASE("Subscribers get the topics under their prefix and no others", "[e2e][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient critical = d.Subscribe({"alert.critical."});
  SubClient watch = d.Subscribe({"alert.watch."});
  SubClient other_region = d.Subscribe({"alert.critical.MX-SON"});
  SubClient everything = d.Subscribe({""});
  AckClient client(d.context(), d.AckEndpoint());

  RequireAccepted(client, ReportEvent("prefix-kill-1", "killing"));
  RequireAccepted(client, ReportEvent("prefix-harass-1", "harassment"));
  RequireAccepted(client, ReportEvent("prefix-kill-2", "killing"));
  boost::json::object in_sonora = ReportEvent("prefix-kill-son", "killing");
  in_sonora["region"] = "MX-SON";
  RequireAccepted(client, in_sonora);

  // The stream is ordered, so the next message a subscriber gets shows what it skipped.
  auto first = critical.Receive(10s), second = critical.Receive(10s), third = critical.Receive(10s);
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  CHECK(Strings(first->alert, "events") == std::vector<std::string>{"prefix-kill-1"});
  CHECK(Strings(second->alert, "events") == std::vector<std::string>{"prefix-kill-2"});
  CHECK(third->topic == "alert.critical.MX-SON");

  auto w = watch.Receive(10s);
  REQUIRE(w);
  CHECK(w->topic == "alert.watch.MX-CHH");
  CHECK(Strings(w->alert, "events") == std::vector<std::string>{"prefix-harass-1"});

  auto son = other_region.Receive(10s);
  REQUIRE(son);
  CHECK(Strings(son->alert, "events") == std::vector<std::string>{"prefix-kill-son"});

  std::vector<std::string> topics;
  while (topics.size() < 4)
    if (auto p = everything.Receive(10s))
      topics.push_back(p->topic);
    else
      break;
  CHECK(topics == std::vector<std::string>{"alert.critical.MX-CHH", "alert.watch.MX-CHH",
                                           "alert.critical.MX-CHH", "alert.critical.MX-SON"});
}

TEST_CASE("A count rule fires on the third event with the three ids in order", "[e2e][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  RequireAccepted(client, ReportEvent("threat-1", "threat", -3s));
  RequireAccepted(client, ReportEvent("threat-2", "threat", -2s));
  const boost::json::object third = ReportEvent("threat-3", "threat", -1s);
  RequireAccepted(client, third);
  auto p = sub.Receive(10s);  // the first alert of the stream: nothing fired before the 3rd
  REQUIRE(p);
  INFO("alert: " << p->json);
  CHECK(p->topic == "alert.warning.MX-CHH");
  CHECK(Str(p->alert, "rule") == "threat-cluster");
  CHECK(Strings(p->alert, "events") ==
        std::vector<std::string>{"threat-1", "threat-2", "threat-3"});
  CHECK(Str(p->alert, "count") == "3");
  CHECK(Str(p->alert, "key") == R"({"region":"MX-CHH"})");
  CHECK(Str(p->alert, "time") == Str(third, "time"));
}

TEST_CASE("A heartbeat rule fires in real time and a late check-in resolves it",
          "[e2e][alerts][heartbeat]") {
  Daemon d({{"heartbeat.yaml", kHeartbeatRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert.", "update."});
  AckClient client(d.context(), d.AckEndpoint());

  // The check-in's time is now, in whole seconds: its deadline is 1-2 s away.
  const boost::json::object checkin = Checkin("checkin-1");
  const auto sent = Clock::now();
  RequireAccepted(client, checkin);
  auto fired = sub.Receive(8s);  // nothing else is sent: the wall clock alone fires it
  const auto waited = Clock::now() - sent;
  REQUIRE(fired);
  INFO("alert: " << fired->json << " after " << std::chrono::duration_cast<Ms>(waited).count()
                 << " ms");
  CHECK(fired->topic == "alert.warning.MX-CHH");
  CHECK(Str(fired->alert, "rule") == "e2e-heartbeat");
  CHECK(Str(fired->alert, "status") == "firing");
  CHECK(Strings(fired->alert, "events") == std::vector<std::string>{"checkin-1"});
  CHECK(Str(fired->alert, "key") == R"({"subject":"p-7f3a9c"})");
  CHECK(Str(fired->alert, "time") == Shifted(Str(checkin, "time"), 2s));  // the deadline
  CHECK(waited >= 900ms);
  CHECK(waited <= 5s);

  RequireAccepted(client, Checkin("checkin-2"));  // late, but it came
  auto resolved = sub.Receive(10s);
  REQUIRE(resolved);
  INFO("update: " << resolved->json);
  CHECK(resolved->topic == "update.resolved.MX-CHH");
  CHECK(Str(resolved->alert, "alert") == Str(fired->alert, "alert"));
  CHECK(Str(resolved->alert, "status") == "resolved");
  CHECK_THAT(resolved->json, Catch::Contains("checkin-2"));
}

TEST_CASE("An alert whose events span regions is published under alert.<level>.-",
          "[e2e][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert.warning."});
  AckClient client(d.context(), d.AckEndpoint());

  RequireAccepted(client, ReportEvent("abd-chh", "abduction", -2s));
  boost::json::object in_sonora = ReportEvent("abd-son", "abduction", -1s);
  in_sonora["region"] = "MX-SON";
  RequireAccepted(client, in_sonora);
  auto p = sub.Receive(10s);
  REQUIRE(p);
  INFO("alert: " << p->json);
  CHECK(p->topic == "alert.warning.-");
  CHECK(Str(p->alert, "rule") == "abduction-pair");
  CHECK_FALSE(p->alert.contains("region"));
  CHECK(Strings(p->alert, "groups") == std::vector<std::string>{"journalist"});  // shared
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"abd-chh", "abd-son"});
}

TEST_CASE("An alert is offered to the rules as an event and can raise another", "[e2e][alerts]") {
  Daemon d({{"main.yaml", kAlertOnAlertRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert.critical."});
  AckClient client(d.context(), d.AckEndpoint());

  RequireAccepted(client, ReportEvent("root-kill", "killing"));
  auto first = sub.Receive(10s), second = sub.Receive(10s);
  REQUIRE(first);
  REQUIRE(second);
  INFO("first: " << first->json << "\nsecond: " << second->json);
  CHECK(Str(first->alert, "rule") == "killing-reported");
  CHECK(Str(second->alert, "rule") == "killing-escalated");
  CHECK(second->topic == "alert.critical.MX-CHH");
  CHECK(Strings(second->alert, "events") == std::vector<std::string>{Str(first->alert, "alert")});
  CHECK(Str(second->alert, "depth") == "2");
}

TEST_CASE("The same event sent twice raises one alert", "[e2e][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  const std::string event = Json(ReportEvent("twice-1", "killing"));
  auto first = client.Request(event), second = client.Request(event);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(ReplyKind(*first) == "accepted");
  CHECK(ReplyKind(*second) == "duplicate");
  RequireAccepted(client, ReportEvent("twice-marker", "killing"));

  auto a = sub.Receive(10s), b = sub.Receive(10s);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(Strings(a->alert, "events") == std::vector<std::string>{"twice-1"});
  CHECK(Strings(b->alert, "events") == std::vector<std::string>{"twice-marker"});
}

}  // namespace vigia::e2e
