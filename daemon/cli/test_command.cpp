// SPDX-License-Identifier: Apache-2.0
// `vigia test`: rule unit tests (rules.md, "Rule unit tests"). Each test runs on
// a fresh engine; the alerts produced are compared with `expect` (listed fields
// only; every produced alert must be expected, in (time, rule, alert id) order).
#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "core/event_decoder.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"
#include "engine/offline_runner.h"
#include "rules/test_file.h"

namespace vigia::cli {
namespace {

class CollectingSink : public engine::AlertSink {
 public:
  void OnAlert(const engine::Alert& a) override { alerts.push_back(a); }
  void OnRetraction(const engine::Retraction& x) override {
    for (auto& a : alerts)
      if (a.id == x.alert_id) a.status = "resolved";
  }
  std::vector<engine::Alert> alerts;
};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string Join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

std::string KeyText(const std::map<std::string, std::string>& key) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : key) {
    out += (first ? "" : ", ") + k + ": " + v;
    first = false;
  }
  return out + "}";
}

// Differences between an expected and a produced alert, one line each.
std::vector<std::string> Compare(const rules::ExpectedAlert& x, const engine::Alert& a) {
  std::vector<std::string> diffs;
  auto check = [&](const char* field, const std::string& want, const std::string& got) {
    if (want != got) diffs.push_back(std::string(field) + ": expected " + want + ", got " + got);
  };
  if (x.rule) check("rule", Quote(*x.rule), Quote(a.rule));
  if (x.level) check("level", Quote(*x.level), Quote(std::string(rules::ToString(a.level))));
  if (x.variant) check("variant", Quote(*x.variant), Quote(a.variant));
  if (x.key) {
    std::map<std::string, std::string> got(a.key.begin(), a.key.end());
    check("key", KeyText(*x.key), KeyText(got));
  }
  if (x.events) check("events", Join(*x.events), Join(a.events));
  if (x.region) check("region", Quote(*x.region), a.region ? Quote(*a.region) : "none");
  if (x.time) {
    auto want = ParseRfc3339(*x.time);
    if (!want || *want != a.time) check("time", *x.time, FormatRfc3339(a.time));
  }
  if (x.count) check("count", std::to_string(*x.count), std::to_string(a.count));
  if (x.summary) check("summary", Quote(*x.summary), Quote(a.summary));
  if (x.status) check("status", Quote(*x.status), Quote(a.status));
  return diffs;
}

std::string Where(const SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line);
}

// Runs one test; returns the failure report (empty when it passes).
std::string RunCase(const rules::TestCase& tc, std::shared_ptr<const engine::CompiledRules> rules,
                    const Catalogs& catalogs) {
  std::ostringstream report;
  CollectingSink sink;
  engine::OfflineRunner runner(rules, sink);
  EventDecoder decoder(catalogs, DecodeLimits{});
  for (const auto& te : tc.events) {
    auto event = decoder.Decode(te.json);
    if (!event) {
      report << "    " << Where(te.pos) << ": event rejected: " << RenderError(event.error()) << "\n";
      continue;
    }
    if (runner.Push(std::move(*event)) == engine::DedupIndex::Verdict::kConflict)
      report << "    " << Where(te.pos) << ": event rejected: duplicate_conflict\n";
  }
  runner.Finish(tc.until);
  auto& got = sink.alerts;
  std::stable_sort(got.begin(), got.end(), [](const engine::Alert& a, const engine::Alert& b) {
    return std::tie(a.time, a.rule, a.id) < std::tie(b.time, b.rule, b.id);
  });
  const size_t n = std::max(got.size(), tc.expect.size());
  for (size_t i = 0; i < n; ++i) {
    if (i >= got.size()) {
      report << "    missing alert " << i + 1 << " (" << Where(tc.expect[i].pos) << ")\n";
      continue;
    }
    if (i >= tc.expect.size()) {
      report << "    unexpected alert " << i + 1 << ": " << engine::AlertJson(got[i]) << "\n";
      continue;
    }
    auto diffs = Compare(tc.expect[i], got[i]);
    if (diffs.empty()) continue;
    report << "    alert " << i + 1 << " (" << Where(tc.expect[i].pos) << "):\n";
    for (const auto& d : diffs) report << "      " << d << "\n";
    report << "      produced: " << engine::AlertJson(got[i]) << "\n";
  }
  return report.str();
}

}  // namespace

int RunTest(const TestOptions& options) {
  auto catalogs = LoadCatalogsOrReport(options.catalogs_dir);
  if (!catalogs) return kExitUsage;
  if (options.files.empty()) {
    std::cerr << "vigia test: no test files given\n";
    return kExitUsage;
  }
  size_t passed = 0, failed = 0;
  bool unusable = false;
  for (const auto& path : ExpandRuleArgs(options.files)) {
    auto file = rules::LoadTestFile(path);
    if (!file.diagnostics().empty()) std::cerr << RenderText(file.diagnostics());
    if (!file.ok()) {
      unusable = true;
      continue;
    }
    auto rules = LoadRulesOrReport(file.value().rule_files, *catalogs);
    if (!rules) {
      std::cout << "FAIL " << path.string() << ": its rule files do not load\n";
      failed += file.value().tests.size();
      continue;
    }
    for (const auto& tc : file.value().tests) {
      std::string report = RunCase(tc, rules, *catalogs);
      if (report.empty()) {
        ++passed;
        if (options.verbose) std::cout << "ok   " << Where(tc.pos) << ": " << tc.name << "\n";
      } else {
        ++failed;
        std::cout << "FAIL " << Where(tc.pos) << ": " << tc.name << "\n" << report;
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  if (unusable) return kExitUsage;
  return failed ? kExitProblems : kExitOk;
}

}  // namespace vigia::cli
