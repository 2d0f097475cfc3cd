// SPDX-License-Identifier: Apache-2.0
// The `vigia` HTTP commands against a real core and HTTP server
// (daemon/http/server_test_util.h), and `vigia token` on temporary files.
#include "daemon/cli/http_commands.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/notifier_config.h"
#include "core/time.h"
#include "daemon/cli/alert_line.h"
#include "daemon/cli/cli_test_util.h"
#include "daemon/cli/common.h"
#include "daemon/cli/http_client.h"
#include "daemon/http/server_test_util.h"

namespace vigia::cli {
namespace {

namespace fs = std::filesystem;
namespace ht = daemon::http::testing;
using daemon::CoreOptions;
using daemon::http::HttpServer;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const fs::path& path, const std::string& text,
               fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, perms);
}

// API options for the test daemon with the secret of one of its test tokens
// (ht::TestTokens: "<role>-secret"), written to a file of mode 0600.
ApiOptions Api(const ht::TestDaemon& d, const TempDir& dir, const std::string& secret) {
  ApiOptions api;
  api.url = "http://127.0.0.1:" + std::to_string(d.port());
  api.token_file = (dir / (secret + ".token")).string();
  WriteFile(api.token_file, secret + "\n");
  return api;
}

// Fires one alert (the test rules raise a warning per threat) and returns its JSON.
boost::json::object FireAlert(ht::TestDaemon& d, const std::string& event_id = "t1") {
  REQUIRE(ht::Post(d.port(), "/api/v1/events", "integrator-secret", ht::Report(event_id)).status ==
          200);
  ht::Reply list = ht::Get(d.port(), "/api/v1/alerts", "viewer-secret");
  REQUIRE(list.status == 200);
  const boost::json::value alerts = list.json();
  for (const auto& a : alerts.as_array())
    if (a.at("events").as_array().at(0) == event_id.c_str()) return a.as_object();
  FAIL("no alert for " << event_id);
  return {};
}

// A port nothing listens on: bound, then closed.
uint16_t ClosedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST_CASE("An alert renders as the one line `vigia watch` prints", "[cli][alerts]") {
  const auto a = boost::json::parse(
      R"({"alert":"a-0123456789abcdef","rule":"journalist-threat-cluster","level":"critical",
          "region":"MX-CHH","time":"2017-03-06T09:00:00Z","count":3,"summary":"3 threats"})");
  CHECK(AlertLine(a.as_object()) ==
        "2017-03-06T09:00:00Z CRITICAL MX-CHH journalist-threat-cluster (3 events) 3 threats "
        "[a-0123456789abcdef]");
  const auto no_region =
      boost::json::parse(R"({"alert":"a-1","rule":"r","level":"info","count":1})");
  CHECK(AlertLine(no_region.as_object()) == " INFO - r (1 events) [a-1]");
}

TEST_CASE("URLs are http only and query values are percent-encoded", "[cli][http]") {
  auto url = ParseHttpUrl("http://127.0.0.1:7780");
  REQUIRE(url);
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 7780);
  CHECK(url->prefix.empty());
  url = ParseHttpUrl("HTTP://[::1]:8080/vigia/");
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->port == 8080);
  CHECK(url->prefix == "/vigia");
  url = ParseHttpUrl("http://localhost");
  REQUIRE(url);
  CHECK(url->port == 80);
  CHECK_THAT(ParseHttpUrl("https://x").error(), Catch::Contains("https is not supported"));
  CHECK_THAT(ParseHttpUrl("http://u:p@x").error(), Catch::Contains("credentials"));
  for (const char* bad : {"127.0.0.1:7780", "http://", "http://x:", "http://x:0", "http://x:65536",
                          "http://x:7a", "http://[::1", "http://x/?a=b"})
    CHECK_FALSE(ParseHttpUrl(bad));

  CHECK(PercentEncode("2017-03-01T00:00:00+01:00") == "2017-03-01T00%3A00%3A00%2B01%3A00");
  CHECK(PercentEncode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
  CHECK(QueryString({{"status", ""}, {"region", "MX-CHH"}, {"level", "warning"}}) ==
        "?region=MX-CHH&level=warning");
  CHECK(QueryString({{"status", ""}}).empty());
}

