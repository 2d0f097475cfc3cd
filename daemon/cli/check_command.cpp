// SPDX-License-Identifier: Apache-2.0
// `vigia check`: load and check rules, report every problem with file:line:col.
#include <iostream>

#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"
#include "rules/loader.h"

namespace vigia::cli {

int RunCheck(const CheckOptions& options) {
  if (options.format != "text" && options.format != "json") {
    std::cerr << "vigia check: --format must be 'text' or 'json'\n";
    return kExitUsage;
  }
  auto catalogs = LoadCatalogsOrReport(options.catalogs_dir);
  if (!catalogs) return kExitUsage;
  const auto files = ExpandRuleArgs(options.rule_args);
  if (files.empty()) {
    std::cerr << "vigia check: no rule files given\n";
    return kExitUsage;
  }
  rules::LoadOptions load;
  load.catalogs = catalogs.get();
  auto loaded = rules::LoadRuleFiles(files, load);
  if (options.format == "json") {
    std::cout << RenderJson(loaded.diagnostics()) << "\n";
  } else {
    std::cout << RenderText(loaded.diagnostics());
    if (loaded.ok()) {
      size_t enabled = 0;
      for (const auto& r : loaded.value().rules) enabled += r.enabled;
      std::cout << "ok: " << loaded.value().rules.size() << " rules (" << enabled << " enabled) in "
                << files.size() << " files\n";
    }
  }
  return loaded.ok() ? kExitOk : kExitProblems;
}

}  // namespace vigia::cli
