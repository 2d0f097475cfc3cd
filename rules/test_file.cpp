// SPDX-License-Identifier: Apache-2.0
// Rule unit test files: read (yaml_reader), check every key like the rule
// loader does, and turn each event into JSON text (yaml_json) for the decoder.
#include "rules/test_file.h"

#include <algorithm>
#include <exception>
#include <set>
#include <tuple>

#include "rules/detail/reporter.h"
#include "rules/detail/values.h"
#include "rules/detail/vocabulary.h"
#include "rules/detail/yaml_json.h"
#include "rules/detail/yaml_reader.h"

namespace vigia::rules {
namespace {

using detail::Entry;
using detail::Reporter;

constexpr std::string_view kFileKeys[] = {"rule_files", "tests"};
constexpr std::string_view kTestKeys[] = {"name", "events", "until", "expect"};
constexpr std::string_view kExpectKeys[] = {"rule",   "level", "variant", "key",     "events",
                                            "region", "time",  "count",   "summary", "status"};
constexpr std::string_view kStatuses[] = {"firing", "resolved"};

const YAML::Node& ExpectList(Reporter& r, const Entry& e) {
  if (!e.value.IsSequence()) {
    r.Fail("E100", e.anchor(),
           "'" + e.name + "' must be a list, found " + detail::DescribeKind(e.value));
  }
  return e.value;
}

std::string ExpectTime(Reporter& r, const Entry& e) {
  std::string text = detail::ExpectText(r, e, "'" + e.name + "'");
  if (!ParseRfc3339(text)) {
    r.Fail("E105", e.anchor(), "invalid time '" + text + "'",
           "use an RFC 3339 timestamp such as 2017-03-10T00:00:00Z");
  }
  return text;
}

class TestFileParser {
 public:
  TestFileParser(Reporter& r, TestFile& file) : r_(r), file_(file) {}

  void Parse(const YAML::Node& root) {
    detail::ExpectMap(r_, root, "a test file");
    std::set<std::string> given;
    for (const Entry& e : detail::CheckedEntries(r_, root, kFileKeys, "the test file", &given)) {
      r_.Guard([&] {
        given.insert(e.name);
        if (e.name == "rule_files") {
          Reporter::Scope scope(r_, e.name);
          RuleFiles(e);
        } else {
          size_t index = 0;
          for (const YAML::Node& item : ExpectList(r_, e)) {
            r_.Guard([&] { Test(item, ++index); });
          }
        }
      });
    }
    if (given.count("rule_files") == 0) {
      r_.Error("E102", root, "a test file needs 'rule_files'", "e.g. rule_files: [../rules.yaml]");
    }
    if (given.count("tests") == 0) r_.Error("E102", root, "a test file needs 'tests'");
  }

 private:
  void RuleFiles(const Entry& e) {
    std::vector<std::pair<YAML::Node, YAML::Node>> items;  // (item, where to point)
    if (e.value.IsSequence()) {
      for (const YAML::Node& item : e.value) items.emplace_back(item, item);
    } else {
      items.emplace_back(e.value, e.anchor());
    }
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    for (const auto& item_at : items) {
      const YAML::Node& item = item_at.first;
      const YAML::Node& at = item_at.second;
      r_.Guard([&] {
        std::filesystem::path path = detail::ExpectText(r_, item, at, "a rule file");
        if (path.is_relative()) path = file_.path.parent_path() / path;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
          r_.Fail("E002", at, "rule file '" + path.string() + "' not found",
                  "rule_files are relative to the test file's folder");
        }
        file_.rule_files.push_back(path.lexically_normal());
      });
    }
  }

  void Test(const YAML::Node& node, size_t index) {
    std::string label = "test #" + std::to_string(index);
    if (node.IsMap() && node["name"] && node["name"].IsScalar()) {
      label = "test '" + node["name"].Scalar() + "'";
    }
    Reporter::Scope scope(r_, label);
    detail::ExpectMap(r_, node, "a test");
    TestCase test;
    test.pos = detail::PosOf(r_.file(), node);
    size_t errors = r_.errors();
    std::set<std::string> given;
    for (const Entry& e : detail::CheckedEntries(r_, node, kTestKeys, "a test", &given)) {
      given.insert(e.name);
      r_.Guard([&] {
        Reporter::Scope key_scope(r_, e.name);
        if (e.name == "name") {
          test.name = detail::ExpectText(r_, e, "'name'");
          if (!names_.insert(test.name).second) {
            r_.Fail("E122", e.anchor(), "duplicate test name '" + test.name + "'",
                    "give each test its own name, so that failures say which one");
          }
        } else if (e.name == "until") {
          test.until = ParseRfc3339(ExpectTime(r_, e));
        } else if (e.name == "events") {
          Events(ExpectList(r_, e), test);
        } else {
          Expect(ExpectList(r_, e), test);
        }
      });
    }
    for (std::string_view required : {"name", "events", "expect"}) {
      if (given.count(std::string(required)) == 0) {
        r_.Error("E102", node, "a test needs '" + std::string(required) + "'",
                 required == "expect" ? "use expect: [] to assert that nothing fires" : "");
      }
    }
    if (r_.errors() == errors) file_.tests.push_back(std::move(test));
  }