TEST_CASE("vigia alerts lists alerts, one watch line each, and passes the filters",
          "[cli][alerts]") {
  ht::TestDaemon d;
  TempDir dir;
  const boost::json::object alert = FireAlert(d);
  AlertsOptions o;
  o.api = Api(d, dir, "viewer-secret");

  Output all = Run(RunAlerts, o);
  CHECK(all.code == kExitOk);
  CHECK(all.err.empty());
  CHECK(all.out == "firing       " + AlertLine(alert) + "\n");

  SECTION("filters that match") {
    o.status = "firing";
    o.region = "MX-CHH";
    o.level = "warning";
    o.since = "2000-01-01T00:00:00Z";  // ':' must be percent-encoded
    Output r = Run(RunAlerts, o);
    CHECK(r.code == kExitOk);
    CHECK(r.out == all.out);
  }
  SECTION("a filter that excludes it gives no lines") {
    o.region = "MX-GRO";
    Output r = Run(RunAlerts, o);
    CHECK(r.code == kExitOk);
    CHECK(r.out.empty());
    CHECK(r.err == "no alerts match\n");
    o.region.clear();
    o.group = "journalist";
    CHECK(Run(RunAlerts, o).out.empty());
    o.group.clear();
    o.status = "resolved";
    CHECK(Run(RunAlerts, o).out.empty());
  }
  SECTION("--json prints the API's array") {
    o.json = true;
    Output r = Run(RunAlerts, o);
    CHECK(r.code == kExitOk);
    const auto json = boost::json::parse(r.out);
    REQUIRE(json.as_array().size() == 1);
    CHECK(json.as_array()[0].at("alert") == alert.at("alert"));
  }
  SECTION("bad filter values are usage errors") {
    o.status = "acked";
    Output r = Run(RunAlerts, o);
    CHECK(r.code == kExitUsage);
    CHECK(r.err == "vigia alerts: --status must be firing, acknowledged or resolved\n");
    o.status.clear();
    o.since = "yesterday";
    r = Run(RunAlerts, o);
    CHECK(r.code == kExitUsage);
    CHECK(r.err == "vigia: vigiad refused the request: since: expected an RFC 3339 timestamp\n");
    o.since.clear();
    o.id = "a-1";
    o.region = "MX-CHH";
    CHECK(Run(RunAlerts, o).code == kExitUsage);
  }
  SECTION("the token can come from VIGIA_TOKEN") {
    o.api.token_file.clear();
    ::setenv(kTokenEnv, "viewer-secret", 1);
    Output r = Run(RunAlerts, o);
    ::unsetenv(kTokenEnv);
    CHECK(r.code == kExitOk);
    CHECK(r.out == all.out);
  }
}

TEST_CASE("vigia ack and resolve change an alert; its history shows who and why", "[cli][alerts]") {
  ht::TestDaemon d;
  TempDir dir;
  const boost::json::object alert = FireAlert(d);
  const std::string id(alert.at("alert").as_string());
  ChangeAlertOptions change;
  change.api = Api(d, dir, "operator-secret");
  change.id = id;
  change.by = "ana";
  change.note = "on it";

  Output ack = Run(RunAck, change);
  CHECK(ack.code == kExitOk);
  CHECK(ack.err.empty());
  CHECK(ack.out == "acknowledged: " + AlertLine(alert) + "\n");

  AlertsOptions show;
  show.api = Api(d, dir, "viewer-secret");
  show.id = id;
  Output detail = Run(RunAlerts, show);
  CHECK(detail.code == kExitOk);
  CHECK_THAT(detail.out, Catch::StartsWith(AlertLine(alert) + "\n"));
  CHECK_THAT(detail.out, Catch::Contains("  status:    acknowledged\n"));
  CHECK_THAT(detail.out, Catch::Contains("  rule:      any-threat (variant base"));
  CHECK_THAT(detail.out, Catch::Contains("  events:    t1\n"));
  CHECK_THAT(detail.out, Catch::Contains(" fired by vigia\n"));
  CHECK_THAT(detail.out, Catch::Contains(" acknowledged by ana: on it\n"));

  show.json = true;
  const auto json = boost::json::parse(Run(RunAlerts, show).out);
  CHECK(json.at("status") == "acknowledged");
  const auto& history = json.at("history").as_array();
  REQUIRE(history.size() == 2);
  CHECK(history[1].at("change") == "acknowledged");
  CHECK(history[1].at("by") == "ana");
  CHECK(history[1].at("note") == "on it");

  SECTION("acknowledging twice is refused, naming why") {
    Output again = Run(RunAck, change);
    CHECK(again.code == kExitProblems);
    CHECK(again.err ==
          "vigia: cannot acknowledge alert " + id + ": the alert is acknowledged, not firing\n");
  }
  SECTION("resolve, then resolve again") {
    change.note.clear();
    Output resolved = Run(RunResolve, change);
    CHECK(resolved.code == kExitOk);
    CHECK(resolved.out == "resolved: " + AlertLine(alert) + "\n");
    Output again = Run(RunResolve, change);
    CHECK(again.code == kExitProblems);
    CHECK(again.err == "vigia: cannot resolve alert " + id + ": the alert is already resolved\n");
  }
  SECTION("--by defaults to $USER") {
    FireAlert(d, "t2");
    const auto list = ht::Get(d.port(), "/api/v1/alerts?status=firing", "viewer-secret").json();
    REQUIRE(list.as_array().size() == 1);
    change.id = std::string(list.as_array()[0].at("alert").as_string());
    change.by.clear();
    const char* user = std::getenv("USER");
    const std::string saved = user ? user : "";
    ::setenv("USER", "beto", 1);
    Output r = Run(RunResolve, change);
    if (user)
      ::setenv("USER", saved.c_str(), 1);
    else
      ::unsetenv("USER");
    CHECK(r.code == kExitOk);
    const auto one = ht::Get(d.port(), "/api/v1/alerts/" + change.id, "viewer-secret").json();
    CHECK(one.at("history").as_array().back().at("by") == "beto");
  }
}

