// SPDX-License-Identifier: Apache-2.0
// `vigia`: the command-line tool for coordinators, operators and integrators.
#include <CLI/CLI.hpp>

#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"

int main(int argc, char** argv) {
  using namespace vigia::cli;
  CLI::App app{"vigia: early-warning rules engine for the protection of defenders and journalists"};
  app.require_subcommand(1);

  CheckOptions check;
  auto* check_cmd = app.add_subcommand("check", "load and check rule files");
  check_cmd->add_option("rules", check.rule_args, "rule files, directories or globs")->required();
  check_cmd->add_option("--catalogs", check.catalogs_dir, "catalog folder (default: built in)");
  check_cmd->add_option("--format", check.format, "text or json");

  TestOptions test;
  auto* test_cmd = app.add_subcommand("test", "run rule unit tests");
  test_cmd->add_option("files", test.files, "test files")->required();
  test_cmd->add_option("--catalogs", test.catalogs_dir, "catalog folder (default: built in)");
  test_cmd->add_flag("-v,--verbose", test.verbose, "list passing tests too");

  ReplayOptions replay;
  std::string until;
  auto* replay_cmd = app.add_subcommand("replay", "evaluate rules over a JSON Lines event file");
  replay_cmd->add_option("--rules", replay.rule_args, "rule file, directory or glob (repeatable)")
      ->required();
  replay_cmd->add_option("--until", until, "advance the clock to this time at the end");
  replay_cmd->add_option("--catalogs", replay.catalogs_dir, "catalog folder (default: built in)");
  replay_cmd->add_flag("-q,--quiet", replay.quiet, "no summary on stderr");
  replay_cmd->add_option("events", replay.events_file, "events (JSON Lines; - for stdin)")
      ->required();

  PushOptions push;
  auto* push_cmd = app.add_subcommand("push", "send events over the ack socket; print each reply");
  push_cmd->add_option("--endpoint", push.endpoint, "ack endpoint")->capture_default_str();
  push_cmd->add_option("file", push.file, "events (JSON Lines; - for stdin)")->capture_default_str();

  WatchOptions watch;
  auto* watch_cmd = app.add_subcommand("watch", "follow the alert stream");
  watch_cmd->add_option("--endpoint", watch.endpoint, "alert stream (PUB) endpoint")->capture_default_str();
  watch_cmd->add_option("--level", watch.level, "minimum level: info, watch, warning, critical");
  watch_cmd->add_option("--region", watch.region, "only this region, e.g. MX-CHH");
  watch_cmd->add_flag("--json", watch.json, "print each alert's JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (!until.empty()) replay.until = until;
  if (*check_cmd) return RunCheck(check);
  if (*test_cmd) return RunTest(test);
  if (*replay_cmd) return RunReplay(replay);
  if (*push_cmd) return RunPush(push);
  if (*watch_cmd) return RunWatch(watch);
  return kExitUsage;
}
