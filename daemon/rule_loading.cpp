// SPDX-License-Identifier: Apache-2.0
#include "daemon/rule_loading.h"

#include <glob.h>

#include <algorithm>

namespace vigia::daemon {

LoadedRules LoadConfiguredRules(const config::Config& config, const Catalogs& catalogs,
                                rules::RuleLoader& loader) {
  std::vector<std::filesystem::path> files;
  for (const auto& g : config.rules) {
    glob_t matches{};
    if (glob(g.pattern.c_str(), 0, nullptr, &matches) == 0)
      for (size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    globfree(&matches);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  rules::LoadOptions options;
  options.catalogs = &catalogs;
  auto loaded = loader.Load(files, options);
  LoadedRules out;
  out.files = files.size();
  out.diagnostics = RenderText(loaded.diagnostics());
  if (!loaded.ok()) return out;
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  engine::EngineDefaults defaults;
  defaults.allowed_lateness = config.engine.allowed_lateness;
  out.rules = std::make_shared<const engine::CompiledRules>(set, defaults);
  return out;
}

}  // namespace vigia::daemon
