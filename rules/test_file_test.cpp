// SPDX-License-Identifier: Apache-2.0
#include "rules/test_file.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "rules/detail/testing.h"

namespace vigia::rules {
namespace {

namespace fs = std::filesystem;
using testing::Briefs;
using Strings = std::vector<std::string>;

// A temporary folder with rules/r.yaml and tests/<name> holding `text`.
class TestDir {
 public:
  // ctest runs test cases as parallel processes: the pid keeps their folders apart.
  TestDir()
      : root_(fs::temp_directory_path() /
              ("vigia_test_file_" + std::to_string(::getpid()) + "_" + std::to_string(++count_))) {
    fs::remove_all(root_);
    fs::create_directories(root_ / "rules");
    fs::create_directories(root_ / "tests");
    std::ofstream(root_ / "rules/r.yaml") << "rules: []\n";
  }
  ~TestDir() { fs::remove_all(root_); }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  fs::path Write(const std::string& text) {
    fs::path path = root_ / "tests/t.test.yaml";
    std::ofstream(path) << text;
    return path;
  }
  const fs::path& root() const { return root_; }

 private:
  static inline int count_ = 0;
  fs::path root_;
};

// Diagnostics with the file name cut to "t.test.yaml" for comparisons.
Strings Problems(const LoadResult<TestFile>& result) {
  Strings out;
  for (Diagnostic d : result.diagnostics()) {
    d.pos.file = fs::path(d.pos.file).filename().string();
    out.push_back(testing::Brief(d));
  }
  return out;
}

TEST_CASE("A rule test file loads with events as JSON and the expected alerts",
          "[rules][loader][test_file]") {
  TestDir dir;
  auto result = LoadTestFile(dir.Write(R"(rule_files: [../rules/r.yaml]
tests:
  - name: three threats in Chihuahua within a week fire critical
    events:
      - {id: e1, type: report, time: 2017-03-01T10:00:00Z, source: t, region: MX-CHH, groups: [journalist], category: threat}
      - id: e2
        type: report
        time: "2017-03-03T10:00:00Z"
        severity: 3
        attrs: {n: 1.50, ok: true, z: ~, q: "3", h: 0x10, list: [a, 2], text: "a \"b\"\n"}
    until: 2017-03-10T00:00:00Z
    expect:
      - {rule: journalist-threat-cluster, level: critical, key: {region: MX-CHH}, events: [e1, e2, e3]}
      - {variant: "override #1", region: MX-CHH, time: 2017-03-06T09:00:00Z, count: 3, summary: s, status: resolved}
  - name: nothing fires
    events: []
    expect: []
)"));
  REQUIRE(Problems(result) == Strings{});
  const TestFile& file = result.value();
  REQUIRE(file.rule_files.size() == 1);
  CHECK(file.rule_files[0] == (dir.root() / "rules/r.yaml").lexically_normal());
  REQUIRE(file.tests.size() == 2);
  const TestCase& test = file.tests[0];
  CHECK(test.name == "three threats in Chihuahua within a week fire critical");
  CHECK(test.pos.line == 3);
  REQUIRE(test.events.size() == 2);
  CHECK(test.events[0].json ==
        R"({"id":"e1","type":"report","time":"2017-03-01T10:00:00Z","source":"t",)"
        R"("region":"MX-CHH","groups":["journalist"],"category":"threat"})");
  CHECK(test.events[0].pos.line == 5);
  CHECK(test.events[1].json ==
        R"({"id":"e2","type":"report","time":"2017-03-03T10:00:00Z","severity":3,)"
        R"("attrs":{"n":1.50,"ok":true,"z":null,"q":"3","h":16,"list":["a",2],)"
        R"("text":"a \"b\"\n"}})");
  CHECK(test.until == ParseRfc3339("2017-03-10T00:00:00Z"));
  REQUIRE(test.expect.size() == 2);
  const ExpectedAlert& a = test.expect[0];
  CHECK(a.rule == "journalist-threat-cluster");
  CHECK(a.level == "critical");
  CHECK(a.key == std::map<std::string, std::string>{{"region", "MX-CHH"}});
  CHECK(a.events == Strings{"e1", "e2", "e3"});
  CHECK_FALSE(a.variant);
  CHECK_FALSE(a.count);
  const ExpectedAlert& b = test.expect[1];
  CHECK(b.variant == "override #1");
  CHECK(b.region == "MX-CHH");
  CHECK(b.time == "2017-03-06T09:00:00Z");
  CHECK(b.count == 3);
  CHECK(b.summary == "s");
  CHECK(b.status == "resolved");
  CHECK_FALSE(b.rule);
  CHECK(file.tests[1].expect.empty());
  CHECK_FALSE(file.tests[1].until);
}

TEST_CASE("Every problem of a rule test file is reported with its position",
          "[rules][loader][test_file]") {
  TestDir dir;
  auto result = LoadTestFile(dir.Write(R"(rule_files: [../rules/r.yaml, ../rules/missing.yaml]
tests:
  - name: a
    events:
      - {id: e1, id: e2}
      - [not, a, mapping]
    until: next week
    expect:
      - {rule: r, levle: critical}
      - {rule: r, status: fired, count: 0}
  - name: a
    events: []
  - events: []
    expect: []
    extra: 1
)"));
  CHECK(Problems(result) ==
        Strings{"t.test.yaml:1:31: E002 rule file '" +
                    (dir.root() / "tests/../rules/missing.yaml").string() + "' not found",
                "t.test.yaml:5:18: E103 duplicate key 'id'",
                "t.test.yaml:6:9: E100 an event must be a mapping, found a list",
                "t.test.yaml:7:12: E105 invalid time 'next week'",
                "t.test.yaml:9:19: E101 unknown key 'levle' in an expected alert",
                "t.test.yaml:10:27: E105 unknown status 'fired'",
                "t.test.yaml:10:41: E105 'count' must be an integer of at least 1, found '0'",
                "t.test.yaml:11:5: E102 a test needs 'expect'",
                "t.test.yaml:11:11: E122 duplicate test name 'a'",
                "t.test.yaml:13:5: E102 a test needs 'name'",
                "t.test.yaml:15:5: E101 unknown key 'extra' in a test"});
  CHECK_FALSE(result.ok());
  CHECK(result.diagnostics()[4].hint == "did you mean 'level'?");
  CHECK(result.diagnostics()[4].path == Strings{"test 'a'", "expect", "#1"});
}

TEST_CASE("A test file that is missing or not a mapping is reported",
          "[rules][loader][test_file]") {
  CHECK(Briefs(LoadTestFile("no/such.test.yaml").diagnostics()) ==
        Strings{"no/such.test.yaml:0:0: E002 no such file"});
  TestDir dir;
  CHECK(Problems(LoadTestFile(dir.Write("tests: []\n"))) ==
        Strings{"t.test.yaml:1:1: E102 a test file needs 'rule_files'"});
  CHECK(Problems(LoadTestFile(dir.Write("- a\n"))) ==
        Strings{"t.test.yaml:1:1: E100 a test file must be a mapping, found a list"});
}

TEST_CASE("Events built from YAML aliases stay bounded", "[rules][loader][test_file]") {
  TestDir dir;
  std::string text = "rule_files: [../rules/r.yaml]\ndefs:\n  - &v0 [x]\n";
  for (int i = 1; i <= 30; ++i) {
    std::string p = "*v" + std::to_string(i - 1);
    text += "  - &v" + std::to_string(i) + " [" + p + ", " + p + "]\n";
  }
  text +=
      "tests:\n  - name: bomb\n    events:\n      - {id: e, attrs: {a: *v30}}\n"
      "      - &cycle {id: f, attrs: *cycle}\n    expect: []\n";
  auto result = LoadTestFile(dir.Write(text));
  Strings codes = testing::Codes(result.diagnostics());
  CHECK(codes == Strings{"E101", "E105", "E105"});
}

TEST_CASE("The example rule tests load without problems", "[rules][loader][test_file]") {
  fs::path dir = fs::path(VIGIA_SOURCE_DIR) / "rules/examples/tests";
  if (!fs::exists(dir)) return;  // the examples are optional
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    auto result = LoadTestFile(entry.path());
    INFO(RenderText(result.diagnostics()));
    CHECK(result.diagnostics().empty());
  }
}

}  // namespace
}  // namespace vigia::rules
