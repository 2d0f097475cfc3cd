// SPDX-License-Identifier: Apache-2.0
// The offline `vigia` subcommands (daemon.md, "CLI"). Each returns the exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vigia::cli {

struct CheckOptions {
  std::vector<std::string> rule_args;
  std::string catalogs_dir;
  std::string format = "text";  // text | json
};
int RunCheck(const CheckOptions& options);

struct TestOptions {
  std::vector<std::string> files;
  std::string catalogs_dir;
  bool verbose = false;
};
int RunTest(const TestOptions& options);

struct ReplayOptions {
  std::vector<std::string> rule_args;
  std::string events_file;  // "-" for stdin
  std::optional<std::string> until;
  std::string catalogs_dir;
  bool quiet = false;  // no summary on stderr
};
int RunReplay(const ReplayOptions& options);

struct PushOptions {
  std::string endpoint = "tcp://127.0.0.1:7701";
  std::string file = "-";
};
int RunPush(const PushOptions& options);

struct WatchOptions {
  std::string endpoint = "tcp://127.0.0.1:7703";
  std::string level;   // minimum level; empty: all
  std::string region;  // empty: all
  bool json = false;   // print the alert JSON instead of a line
};
int RunWatch(const WatchOptions& options);

}  // namespace vigia::cli