TEST_CASE("The API's refusals become one line naming what happened", "[cli][errors]") {
  ht::TestDaemon d;
  TempDir dir;
  const std::string id(FireAlert(d).at("alert").as_string());
  ChangeAlertOptions change;
  change.id = id;
  change.by = "ana";

  SECTION("a viewer may not acknowledge") {
    change.api = Api(d, dir, "viewer-secret");
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitProblems);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "vigia: the token is not allowed to acknowledge alerts (forbidden: needs operator)\n");
    CHECK(ht::Get(d.port(), "/api/v1/alerts/" + id, "viewer-secret").json().at("status") ==
          "firing");
  }
  SECTION("with --config, the message names the token's role") {
    change.api = Api(d, dir, "viewer-secret");
    change.api.url.clear();  // from http.bind
    std::string tokens = "tokens:\n";
    for (const char* role : {"viewer", "operator"})
      tokens += std::string("  - {name: ") + role + ", role: " + role + ", sha256: " +
                daemon::http::ToHex(daemon::http::Sha256Of(std::string(role) + "-secret")) + "}\n";
    WriteFile(dir / "tokens.yaml", tokens);
    WriteFile(dir / "vigia.yaml", "rules: [rules/*.yaml]\nhttp: {bind: \"127.0.0.1:" +
                                      std::to_string(d.port()) + "\", tokens_file: tokens.yaml}\n");
    change.api.config_file = (dir / "vigia.yaml").string();
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitProblems);
    CHECK(r.err ==
          "vigia: the token is not allowed to acknowledge alerts (forbidden: role viewer, needs "
          "operator)\n");
  }
  SECTION("an unknown alert is not found") {
    change.api = Api(d, dir, "operator-secret");
    change.id = "a-123";
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitProblems);
    CHECK(r.err == "vigia: alert a-123 not found\n");
    AlertsOptions show;
    show.api = change.api;
    show.id = "a-123";
    r = Run(RunAlerts, show);
    CHECK(r.code == kExitProblems);
    CHECK(r.err == "vigia: alert a-123 not found\n");
    show.id = "a/../x y";  // percent-encoded into one path segment
    CHECK(Run(RunAlerts, show).err == "vigia: alert a/../x y not found\n");
  }
  SECTION("an unknown token") {
    change.api = Api(d, dir, "wrong-secret");
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitProblems);
    CHECK_THAT(r.err, Catch::StartsWith("vigia: vigiad does not know the token (401)"));
    CHECK(r.err.find("wrong-secret") == std::string::npos);  // never printed
  }
  SECTION("no token at all is a usage error") {
    change.api = Api(d, dir, "operator-secret");
    change.api.token_file.clear();
    ::unsetenv(kTokenEnv);
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err,
               Catch::StartsWith("vigia: no API token: set VIGIA_TOKEN or pass --token-file"));
    change.api.token_file = (dir / "missing.token").string();
    CHECK(Run(RunAck, change).code == kExitUsage);
    WriteFile(dir / "two.token", "one two\n");
    change.api.token_file = (dir / "two.token").string();
    r = Run(RunAck, change);
    CHECK(r.code == kExitUsage);
    CHECK(r.err == "vigia: token file '" + change.api.token_file +
                       "' must hold the token alone, on one line\n");
  }
  SECTION("a token file others can read draws a warning") {
    change.api = Api(d, dir, "operator-secret");
    fs::permissions(change.api.token_file, fs::perms::others_read, fs::perm_options::add);
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.err, Catch::Contains("can be read by other users; chmod 600 it"));
  }
  SECTION("a closed port cannot be reached") {
    change.api = Api(d, dir, "operator-secret");
    change.api.url = "http://127.0.0.1:" + std::to_string(ClosedPort());
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitProblems);
    CHECK_THAT(r.err, Catch::StartsWith("vigia: cannot reach vigiad at " + change.api.url + ": "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  SECTION("a bad URL is a usage error") {
    change.api = Api(d, dir, "operator-secret");
    change.api.url = "https://127.0.0.1:7780";
    Output r = Run(RunAck, change);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err,
               Catch::StartsWith("vigia: --url 'https://127.0.0.1:7780': https is not supported"));
  }
}

