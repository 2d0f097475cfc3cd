// SPDX-License-Identifier: Apache-2.0
// vigiad's lifecycle (daemon.md "Signals and lifecycle", STYLE.md §3): clean
// stops, startup failures and their exit codes. Reloads: reload_e2e_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"

namespace vigia::e2e {
namespace {

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

TEST_CASE("SIGTERM during a pipelined burst answers every event it evaluated",
          "[e2e][lifecycle][load]") {
  // "stop accepting, finish in-flight events" (daemon.md) and "every request
  // gets exactly one reply": an event the daemon took and evaluated (its alert
  // is on the stream) must have had its reply sent before the exit.
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());
  constexpr int kEvents = 5000;
  for (int i = 0; i < kEvents; ++i)
    client.Send(Json(ReportEvent("inflight-" + std::to_string(i), "killing")));
  auto first = client.Receive(10s);
  REQUIRE(first);
  d.Signal(SIGTERM);

  // Replies and alerts until the daemon is gone and nothing more comes.
  std::set<std::string> replied = {Str(ParseObject(*first), "accepted")}, evaluated;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (bool quiet = false;
       !(quiet && !d.IsRunning()) && std::chrono::steady_clock::now() < deadline;) {
    quiet = true;
    while (auto r = client.Receive(100ms)) {
      quiet = false;
      replied.insert(Str(ParseObject(*r), "accepted"));
    }
    while (auto p = sub.Receive(100ms)) {
      quiet = false;
      for (const auto& id : Strings(p->alert, "events")) evaluated.insert(id);
    }
  }
  CHECK(d.WaitExit(10s) == 0);

  std::vector<std::string> unanswered;
  for (const auto& id : evaluated)
    if (!replied.count(id)) unanswered.push_back(id);
  INFO(replied.size() << " replies; " << evaluated.size() << " events evaluated (alerts seen); "
                      << unanswered.size() << " evaluated without a reply, e.g. "
                      << (unanswered.empty() ? std::string("-") : unanswered.front()));
  CHECK(unanswered.empty());
}

TEST_CASE("With log format json every stderr line is a JSON object with the event id",
          "[e2e][lifecycle]") {
  Daemon d;
  std::string config = d.DefaultConfig();
  config.replace(config.find("format: text"), 12, "format: json");
  d.WriteConfig(config);
  REQUIRE(d.StartAndWaitReady());  // CountLog reads "msg" of JSON lines
  d.Signal(SIGTERM);
  CHECK(d.WaitExit(10s) == 0);
  CHECK(d.CountLog("daemon.stopped") == 1);
  std::istringstream lines(d.Stderr());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    INFO("line: " << line);
    const boost::json::object o = ParseObject(line);
    CHECK(o.contains("time"));
    CHECK(o.contains("level"));
    CHECK(o.contains("msg"));
  }
  CHECK(n >= 4);
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
  SECTION("the HTTP API's") { holder.emplace(d.HttpPort()); }
  d.Start();
  CHECK(d.WaitExit(10s) == 1);
  CHECK(d.CountLog("daemon.start_failed") == 1);
  CHECK(d.CountLog("daemon.ready") == 0);
}

TEST_CASE("vigiad --check-config exits 0 on a good config and 2 on a bad one",
          "[e2e][lifecycle][check]") {
  SECTION("good") {
    Daemon d({{"main.yaml", kKillingRule}});
    d.Start({"--check-config"});
    CHECK(d.WaitExit(10s) == 0);
    CHECK_THAT(d.Stdout(), Catch::StartsWith("ok: 2 rules in 2 files"));
    CHECK(d.CountLog("daemon.ready") == 0);  // checked, not started
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
