// SPDX-License-Identifier: Apache-2.0
// SIGHUP reloads of the real vigiad (daemon.md "Signals and lifecycle",
// STYLE.md §3): validate before swapping, keep the old set on failure, keep
// rule state across an unchanged rule, lose and double no event.
#include <signal.h>

#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"

namespace vigia::e2e {
namespace {

constexpr const char* kHarassmentRule = R"(rules:
  - id: harassment-seen
    level: watch
    match: {type: report, category: harassment}
)";

std::string CountRule(std::string_view description) {
  return "rules:\n"
         "  - id: threat-cluster\n"
         "    description: \"" +
         std::string(description) +
         "\"\n"
         "    level: warning\n"
         "    match: {type: report, category: threat}\n"
         "    count: {at_least: 3, within: 1h, by: [region]}\n";
}

std::string Regions(std::initializer_list<const char*> codes) {
  std::string yaml = "regions:\n";
  for (const char* c : codes) yaml += "  - {code: " + std::string(c) + ", name: " + c + "}\n";
  return yaml;
}

}  // namespace

TEST_CASE("SIGHUP with a broken rule file keeps the old rules running", "[e2e][reload]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  d.WriteRuleFile({"main.yaml", kBrokenRule});
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("rules.reload_failed", 10s));
  CHECK_THAT(d.Stderr(), Catch::Contains((d.dir() / "rules" / "main.yaml").string() + ":4:"));
  CHECK(d.CountLog("rules.reloaded") == 0);
  REQUIRE(d.IsRunning());

  RequireAccepted(client, ReportEvent("old-rule-1", "killing"));
  auto p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Str(p->alert, "rule") == "killing-reported");
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"old-rule-1"});

  // Once the file is fixed, the next SIGHUP takes it.
  d.WriteRuleFile({"main.yaml", kHarassmentRule});
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("rules.reloaded", 10s));
  RequireAccepted(client, ReportEvent("fixed-1", "harassment"));
  p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Str(p->alert, "rule") == "harassment-seen");
}

TEST_CASE("SIGHUP with a good new rule file swaps the rules", "[e2e][reload]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  d.RemoveRuleFile("main.yaml");
  d.WriteRuleFile({"other.yaml", kHarassmentRule});
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("rules.reloaded", 10s));

  RequireAccepted(client, ReportEvent("after-swap-kill", "killing"));  // the old rule is gone
  RequireAccepted(client, ReportEvent("after-swap-harass", "harassment"));
  auto p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(p->topic == "alert.watch.MX-CHH");
  CHECK(Str(p->alert, "rule") == "harassment-seen");
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"after-swap-harass"});
}

TEST_CASE("A count rule's state survives a reload that changes only its description",
          "[e2e][reload]") {
  Daemon d({{"main.yaml", CountRule("Three threats in one state within an hour.")}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  RequireAccepted(client, ReportEvent("keep-1", "threat", -3s));
  RequireAccepted(client, ReportEvent("keep-2", "threat", -2s));
  d.WriteRuleFile({"main.yaml", CountRule("Reworded: three threats, one state, one hour.")});
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("rules.reloaded", 10s));
  RequireAccepted(client, ReportEvent("keep-3", "threat", -1s));

  auto p = sub.Receive(10s);
  REQUIRE(p);
  INFO("alert: " << p->json);
  CHECK(Str(p->alert, "rule") == "threat-cluster");
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"keep-1", "keep-2", "keep-3"});
}

TEST_CASE("Repeated reloads keep serving and each is logged", "[e2e][reload]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  for (int i = 1; i <= 3; ++i) {
    d.Signal(SIGHUP);
    REQUIRE(d.WaitForLog("rules.reloaded", 10s, i));
  }
  AckClient client(d.context(), d.AckEndpoint());
  RequireAccepted(client, ReportEvent("after-reloads", "killing"));
  d.Signal(SIGTERM);
  CHECK(d.WaitExit(10s) == 0);
}

TEST_CASE("A reload in the middle of a burst loses no event and evaluates none twice",
          "[e2e][reload][load]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());
  constexpr int kEvents = 3000;

  auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i)
      client.Send(Json(ReportEvent("burst-" + std::to_string(i), "killing")));
  };
  send(0, kEvents / 2);
  REQUIRE(client.Receive(10s));  // the burst is being evaluated...
  std::string renamed = kKillingRule;
  renamed.replace(renamed.find("level: critical"), 15, "level: warning");
  d.WriteRuleFile({"main.yaml", renamed});
  d.Signal(SIGHUP);  // ...when the rules change
  send(kEvents / 2, kEvents);
  const auto replies = client.ReceiveMany(kEvents - 1, 60s);
  CHECK(replies.size() == kEvents - 1);
  REQUIRE(d.WaitForLog("rules.reloaded", 10s));

  std::map<std::string, int> alerts_per_event;
  std::map<std::string, int> per_level;
  for (int n = 0; n < kEvents; ++n) {
    auto p = sub.Receive(10s);
    if (!p) break;
    for (const auto& id : Strings(p->alert, "events")) ++alerts_per_event[id];
    ++per_level[Str(p->alert, "level")];
  }
  CHECK(alerts_per_event.size() == kEvents);
  int twice = 0;
  for (const auto& [id, n] : alerts_per_event) twice += n > 1;
  CHECK(twice == 0);
  CHECK_FALSE(sub.Receive(200ms));
  INFO("critical " << per_level["critical"] << ", warning " << per_level["warning"]);
  CHECK(per_level["critical"] + per_level["warning"] == kEvents);
}

TEST_CASE("SIGHUP reloads the catalogs too", "[e2e][reload][catalogs]") {
  // daemon.md "Signals and lifecycle": SIGHUP reloads rules, catalogs, tokens
  // and client keys.
  Daemon d({{"main.yaml", kKillingRule}});
  d.WriteDirFile("regions.yaml", Regions({"MX-CHH", "MX-ZAC"}));
  d.WriteConfig(d.DefaultConfig() + "catalogs: {regions: regions.yaml}\n");
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  boost::json::object sonora = ReportEvent("sonora-1", "killing");
  sonora["region"] = "MX-SON";
  auto before = client.Request(Json(sonora));
  REQUIRE(before);
  CHECK(ReplyKind(*before) == "unknown_region");

  d.WriteDirFile("regions.yaml", Regions({"MX-CHH", "MX-ZAC", "MX-SON"}));
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("rules.reloaded", 10s));
  auto after = client.Request(Json(sonora));
  REQUIRE(after);
  INFO("reply: " << *after);
  CHECK(ReplyKind(*after) == "accepted");
}

}  // namespace vigia::e2e