TEST_CASE("vigia deadletters shows the rejected messages, newest first", "[cli][deadletters]") {
  ht::TestDaemon d;
  TempDir dir;
  const std::string tdt = "integrator-secret";
  REQUIRE(
      ht::Post(
          d.port(), "/api/v1/events", tdt,
          R"({"id":"e2","type":"report","time":"23/03/2017","source":"red-tdt","region":"MX-CHH"})")
          .status == 400);
  REQUIRE(ht::Post(d.port(), "/api/v1/events", tdt, ht::Report("e3", "MX-OAX")).status == 403);
  DeadLettersOptions o;
  o.api = Api(d, dir, "operator-secret");

  Output r = Run(RunDeadLetters, o);
  CHECK(r.code == kExitOk);
  CHECK(r.err.empty());
  std::istringstream lines(r.out);
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  REQUIRE(got.size() == 4);
  CHECK_THAT(got[0], Catch::Contains(" unauthorized (id e3, field region): "));
  CHECK_THAT(got[1], Catch::StartsWith("  {\"id\":\"e3\""));
  CHECK_THAT(got[2], Catch::Contains(" invalid_event (id e2, field time): "));

  o.limit = 1;
  r = Run(RunDeadLetters, o);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
  CHECK(r.err == "showing the newest 1 of 2 dead letters (--limit 0 for all)\n");
  o.json = true;
  r = Run(RunDeadLetters, o);
  CHECK(boost::json::parse(r.out).as_array().size() == 1);

  o.api = Api(d, dir, "viewer-secret");
  r = Run(RunDeadLetters, o);
  CHECK(r.code == kExitProblems);
  CHECK(r.err ==
        "vigia: the token is not allowed to read dead letters (forbidden: needs operator)\n");
}

TEST_CASE("A dead letter cannot drive the operator's terminal", "[cli][deadletters]") {
  ht::TestDaemon d;
  TempDir dir;
  REQUIRE(ht::Post(d.port(), "/api/v1/events", "integrator-secret", "{\x1b]0;owned\x07\x1b[2J")
              .status == 400);
  DeadLettersOptions o;
  o.api = Api(d, dir, "operator-secret");
  Output r = Run(RunDeadLetters, o);
  CHECK(r.code == kExitOk);
  CHECK_THAT(r.out, Catch::Contains(" malformed_json: "));
  CHECK_THAT(r.out, Catch::Contains("  {?]0;owned??[2J\n"));
  CHECK(r.out.find('\x1b') == std::string::npos);
}

TEST_CASE("vigia rules shows the counters; vigia reload reports refusals", "[cli][rules]") {
  std::string result = R"({"ok":true,"rules":1})";
  ht::TestDaemon d{ht::TestTokens(), [&] { return result; }};
  TempDir dir;
  FireAlert(d);
  RulesOptions o;
  o.api = Api(d, dir, "viewer-secret");
  Output r = Run(RunRules, o);
  CHECK(r.code == kExitOk);
  std::istringstream lines(r.out);
  std::string header, row, extra;
  std::getline(lines, header);
  std::getline(lines, row);
  CHECK_FALSE(std::getline(lines, extra));
  CHECK_THAT(header, Catch::StartsWith("RULE        LEVEL    PATTERN  EVALUATIONS  FIRINGS"));
  CHECK_THAT(row, Catch::StartsWith("any-threat  warning  none               1        1"));
  o.json = true;
  CHECK(boost::json::parse(Run(RunRules, o).out).as_array().at(0).at("id") == "any-threat");

  ApiOptions admin = Api(d, dir, "admin-secret");
  r = Run(RunReload, admin);
  CHECK(r.code == kExitOk);
  CHECK(r.out == "rules reloaded: 1 rules active\n");

  result =
      R"({"ok":false,"diagnostics":"r.yaml:1:1: error[E001]: invalid YAML\n1 problem (1 error); new rules not loaded, previous rules stay active\n"})";
  r = Run(RunReload, admin);
  CHECK(r.code == kExitProblems);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "r.yaml:1:1: error[E001]: invalid YAML\n1 problem (1 error); new rules not loaded, "
        "previous rules stay active\n");

  r = Run(RunReload, Api(d, dir, "operator-secret"));
  CHECK(r.code == kExitProblems);
  CHECK(r.err == "vigia: the token is not allowed to reload rules (forbidden: needs admin)\n");
}

