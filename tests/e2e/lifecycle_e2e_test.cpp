// SPDX-License-Identifier: Apache-2.0
// vigiad's lifecycle (daemon.md "Signals and lifecycle", STYLE.md §3): clean
// stops, startup failures and their exit codes, SIGHUP reloads.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"

namespace vigia::e2e {
namespace {

constexpr const char* kKillingRule = R"(rules:
  - id: killing-reported
    level: critical
    match: {type: report, category: killing}
)";

constexpr const char* kHarassmentRule = R"(rules:
  - id: harassment-seen
    level: watch
    match: {type: report, category: harassment}
)";

std::string CountRule(std::string_view description) {
  return "rules:\n"
         "  - id: threat-cluster\n"
         "    description: " + std::string(description) + "\n"
         "    level: warning\n"
         "    match: {type: report, category: threat}\n"
         "    count: {at_least: 3, within: 1h, by: [region]}\n";
}

// Line 4, column 13: the bad duration.
constexpr const char* kBrokenRule = R"(rules:
  - id: threat-cluster
    level: warning
    count: {at_least: 3, within: 7 days}
)";

void RequireAccepted(AckClient& client, const boost::json::object& event) {
  auto reply = client.Request(Json(event));
  REQUIRE(reply);
  INFO("reply: " << *reply);
  REQUIRE(ReplyKind(*reply) == "accepted");
}

// Holds a listening TCP socket on 127.0.0.1:port.
class PortHolder {
 public:
  explicit PortHolder(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    REQUIRE(fd_ >= 0);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 1) == 0);
  }
  ~PortHolder() { close(fd_); }
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;

 private:
  int fd_;
};

}  // namespace

TEST_CASE("SIGTERM and SIGINT stop the daemon cleanly within 10 s", "[e2e][lifecycle]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  RequireAccepted(client, ReportEvent("before-stop", "killing"));

  int signo = 0;
  SECTION("SIGTERM") { signo = SIGTERM; }
  SECTION("SIGINT") { signo = SIGINT; }
  d.Signal(signo);
  CHECK(d.WaitExit(10s) == 0);
  CHECK(d.CountLog("daemon.stopping") == 1);
  CHECK(d.CountLog("daemon.stopped") == 1);
}

TEST_CASE("A config with an unknown key stops the daemon with exit 2 and its position",
          "[e2e][lifecycle]") {
  Daemon d;
  std::string config = d.DefaultConfig();
  const auto line = std::count(config.begin(), config.end(), '\n') + 1;
  d.WriteConfig(config + "colour: blue\n");
  d.Start();
  CHECK(d.WaitExit(10s) == 2);
  const std::string where = d.config_path().string() + ":" + std::to_string(line) + ":1:";
  CHECK_THAT(d.Stderr(), Catch::Contains(where));
  CHECK_THAT(d.Stderr(), Catch::Contains("colour"));
  CHECK(d.CountLog("daemon.ready") == 0);
}

TEST_CASE("A rule file with an error stops the daemon with exit 2 and its position",
          "[e2e][lifecycle]") {
  Daemon d({{"broken.yaml", kBrokenRule}});
  d.Start();
  CHECK(d.WaitExit(10s) == 2);
  CHECK_THAT(d.Stderr(), Catch::Contains((d.dir() / "rules" / "broken.yaml").string() + ":4:"));
  CHECK(d.CountLog("daemon.ready") == 0);
}

TEST_CASE("A port already in use stops the daemon with exit 1", "[e2e][lifecycle]") {
  Daemon d;
  std::optional<PortHolder> holder;
  SECTION("the ack endpoint's") { holder.emplace(d.ack_port()); }
  SECTION("the alert stream's") { holder.emplace(d.alerts_port()); }
  d.Start();
  CHECK(d.WaitExit(10s) == 1);
  CHECK(d.CountLog("daemon.start_failed") == 1);
  CHECK(d.CountLog("daemon.ready") == 0);
}

TEST_CASE("SIGHUP with a broken rule file keeps the old rules running", "[e2e][lifecycle][reload]") {
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
}

TEST_CASE("SIGHUP with a good new rule file swaps the rules", "[e2e][lifecycle][reload]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  d.WriteRuleFile({"main.yaml", kHarassmentRule});
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
          "[e2e][lifecycle][reload]") {
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

TEST_CASE("Repeated reloads keep serving and each is logged", "[e2e][lifecycle][reload]") {
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

TEST_CASE("vigiad --check-config exits 0 on a good config and 2 on a bad one",
          "[e2e][lifecycle][check]") {
  SECTION("good") {
    Daemon d({{"main.yaml", kKillingRule}});
    d.Start({"--check-config"});
    CHECK(d.WaitExit(10s) == 0);
  }
  SECTION("an unknown config key") {
    Daemon d;
    d.WriteConfig(d.DefaultConfig() + "colour: blue\n");
    d.Start({"--check-config"});
    CHECK(d.WaitExit(10s) == 2);
    CHECK_THAT(d.Stderr(), Catch::Contains(d.config_path().string() + ":"));
  }
  SECTION("a broken rule file") {
    Daemon d({{"broken.yaml", kBrokenRule}});
    d.Start({"--check-config"});
    CHECK(d.WaitExit(10s) == 2);
    CHECK_THAT(d.Stderr(), Catch::Contains("broken.yaml:4:"));
  }
}

}  // namespace vigia::e2e
