// SPDX-License-Identifier: Apache-2.0
// YAML rule files → RuleSet (shared/spec/rules.md). Every load-time check of the
// spec is a Diagnostic with file:line:column (1-based); all problems are reported
// at once. Never throws. Thread rules: a pure function; call from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
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

// Loads the same rule files again and again (the daemon: at start, on SIGHUP and
// on POST /api/v1/rules/reload) and redoes only what changed. A file whose
// bytes are those of the last load keeps its YAML, and its parsed rules as long
// as the catalogs and the lists they use are unchanged (nothing else goes into
// a rule). The result is always the one LoadRuleFiles gives for the same files.
// Thread-safe: one load at a time.
class RuleLoader {
 public:
  RuleLoader();
  ~RuleLoader();
  RuleLoader(const RuleLoader&) = delete;
  RuleLoader& operator=(const RuleLoader&) = delete;

  LoadResult<RuleSet> Load(const std::vector<std::filesystem::path>& files,
                           const LoadOptions& options = {});

  // What the last Load did: files whose YAML was read from their text, and
  // files whose rules (if any) were kept from the load before; the others
  // had their rules parsed again from the YAML kept.
  struct Stats {
    size_t read = 0;
    size_t kept = 0;
  };
  Stats last_stats() const;

 private:
  struct Impl;
  mutable std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::rules