TEST_CASE("A reload without a reload callback is unavailable (503)", "[cli][rules]") {
  ht::TestDaemon d{ht::TestTokens(), nullptr};
  TempDir dir;
  Output r = Run(RunReload, Api(d, dir, "admin-secret"));
  CHECK(r.code == kExitProblems);
  CHECK(r.err == "vigia: vigiad cannot reload rules now: rule reload is not available\n");
}

// Core options with a notifier (every alert to one file receiver): silences need one.
CoreOptions WithNotifier(const TempDir& dir) {
  config::Receiver file;
  file.name = "file";
  file.kind = config::FileReceiver{dir / "notifications.jsonl"};
  config::Policy all;
  all.name = "all";
  all.tiers.push_back(config::Tier{0, {"file"}, std::nullopt});
  config::Route route;
  route.policy = "all";
  CoreOptions options;
  options.notifier.emplace();
  options.notifier->receivers.push_back(std::move(file));
  options.notifier->policies["all"] = std::move(all);
  options.notifier->routes.push_back(std::move(route));
  options.notifier->timezone = "UTC";
  return options;
}

HttpServer::ReloadFn NoReload() {
  return [] { return std::string(R"({"ok":true,"rules":1})"); };
}

TimeUs Time(const boost::json::value& silence, const char* field) {
  const auto t = ParseRfc3339(silence.at(field).as_string());
  REQUIRE(t);
  return *t;
}

TEST_CASE("vigia silence add, list and rm go through the API", "[cli][silence]") {
  TempDir dir;
  ht::TestDaemon d{ht::TestTokens(), NoReload(), WithNotifier(dir)};
  SilenceAddOptions add;
  add.api = Api(d, dir, "operator-secret");
  add.region = {"MX-CHH"};
  add.level = {"warning", "critical"};
  add.for_duration = "2h";
  add.by = "ana";
  add.reason = "drill";
  const TimeUs before = daemon::SystemNow();
  Output added = Run(RunSilenceAdd, add);
  REQUIRE(added.code == kExitOk);
  REQUIRE(added.out.size() == 2 + 16 + 1);  // "s-" + 16 hex digits, alone on its line
  const std::string id = added.out.substr(0, 18);
  CHECK_THAT(id, Catch::StartsWith("s-"));

  const auto listed = ht::Get(d.port(), "/api/v1/silences", "operator-secret").json();
  REQUIRE(listed.as_array().size() == 1);
  const auto& s = listed.as_array()[0];
  CHECK(s.at("id") == id.c_str());
  CHECK(s.at("by") == "ana");
  CHECK(s.at("reason") == "drill");
  CHECK(boost::json::serialize(s.at("where")) ==
        R"({"level":["warning","critical"],"region":["MX-CHH"]})");
  CHECK(Time(s, "starts") >= before - kSecond);  // now, in whole seconds
  CHECK(Time(s, "starts") <= daemon::SystemNow());
  CHECK(Time(s, "starts") % kSecond == 0);
  CHECK(Time(s, "ends") - Time(s, "starts") == 2 * kHour);
  const std::string line = id + " " + std::string(s.at("starts").as_string()) + " → " +
                           std::string(s.at("ends").as_string()) +
                           " level=warning,critical region=MX-CHH by ana: drill";
  CHECK(added.err == "silenced: " + line + "\n");

  SilenceListOptions list;
  list.api = Api(d, dir, "operator-secret");
  Output r = Run(RunSilenceList, list);
  CHECK(r.code == kExitOk);
  CHECK(r.out == line + "\n");
  CHECK(r.err.empty());
  list.json = true;
  CHECK(boost::json::parse(Run(RunSilenceList, list).out) == listed);
  list.json = false;

  SECTION("rm ends it; it is gone from the list; a second rm finds nothing") {
    SilenceRmOptions rm;
    rm.api = Api(d, dir, "operator-secret");
    rm.id = id;
    rm.by = "beto";
    r = Run(RunSilenceRm, rm);
    CHECK(r.code == kExitOk);
    CHECK_THAT(r.out, Catch::StartsWith("ended: " + id + " "));
    CHECK_THAT(r.out, Catch::EndsWith(" level=warning,critical region=MX-CHH by ana: drill\n"));
    r = Run(RunSilenceList, list);
    CHECK(r.code == kExitOk);
    CHECK(r.out.empty());
    CHECK(r.err == "no silences\n");
    r = Run(RunSilenceRm, rm);
    CHECK(r.code == kExitProblems);
    CHECK(r.err == "vigia: silence " + id + " not found\n");
  }
  SECTION("--from and --until set the times; --json prints the new silence") {
    add.for_duration.clear();
    add.from = "2100-01-01T00:00:00Z";
    add.until = "2100-01-01T06:00:00Z";
    add.subject = {"p-7f3a9c"};
    add.json = true;
    r = Run(RunSilenceAdd, add);
    REQUIRE(r.code == kExitOk);
    const auto made = boost::json::parse(r.out);
    CHECK(made.at("starts") == "2100-01-01T00:00:00Z");
    CHECK(made.at("ends") == "2100-01-01T06:00:00Z");
    CHECK(made.at("where").at("subject").as_array().at(0) == "p-7f3a9c");
    add.until.clear();
    add.for_duration = "1d";
    add.json = false;
    r = Run(RunSilenceAdd, add);
    REQUIRE(r.code == kExitOk);
    CHECK_THAT(r.err, Catch::Contains(" 2100-01-01T00:00:00Z → 2100-01-02T00:00:00Z "));
    const std::string all = Run(RunSilenceList, list).out;
    CHECK(std::count(all.begin(), all.end(), '\n') == 3);
  }
}

