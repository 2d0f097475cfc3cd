// SPDX-License-Identifier: Apache-2.0
// Every key's wrong type, bad value and typo, each at its exact line:column.
#include <algorithm>

#include <catch2/catch.hpp>

#include "config/detail/testing.h"

namespace vigia::config {
namespace {

using testing::Briefs;
using testing::Where;
using Strings = std::vector<std::string>;

struct Case {
  std::string yaml;  // line 1; a way in for events is added as line 2
  Strings where;     // "line:column code" of each diagnostic, in order
};

LoadResult<Config> ParseCase(const std::string& yaml) {
  // An `ingest` case can't take the usual way in (a second `ingest` key is C109).
  std::string way_in = yaml.starts_with("ingest")
                           ? "http: {bind: '127.0.0.1:9999', tokens_file: t.yaml}\n"
                           : testing::kWayIn;
  return testing::Parse(yaml + "\n" + way_in);
}

void CheckCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.yaml) {
      auto result = ParseCase(c.yaml);
      CHECK(Where(result.diagnostics()) == c.where);
      CHECK_FALSE(result.ok());
    }
  }
}

TEST_CASE("A value of the wrong type is C102 at the value, never a default", "[config]") {
  CheckCases({
      {"node: 12", {"1:7 C102"}},
      {"node: true", {"1:7 C102"}},
      {"catalogs: [a.yaml]", {"1:11 C102"}},
      {"catalogs: {regions: 5}", {"1:21 C102"}},
      {"rules: rules/*.yaml", {"1:8 C102"}},
      {"rules: [5, {a: b}]", {"1:9 C102", "1:12 C102"}},
      {"storage: 1", {"1:10 C102"}},
      {"storage:", {"1:1 C102"}},
      {"storage: {path: [a]}", {"1:17 C102"}},
      {"storage: {retention: {}}", {"1:22 C102"}},
      {"storage: {sync: [full]}", {"1:17 C102"}},
      {"engine: {allowed_lateness: true}", {"1:28 C102"}},
      {"ingest: {zmq: {bind: x}}", {"1:15 C102"}},
      {R"(ingest: {zmq: ["tcp://127.0.0.1:7701"]})", {"1:16 C102"}},
      {"ingest: {max_message: [1]}", {"1:23 C102"}},
      {"ingest: {auth: yes}", {"1:16 C102"}},
      {"ingest: {files: [{path: 7}]}", {"1:25 C102"}},
      {"alerts: {publish: 7703}", {"1:19 C102"}},
      {R"(http: "127.0.0.1:7780")", {"1:7 C102"}},
      {"notifier: [a]", {"1:11 C102"}},
      {"log: info", {"1:6 C102"}},
      {"[a]: b", {"1:1 C102"}},
      {"node: !!int 5", {"1:7 C102"}},
      {"log: {level: !!null x}", {"1:14 C102"}},
  });
}

TEST_CASE("A quoted or !!str value is a string, whatever it looks like", "[config]") {
  auto result = ParseCase("node: '12'\nlog: {level: !!str info}");
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  CHECK(result.value().node == "12");
}

TEST_CASE("A config that is not a mapping is one C102", "[config]") {
  CHECK(Where(testing::Parse("- node: a\n").diagnostics()) == Strings{"1:1 C102"});
}

TEST_CASE("A number given for a string says how to quote it", "[config]") {
  auto result = ParseCase("node: 12");
  REQUIRE(result.diagnostics().size() == 1);
  CHECK(result.diagnostics()[0].message == "'node' must be a string, found a number");
  CHECK(result.diagnostics()[0].hint == "quote it if you mean the text: \"12\"");
}

TEST_CASE("A bad value is C103 with the allowed values", "[config]") {
  CheckCases({
      {R"(node: "chihuahua 1")", {"1:7 C103"}},
      {R"(node: "")", {"1:7 C103"}},
      {"storage: {sync: fast}", {"1:17 C103"}},
      {"log: {level: verbose}", {"1:14 C103"}},
      {"log: {level: 3}", {"1:14 C103"}},
      {"log: {format: xml}", {"1:15 C103"}},
      {R"(ingest: {zmq: [{bind: "inproc://a", mode: pull}]})", {"1:43 C103"}},
      {"ingest: {files: [{path: a.jsonl, from: middle}]}", {"1:40 C103"}},
      {R"(catalogs: {regions: ""})", {"1:21 C103"}},
      {R"(rules: [""])", {"1:9 C103"}},
  });
  auto result = ParseCase("log: {level: verbose}");
  CHECK(Briefs(result.diagnostics()) ==
        Strings{"1:14 C103 invalid value 'verbose' for 'log.level'"});
  CHECK(result.diagnostics()[0].hint == "expected one of: trace, debug, info, warn, error");
}

TEST_CASE("An unknown key is C101 with the closest known key", "[config]") {
  CheckCases({
      {"nodes: x", {"1:1 C101"}},
      {"rule: [a.yaml]", {"1:1 C101"}},
      {"catalogs: {region: x.yaml}", {"1:12 C101"}},
      {"storage: {retnetion: 1d}", {"1:11 C101"}},
      {"engine: {lateness: 1h}", {"1:10 C101"}},
      {"ingest: {maxmessage: 1MiB}", {"1:10 C101"}},
      // A misspelt required key is reported once, as unknown, not also as missing.
      {R"(ingest: {zmq: [{bind: "inproc://a", mdoe: ack}]})", {"1:37 C101"}},
      {"ingest: {auth: {key: x}}", {"1:16 C108", "1:16 C108", "1:17 C101"}},
      {"ingest: {files: [{file: x.jsonl}]}", {"1:18 C108", "1:19 C101"}},
      {R"(alerts: {pub: "tcp://127.0.0.1:7703"})", {"1:9 C108", "1:10 C101"}},
      {"http: {port: 7780}", {"1:7 C108", "1:8 C101"}},
      {"log: {colour: auto}", {"1:7 C101"}},
  });
  auto hint = [](const std::string& yaml) { return ParseCase(yaml).diagnostics().at(0).hint; };
  CHECK(hint("storage: {retnetion: 1d}") == "did you mean 'retention'?");
  CHECK(hint("nodes: x") == "did you mean 'node'?");
  CHECK(hint("engine: {lateness: 1h}") ==
        "expected one of: allowed_lateness, max_future_skew, startup_grace");
  CHECK(Briefs(ParseCase("storage: {retnetion: 1d}").diagnostics()) ==
        Strings{"1:11 C101 unknown key 'retnetion' in 'storage'"});
  CHECK(Briefs(ParseCase("nodes: x").diagnostics()) ==
        Strings{"1:1 C101 unknown key 'nodes' in the config"});
}

TEST_CASE("A key given twice is C109 at the second", "[config]") {
  CheckCases({
      {"log: {level: info, level: debug}", {"1:20 C109"}},
  });
  auto result = testing::Parse(std::string(testing::kWayIn) + "log: {}\nlog: {}\n");
  CHECK(Briefs(result.diagnostics()) == Strings{"3:1 C109 duplicate key 'log' (first at line 2)"});
}

TEST_CASE("A missing required key is C108 at its mapping", "[config]") {
  CheckCases({
      {R"(ingest: {zmq: [{bind: "inproc://a"}]})", {"1:16 C108"}},
      {"ingest: {zmq: [{mode: ack}]}", {"1:16 C108"}},
      {"ingest: {auth: {clients_dir: keys}}", {"1:16 C108"}},
      {"alerts: {}", {"1:9 C108"}},
      {"http: {tokens_file: t.yaml}", {"1:7 C108"}},
  });
  CHECK(Briefs(ParseCase(R"(ingest: {zmq: [{bind: "inproc://a"}]})").diagnostics()) ==
        Strings{"1:16 C108 missing required key 'mode' in 'ingest.zmq[0]'"});
}

TEST_CASE("A diagnostic carries the path of the key", "[config]") {
  auto result = ParseCase(R"(ingest: {zmq: [{bind: "inproc://a", mode: pull}]})");
  REQUIRE(result.diagnostics().size() == 1);
  CHECK(result.diagnostics()[0].path == Strings{"ingest", "zmq[0]"});
  CHECK(result.diagnostics()[0].message == "invalid value 'pull' for 'ingest.zmq[0].mode'");
  CHECK(result.diagnostics()[0].span == 4);
}

TEST_CASE("A stray flow end where a node should start is C001, not an endless loop", "[config]") {
  // yaml-cpp 0.7's LoadAll loops for ever on these, until memory runs out (found
  // by tests/fuzz/fuzz_config; corpus/fuzz_config/regression-stray-flow-end.yaml).
  CHECK(Briefs(testing::Parse(",r}").diagnostics()) ==
        Strings{"1:1 C001 invalid YAML: unexpected character where a node should start"});
  CHECK(Where(testing::Parse("log: {level: info}\n]\n").diagnostics()) == Strings{"2:1 C001"});
}

TEST_CASE("A misspelt required key is reported once and its value is never read", "[config]") {
  // `tath` for `path` left the file receiver reading the first of no entries
  // (found by tests/fuzz/fuzz_config; corpus/fuzz_config/regression-misspelt-path.yaml).
  auto result = ParseCase("notifier: {receivers: [{name: a, file: {tath: x.jsonl}}]}");
  CHECK_FALSE(result.ok());
  Strings codes;
  for (const Diagnostic& d : result.diagnostics()) codes.push_back(d.code);
  CHECK(std::count(codes.begin(), codes.end(), "C101") == 1);
  CHECK(std::count(codes.begin(), codes.end(), "C108") == 0);
}

}  // namespace
}  // namespace vigia::config
