// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/common.h"

#include <glob.h>

#include <algorithm>
#include <iostream>

#include "rules/loader.h"

namespace vigia::cli {

namespace fs = std::filesystem;

std::vector<fs::path> ExpandRuleArgs(const std::vector<std::string>& args) {
  std::vector<fs::path> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".yaml")
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      out.insert(out.end(), files.begin(), files.end());
      continue;
    }
    if (fs::exists(arg, ec) || arg.find_first_of("*?[") == std::string::npos) {
      out.emplace_back(arg);
      continue;
    }
    glob_t g{};
    if (glob(arg.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    } else {
      out.emplace_back(arg);
    }
    globfree(&g);
  }
  return out;
}

std::shared_ptr<const Catalogs> LoadCatalogsOrReport(const std::string& dir) {
  if (dir.empty()) return std::shared_ptr<const Catalogs>(&Catalogs::Defaults(), [](auto*) {});
  CatalogPaths paths;
  std::error_code ec;
  std::vector<fs::path> regions;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "regions", ec))
    if (entry.path().extension() == ".yaml") regions.push_back(entry.path());
  std::sort(regions.begin(), regions.end());
  if (regions.size() > 1) {
    std::cerr << dir << "/regions: more than one region catalog; keep one file there\n";
    return nullptr;
  }
  if (!regions.empty()) paths.regions = regions.front();
  if (fs::exists(fs::path(dir) / "groups.yaml", ec)) paths.groups = fs::path(dir) / "groups.yaml";
  if (fs::exists(fs::path(dir) / "taxonomy.yaml", ec))
    paths.taxonomy = fs::path(dir) / "taxonomy.yaml";
  auto loaded = LoadCatalogs(paths);
  if (!loaded.diagnostics().empty()) std::cerr << RenderText(loaded.diagnostics());
  if (!loaded.ok()) return nullptr;
  return std::make_shared<const Catalogs>(std::move(loaded).value());
}

std::shared_ptr<const engine::CompiledRules> LoadRulesOrReport(const std::vector<fs::path>& files,
                                                               const Catalogs& catalogs) {
  rules::LoadOptions options;
  options.catalogs = &catalogs;
  auto loaded = rules::LoadRuleFiles(files, options);
  if (!loaded.diagnostics().empty()) std::cerr << RenderText(loaded.diagnostics());
  if (!loaded.ok()) return nullptr;
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  return std::make_shared<const engine::CompiledRules>(set, engine::EngineDefaults{});
}

}  // namespace vigia::cli