TEST_CASE("vigia silence add checks its options before asking vigiad", "[cli][silence]") {
  TempDir dir;
  ht::TestDaemon d{ht::TestTokens(), NoReload(), WithNotifier(dir)};
  SilenceAddOptions add;
  add.api = Api(d, dir, "operator-secret");
  add.region = {"MX-CHH"};
  add.for_duration = "2h";
  add.by = "ana";
  const auto usage = [&](const std::string& message) {
    Output r = Run(RunSilenceAdd, add);
    CHECK(r.code == kExitUsage);
    CHECK(r.out.empty());
    CHECK(r.err == message + "\n");
  };
  SECTION("a matcher is required") {
    add.region.clear();
    usage(
        "vigia silence add: give at least one of --level, --region, --group, --rule, --subject (a "
        "silence of every alert would stop all notifications)");
  }
  SECTION("--for or --until, not both, not neither") {
    add.until = "2100-01-01T00:00:00Z";
    usage("vigia silence add: give either --for DURATION or --until TIME");
    add.until.clear();
    add.for_duration.clear();
    usage("vigia silence add: give either --for DURATION or --until TIME");
  }
  SECTION("bad durations and times") {
    add.for_duration = "2 hours";
    usage(
        "vigia silence add: --for: expected a duration such as 90s, 15m, 2h or 1d, got '2 hours'");
    add.for_duration.clear();
    add.until = "tomorrow";
    usage(
        "vigia silence add: --until: expected an RFC 3339 time such as 2026-11-29T18:00:00Z, got "
        "'tomorrow'");
    add.until = "2100-01-01T00:00:00Z";
    add.from = "2100-13-01T00:00:00Z";
    usage(
        "vigia silence add: --from: expected an RFC 3339 time such as 2026-11-29T18:00:00Z, got "
        "'2100-13-01T00:00:00Z'");
  }
  SECTION("values vigiad refuses are usage errors too") {
    add.level = {"severe"};
    usage(
        "vigia: vigiad refused the request: where.level: 'severe' is not one of info, watch, "
        "warning, critical");
    add.level.clear();
    add.for_duration.clear();
    add.until = "2001-01-01T00:00:00Z";
    usage("vigia: vigiad refused the request: ends: must be after starts");
  }
  CHECK(ht::Get(d.port(), "/api/v1/silences", "operator-secret").json().as_array().empty());
}