  void Events(const YAML::Node& events, TestCase& test) {
    size_t index = 0;
    for (const YAML::Node& event : events) {
      Reporter::Scope scope(r_, "#" + std::to_string(++index));
      r_.Guard([&] {
        detail::ExpectMap(r_, event, "an event");
        test.events.push_back({detail::YamlToJson(r_, event), detail::PosOf(r_.file(), event)});
      });
    }
  }

  void Expect(const YAML::Node& expect, TestCase& test) {
    size_t index = 0;
    for (const YAML::Node& item : expect) {
      Reporter::Scope scope(r_, "#" + std::to_string(++index));
      r_.Guard([&] {
        detail::ExpectMap(r_, item, "an expected alert");
        ExpectedAlert alert;
        alert.pos = detail::PosOf(r_.file(), item);
        for (const Entry& e : detail::CheckedEntries(r_, item, kExpectKeys, "an expected alert")) {
          r_.Guard([&] { ExpectField(e, alert); });
        }
        test.expect.push_back(std::move(alert));
      });
    }
  }

  void ExpectField(const Entry& e, ExpectedAlert& alert) {
    Reporter::Scope scope(r_, e.name);
    const std::string& n = e.name;
    if (n == "key") {
      detail::ExpectMap(r_, e.value, "'key'");
      alert.key.emplace();
      for (auto it = e.value.begin(); it != e.value.end(); ++it) {
        std::string field = detail::ExpectText(r_, it->first, it->first, "a key field");
        (*alert.key)[field] = detail::ExpectText(
            r_, it->second, detail::ValueAnchor(it->first, it->second), "a key value");
      }
    } else if (n == "events") {
      alert.events.emplace();
      for (const YAML::Node& id : ExpectList(r_, e)) {
        alert.events->push_back(detail::ExpectText(r_, id, id, "an event id"));
      }
    } else if (n == "count") {
      alert.count = detail::ParseIntegerValue(r_, e, 1);
    } else if (n == "time") {
      alert.time = ExpectTime(r_, e);
    } else if (n == "level") {
      alert.level = std::string(ToString(detail::ParseLevelValue(r_, e)));
    } else if (n == "status") {
      std::string status = detail::ExpectText(r_, e, "'status'");
      if (status != "firing" && status != "resolved") {
        r_.Fail("E105", e.anchor(), "unknown status '" + status + "'",
                detail::SuggestHint(status, kStatuses));
      }
      alert.status = status;
    } else {
      std::string text = detail::ExpectText(r_, e, "'" + n + "'");
      if (n == "rule") alert.rule = text;
      if (n == "variant") alert.variant = text;
      if (n == "region") alert.region = text;
      if (n == "summary") alert.summary = text;
    }
  }

  Reporter& r_;
  TestFile& file_;
  std::set<std::string> names_;
};

// Exceptions never leave the module (STYLE.md §3): one that gets here is a bug.
LoadResult<TestFile> InternalError(const std::filesystem::path& path, std::string_view what,
                                   std::vector<Diagnostic> diags) {
  Diagnostic d;
  d.code = "E003";
  d.pos.file = path.string();
  d.message = "internal error while loading the test file: " + std::string(what);
  d.hint = "this is a bug in vigia; please report it with the test file";
  diags.push_back(std::move(d));
  return LoadResult<TestFile>(std::nullopt, std::move(diags));
}

}  // namespace

LoadResult<TestFile> LoadTestFile(const std::filesystem::path& path) {
  std::vector<Diagnostic> diags;
  try {
    TestFile file;
    file.path = path;
    detail::SourceFile source = detail::ReadSource(path, diags);
    if (source.ok) {
      Reporter r(source, diags);
      TestFileParser parser(r, file);
      r.Guard([&] { parser.Parse(source.root); });
    }
    std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
    });
    return LoadResult<TestFile>(std::move(file), std::move(diags));
  } catch (const std::exception& e) {
    return InternalError(path, e.what(), std::move(diags));
  } catch (const detail::DiagnosticError&) {
    return InternalError(path, "a problem escaped its test", std::move(diags));
  }
}

}  // namespace vigia::rules
