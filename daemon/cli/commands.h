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

}  // namespace vigia::cli