TEST_CASE("vigia silence: refusals become one line", "[cli][silence][errors]") {
  SECTION("without a notifier vigiad has no silences (409)") {
    ht::TestDaemon d;
    TempDir dir;
    SilenceAddOptions add;
    add.api = Api(d, dir, "operator-secret");
    add.rule = {"any-threat"};
    add.for_duration = "15m";
    add.by = "ana";
    const std::string why = "silences need the notifier: vigia.yaml has no notifier section\n";
    Output r = Run(RunSilenceAdd, add);
    CHECK(r.code == kExitProblems);
    CHECK(r.out.empty());
    CHECK(r.err == "vigia: cannot add silences: " + why);
    SilenceListOptions list;
    list.api = add.api;
    r = Run(RunSilenceList, list);
    CHECK(r.code == kExitProblems);
    CHECK(r.err == "vigia: cannot list silences: " + why);
    SilenceRmOptions rm;
    rm.api = add.api;
    rm.id = "s-1";
    r = Run(RunSilenceRm, rm);
    CHECK(r.code == kExitProblems);
    CHECK(r.err == "vigia: cannot end silence s-1: " + why);
  }
  SECTION("a viewer may not silence (403)") {
    TempDir dir;
    ht::TestDaemon d{ht::TestTokens(), NoReload(), WithNotifier(dir)};
    SilenceAddOptions add;
    add.api = Api(d, dir, "viewer-secret");
    add.region = {"MX-CHH"};
    add.for_duration = "15m";
    add.by = "ana";
    Output r = Run(RunSilenceAdd, add);
    CHECK(r.code == kExitProblems);
    CHECK(r.err == "vigia: the token is not allowed to add silences (forbidden: needs operator)\n");
    SilenceListOptions list;
    list.api = add.api;
    CHECK(Run(RunSilenceList, list).err ==
          "vigia: the token is not allowed to list silences (forbidden: needs operator)\n");
    SilenceRmOptions rm;
    rm.api = add.api;
    rm.id = "s-1";
    CHECK(Run(RunSilenceRm, rm).err ==
          "vigia: the token is not allowed to end silences (forbidden: needs operator)\n");
    CHECK(ht::Get(d.port(), "/api/v1/silences", "operator-secret").json().as_array().empty());
  }
}

// The token printed on stdout: one line.
std::string PrintedToken(const Output& o) {
  REQUIRE(o.out.size() > 1);
  REQUIRE(o.out.back() == '\n');
  const std::string token = o.out.substr(0, o.out.size() - 1);
  REQUIRE(token.find('\n') == std::string::npos);
  return token;
}

