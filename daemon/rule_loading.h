// SPDX-License-Identifier: Apache-2.0
// Loads, checks and compiles the configured rule files; used at start, on
// SIGHUP and by POST /api/v1/rules/reload. Runs off the engine thread.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/catalog.h"
#include "engine/compiled_rules.h"
#include "rules/loader.h"

namespace vigia::daemon {

struct LoadedRules {
  std::shared_ptr<const engine::CompiledRules> rules;  // null on error
  std::string diagnostics;  // as `vigia check` renders them (errors and warnings)
  size_t files = 0;
};

// `loader` keeps the files between calls, so that a reload re-reads only those
// that changed (the daemon keeps one for its life).
LoadedRules LoadConfiguredRules(const config::Config& config, const Catalogs& catalogs,
                                rules::RuleLoader& loader);

}  // namespace vigia::daemon
