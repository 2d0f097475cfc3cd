// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the `vigia` subcommands.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "engine/compiled_rules.h"
#include "rules/rule.h"

namespace vigia::cli {

// Exit codes (daemon.md): 0 success; 1 a check, test or push found problems;
// 2 bad usage or an unusable config.
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblems = 1;
inline constexpr int kExitUsage = 2;

// Expands rule arguments: a file as is, a directory to its *.yaml files (sorted,
// not recursive), anything else as a glob. Unmatched arguments are kept so that
// the loader reports them as unreadable.
std::vector<std::filesystem::path> ExpandRuleArgs(const std::vector<std::string>& args);

// Catalogs for `--catalogs DIR` (DIR/regions/*.yaml, DIR/groups.yaml,
// DIR/taxonomy.yaml; a missing file keeps that default) or the defaults when
// `dir` is empty. Prints diagnostics to stderr and returns nullptr on error.
std::shared_ptr<const Catalogs> LoadCatalogsOrReport(const std::string& dir);

// Loads, checks and compiles rule files; prints diagnostics (warnings too) to
// stderr. nullptr on error.
std::shared_ptr<const engine::CompiledRules> LoadRulesOrReport(
    const std::vector<std::filesystem::path>& files, const Catalogs& catalogs);

}  // namespace vigia::cli
