// SPDX-License-Identifier: Apache-2.0
// vigiad: the daemon (daemon.md). `vigiad --config FILE`; `--check-config`
// validates a config and its rules without starting.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/catalog.h"
#include "daemon/controller.h"
#include "daemon/http/tokens.h"
#include "daemon/rule_loading.h"

namespace {

constexpr const char* kInstalledConfig = "/etc/vigia/vigia.yaml";

void SetUpLogging(const vigia::config::LogConfig& log) {
  auto logger = spdlog::stderr_logger_mt("vigiad");
  if (log.format == vigia::config::LogFormat::kJson) {
    // Messages are event ids and key=value pairs, never free text from events.
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  }
  using vigia::config::LogLevel;
  switch (log.level) {
    case LogLevel::kTrace: logger->set_level(spdlog::level::trace); break;
    case LogLevel::kDebug: logger->set_level(spdlog::level::debug); break;
    case LogLevel::kInfo: logger->set_level(spdlog::level::info); break;
    case LogLevel::kWarn: logger->set_level(spdlog::level::warn); break;
    case LogLevel::kError: logger->set_level(spdlog::level::err); break;
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigiad: the vigia early-warning daemon"};
  std::string config_file;
  bool check_only = false;
  app.add_option("-c,--config", config_file,
                 "config file (default: /etc/vigia/vigia.yaml when installed, else the built-in "
                 "config/vigia.yaml read relative to the current folder)");
  app.add_flag("--check-config", check_only, "check the config and its rules, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  vigia::config::Config config;
  std::error_code ec;
  if (config_file.empty() && std::filesystem::exists(kInstalledConfig, ec)) config_file = kInstalledConfig;
  if (config_file.empty()) {
    config = vigia::config::DefaultConfig(std::filesystem::current_path());
  } else {
    auto loaded = vigia::config::LoadConfig(config_file);
    if (!loaded.diagnostics().empty())
      std::cerr << vigia::RenderText(loaded.diagnostics(), true, "vigiad not started");
    if (!loaded.ok()) return 2;
    config = std::move(loaded).value();
  }
  if (check_only) {
    vigia::CatalogPaths paths{config.catalogs.regions, config.catalogs.groups, config.catalogs.taxonomy};
    auto catalogs = vigia::LoadCatalogs(paths);
    if (!catalogs.ok()) {
      std::cerr << vigia::RenderText(catalogs.diagnostics(), true, "");
      return 2;
    }
    vigia::rules::RuleLoader loader;
    auto rules = vigia::daemon::LoadConfiguredRules(config, catalogs.value(), loader);
    std::cerr << rules.diagnostics;
    if (!rules.rules) return 2;
    if (config.http && !config.http->tokens_file.empty()) {
      auto tokens = vigia::daemon::http::LoadTokenFile(config.http->tokens_file);
      if (!tokens.ok()) {
        std::cerr << vigia::RenderText(tokens.diagnostics(), true, "");
        return 2;
      }
    }
    std::cout << "ok: " << rules.rules->rules().size() << " rules in " << rules.files << " files\n";
    return 0;
  }
  SetUpLogging(config.log);
  vigia::daemon::Controller controller({std::move(config)});
  return controller.Run();
}
