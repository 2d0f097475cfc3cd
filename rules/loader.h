// SPDX-License-Identifier: Apache-2.0
// YAML rule files → RuleSet (shared/spec/rules.md). Every load-time check of the
// spec is a Diagnostic with file:line:column (1-based); all problems are reported
// at once. Never throws. Thread rules: a pure function; call from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/diagnostic.h"
#include "rules/rule.h"

namespace vigia::rules {

struct LoadOptions {
  const Catalogs* catalogs = nullptr;  // nullptr: Catalogs::Defaults()
};

// Loads and checks the files together (`$lists` may be defined in any of them;
// ids must be unique across all). The RuleSet is present only with no errors.
LoadResult<RuleSet> LoadRuleFiles(const std::vector<std::filesystem::path>& files,
                                  const LoadOptions& options = {});

// The same for in-memory texts: (file name for diagnostics, YAML text).
LoadResult<RuleSet> LoadRuleTexts(const std::vector<std::pair<std::string, std::string>>& texts,
                                  const LoadOptions& options = {});

}  // namespace vigia::rules