TEST_CASE("vigia token appends a hash to the tokens file and prints the token once",
          "[cli][token]") {
  TempDir dir;
  TokenOptions o;
  o.name = "chihuahua-ops";
  o.role = "operator";
  o.tokens_file = (dir / "tokens.yaml").string();

  Output made = Run(RunToken, o);
  REQUIRE(made.code == kExitOk);
  const std::string token = PrintedToken(made);
  CHECK_THAT(token, Catch::StartsWith("vgt_"));
  CHECK(token.size() == 4 + 43);  // 32 random bytes in base64url, no padding
  CHECK_THAT(made.err, Catch::Contains("Store the token above now"));
  CHECK(made.err.find(token) == std::string::npos);
  CHECK((fs::status(o.tokens_file).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  auto loaded = daemon::http::LoadTokenFile(o.tokens_file);
  INFO(RenderText(loaded.diagnostics()));
  REQUIRE(loaded.ok());
  REQUIRE(loaded.value().entries().size() == 1);
  const auto& entry = loaded.value().entries()[0];
  CHECK(entry.name == "chihuahua-ops");
  CHECK(entry.role == daemon::http::Role::kOperator);
  CHECK(daemon::http::ToHex(entry.sha256) == daemon::http::ToHex(daemon::http::Sha256Of(token)));
  CHECK(ReadFile(o.tokens_file).find(token) == std::string::npos);  // the hash only

  SECTION("a second token joins the list; the first stays") {
    TokenOptions tdt = o;
    tdt.name = "red tdt";  // quoted in the file
    tdt.role = "integrator";
    tdt.sources = {"red-tdt"};
    tdt.regions = {"MX-CHH", "MX-GRO"};
    Output second = Run(RunToken, tdt);
    REQUIRE(second.code == kExitOk);
    const std::string token2 = PrintedToken(second);
    CHECK(token2 != token);
    auto table = daemon::http::LoadTokenFile(o.tokens_file);
    REQUIRE(table.ok());
    REQUIRE(table.value().entries().size() == 2);
    const auto* e = table.value().Find(token2);
    REQUIRE(e);
    CHECK(e->name == "red tdt");
    CHECK(e->role == daemon::http::Role::kIntegrator);
    CHECK(e->sources == std::vector<std::string>{"red-tdt"});
    CHECK(e->regions == std::vector<std::string>{"MX-CHH", "MX-GRO"});
    CHECK(table.value().Find(token)->name == "chihuahua-ops");
    CHECK((fs::status(o.tokens_file).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
  }
  SECTION("a name used twice is refused and the file is unchanged") {
    const std::string before = ReadFile(o.tokens_file);
    o.role = "admin";
    Output again = Run(RunToken, o);
    CHECK(again.code == kExitUsage);
    CHECK(again.out.empty());
    CHECK_THAT(again.err, Catch::Contains("a token named 'chihuahua-ops' already exists"));
    CHECK(ReadFile(o.tokens_file) == before);
  }
  SECTION("the printed token opens the API with its role") {
    ht::TestDaemon d{std::move(loaded).value()};
    WriteFile(dir / "ops.token", token + "\n");
    ApiOptions api;
    api.url = "http://127.0.0.1:" + std::to_string(d.port());
    api.token_file = (dir / "ops.token").string();
    RulesOptions rules;
    rules.api = api;
    CHECK(Run(RunRules, rules).code == kExitOk);
    Output reload = Run(RunReload, api);
    CHECK(reload.code == kExitProblems);
    CHECK(reload.err.find(token) == std::string::npos);
  }
}

TEST_CASE("vigia token refuses bad input and files it cannot extend safely", "[cli][token]") {
  TempDir dir;
  TokenOptions o;
  o.name = "ops";
  o.role = "operator";
  o.tokens_file = (dir / "tokens.yaml").string();

  SECTION("an unknown role") {
    o.role = "root";
    Output r = Run(RunToken, o);
    CHECK(r.code == kExitUsage);
    CHECK(r.err ==
          "vigia token: unknown role 'root'; roles are viewer, operator, integrator and admin\n");
    CHECK_FALSE(fs::exists(o.tokens_file));
  }
  SECTION("source limits on a role that posts no events") {
    o.sources = {"red-tdt"};
    CHECK(Run(RunToken, o).code == kExitUsage);
    CHECK_FALSE(fs::exists(o.tokens_file));
  }
  SECTION("no tokens file named") {
    o.tokens_file.clear();
    Output r = Run(RunToken, o);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("pass --tokens-file FILE"));
  }
  SECTION("the tokens file of --config") {
    o.tokens_file.clear();
    WriteFile(dir / "vigia.yaml",
              "rules: [rules/*.yaml]\nhttp: {bind: \"127.0.0.1:7780\", tokens_file: keys.yaml}\n");
    o.config_file = (dir / "vigia.yaml").string();
    Output r = Run(RunToken, o);
    CHECK(r.code == kExitOk);
    CHECK(daemon::http::LoadTokenFile(dir / "keys.yaml").value().Find(PrintedToken(r)));
  }
  SECTION("a file with errors is left alone") {
    const std::string broken = "tokens:\n  - {name: x, role: boss, sha256: \"00\"}\n";
    WriteFile(o.tokens_file, broken);
    Output r = Run(RunToken, o);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("tokens file not changed"));
    CHECK(ReadFile(o.tokens_file) == broken);
  }
  SECTION("a flow list cannot be appended to: the file is unchanged") {
    const std::string flow = "tokens: []\n";
    WriteFile(o.tokens_file, flow);
    Output r = Run(RunToken, o);
    CHECK(r.code == kExitProblems);
    CHECK(r.out.empty());  // no token printed: it was not stored
    CHECK_THAT(r.err, Catch::Contains("the file was not changed"));
    CHECK(ReadFile(o.tokens_file) == flow);
  }
  SECTION("an existing file keeps its mode and gets the same indentation") {
    const std::string text = "tokens:\n- {name: a, role: viewer, sha256: \"" +
                             daemon::http::ToHex(daemon::http::Sha256Of("a")) +
                             "\"}";  // no final newline
    WriteFile(o.tokens_file, text,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    Output r = Run(RunToken, o);
    REQUIRE(r.code == kExitOk);
    CHECK((fs::status(o.tokens_file).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    const std::string after = ReadFile(o.tokens_file);
    CHECK_THAT(after, Catch::StartsWith(text + "\n- {name: ops, role: operator, sha256: \""));
    CHECK(daemon::http::LoadTokenFile(o.tokens_file).value().entries().size() == 2);
  }
}

}  // namespace
}  // namespace vigia::cli
