// SPDX-License-Identifier: Apache-2.0
// Helpers for the rules/ tests only: load a text, and describe diagnostics in
// one line each so that a test can compare positions exactly.
#pragma once

#include <string>
#include <vector>

#include "rules/loader.h"

namespace vigia::rules::testing {

inline LoadResult<RuleSet> LoadText(const std::string& text, const std::string& name = "r.yaml") {
  return LoadRuleTexts({{name, text}});
}

// "r.yaml:3:14: E104 invalid duration '7 days'"
inline std::string Brief(const Diagnostic& d) {
  return d.pos.file + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " +
         d.code + " " + d.message;
}

inline std::vector<std::string> Briefs(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags) out.push_back(Brief(d));
  return out;
}

inline std::vector<std::string> Codes(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags) out.push_back(d.code);
  return out;
}

// The rule of a load that must succeed, for tests of its fields (an empty rule
// if it failed). Valid as long as `result`.
inline const Rule& OnlyRule(const LoadResult<RuleSet>& result) {
  static const Rule kNone;
  if (!result.ok() || result.value().rules.size() != 1) return kNone;
  return result.value().rules.front();
}

}  // namespace vigia::rules::testing
