// SPDX-License-Identifier: Apache-2.0
// Rule unit test files (shared/spec/rules.md, "Rule unit tests") as data.
// Events are converted from YAML to JSON text so that they go through the one
// event validator (core/event_decoder.h) like every other way in.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/time.h"

namespace vigia::rules {

struct TestEvent {
  std::string json;  // the YAML mapping as a JSON object (scalars typed as YAML 1.2 core)
  SourcePos pos;
};

// One expected alert: only the listed fields are compared.
struct ExpectedAlert {
  std::optional<std::string> rule;
  std::optional<std::string> level;
  std::optional<std::string> variant;
  std::optional<std::map<std::string, std::string>> key;
  std::optional<std::vector<std::string>> events;
  std::optional<std::string> region;
  std::optional<std::string> time;       // RFC 3339 as written
  std::optional<int64_t> count;
  std::optional<std::string> summary;
  std::optional<std::string> status;     // "firing" or "resolved" (after retraction)
  SourcePos pos;
};

struct TestCase {
  std::string name;
  std::vector<TestEvent> events;
  std::optional<TimeUs> until;
  std::vector<ExpectedAlert> expect;
  SourcePos pos;
};

struct TestFile {
  std::filesystem::path path;
  std::vector<std::filesystem::path> rule_files;  // resolved against the test file's folder
  std::vector<TestCase> tests;
};

LoadResult<TestFile> LoadTestFile(const std::filesystem::path& path);

}  // namespace vigia::rules
