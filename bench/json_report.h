// SPDX-License-Identifier: Apache-2.0
// The --json output of vigia-bench: one object per run,
//   {"mode": "engine", "load_average": "...", <fields>, "rows": [{...}, ...]}
// with values rendered as they are added. Thread rules: none (a value).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia::bench {

class JsonObject {
 public:
  JsonObject& Add(std::string_view key, std::string_view text);  // a JSON string
  JsonObject& Add(std::string_view key, const char* text) { return Add(key, std::string_view(text)); }
  JsonObject& Add(std::string_view key, double number);          // integral values without ".0"
  JsonObject& Add(std::string_view key, int64_t number) { return Add(key, static_cast<double>(number)); }
  JsonObject& Add(std::string_view key, uint64_t number) { return Add(key, static_cast<double>(number)); }
  JsonObject& Add(std::string_view key, int number) { return Add(key, static_cast<double>(number)); }
  JsonObject& Add(std::string_view key, bool value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // key, rendered value
};

class JsonReport {
 public:
  explicit JsonReport(std::string_view mode);
  JsonObject& top() { return top_; }
  JsonObject& AddRow() { return rows_.emplace_back(); }
  std::string Render() const;
  // Writes Render() and a newline to `path`; false (and a line on stderr) on failure.
  // An empty path writes nothing and succeeds.
  bool WriteTo(const std::string& path) const;

 private:
  JsonObject top_;
  std::vector<JsonObject> rows_;
};

}  // namespace vigia::bench
